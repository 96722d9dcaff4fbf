/* engine/models/msc-safetensors.c — safetensors reader and atomic writer.
 *
 * Format: u64 little-endian header length N, N bytes of JSON, then raw
 * little-endian data that the header's data_offsets must tile exactly.
 * Every byte of a file is treated as hostile until validated.
 */
#include "msc-safetensors.h"
#include "msc-nn-error.h"
#include "msc-models-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *name;
  guint dtype_size;             /* 4 (F32) or 2 (F16, BF16) */
  const char *dtype;            /* static string */
  gint64 shape[MSC_TENSOR_MAX_DIMS];
  guint n_dims;                 /* 0 for a scalar */
  guint64 begin, end;           /* byte offsets into the data section */
  gsize block_offset;           /* float offset into the aligned block */
  MscTensor *view;
} Entry;

struct _MscSafetensors {
  char *filename;
  Entry *entries;               /* sorted by name */
  guint n_entries;
  char **names;                 /* NULL-terminated, borrowed from entries */
  GHashTable *by_name;          /* name -> Entry* */
  GHashTable *metadata;         /* char* -> char* */
  float *block;                 /* all tensors, 64-byte aligned */
};

void
msc_safetensors_free (MscSafetensors *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_entries; i++)
    {
      g_free (self->entries[i].name);
      msc_tensor_free (self->entries[i].view);
    }
  g_free (self->entries);
  g_free (self->names);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_aligned_free (self->block);
  g_free (self->filename);
  g_free (self);
}

/* ---- dtypes ------------------------------------------------------------ */

typedef struct {
  const char *name;
  guint size;
  gboolean supported;
} DtypeInfo;

/* Every dtype of the format is known so that a valid-but-unsupported file
 * gets UNSUPPORTED, not "unknown dtype". */
static const DtypeInfo dtypes[] = {
  { "F32", 4, TRUE }, { "F16", 2, TRUE }, { "BF16", 2, TRUE },
  { "F64", 8, FALSE }, { "I64", 8, FALSE }, { "U64", 8, FALSE },
  { "I32", 4, FALSE }, { "U32", 4, FALSE }, { "I16", 2, FALSE },
  { "U16", 2, FALSE }, { "I8", 1, FALSE }, { "U8", 1, FALSE },
  { "BOOL", 1, FALSE }, { "F8_E4M3", 1, FALSE }, { "F8_E5M2", 1, FALSE },
};

static const DtypeInfo *
dtype_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (dtypes[i].name, name) == 0)
      return &dtypes[i];
  return NULL;
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000u) << 16;
  guint32 exp = (h >> 10) & 0x1fu;
  guint32 mant = h & 0x3ffu;
  guint32 bits;
  if (exp == 0x1f)
    bits = sign | 0x7f800000u | (mant << 13);          /* inf / NaN */
  else if (exp != 0)
    bits = sign | ((exp + 112u) << 23) | (mant << 13); /* rebias 15 -> 127 */
  else if (mant == 0)
    bits = sign;
  else
    {
      /* Subnormal half: normalise the mantissa into a normal float. */
      int e = -1;
      do
        {
          e++;
          mant <<= 1;
        }
      while ((mant & 0x400u) == 0);
      bits = sign | ((guint32) (112 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

static float
load_element (const guint8 *p, const char *dtype)
{
  guint32 bits;
  if (dtype[0] == 'F' && dtype[1] == '3')
    bits = (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
  else if (dtype[0] == 'B')
    bits = ((guint32) p[0] | (guint32) p[1] << 8) << 16;
  else
    return half_to_float ((guint16) (p[0] | p[1] << 8));
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

/* ---- header ------------------------------------------------------------ */

static gboolean
get_uint (JsonNode *node, guint64 *out)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  gint64 v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
parse_entry (const char *file, const char *name, JsonNode *node, Entry *e, GError **error)
{
  if (*name == '\0')
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "a tensor has an empty name");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s' is not a JSON object", name);
  JsonObject *obj = json_node_get_object (node);

  JsonNode *dtype = json_object_get_member (obj, "dtype");
  JsonNode *shape = json_object_get_member (obj, "shape");
  JsonNode *offsets = json_object_get_member (obj, "data_offsets");
  if (dtype == NULL || shape == NULL || offsets == NULL)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s' lacks %s", name,
                 dtype == NULL ? "\"dtype\"" : shape == NULL ? "\"shape\"" : "\"data_offsets\"");
  if (json_object_get_size (obj) != 3)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                 "tensor '%s' has members other than dtype, shape and data_offsets", name);

  if (!JSON_NODE_HOLDS_VALUE (dtype) || json_node_get_value_type (dtype) != G_TYPE_STRING)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s': \"dtype\" is not a string", name);
  const DtypeInfo *info = dtype_lookup (json_node_get_string (dtype));
  if (info == NULL)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s' has unknown dtype \"%s\"",
                 name, json_node_get_string (dtype));
  if (!info->supported)
    return msc_models_fail (error, MSC_NN_ERROR_UNSUPPORTED, file,
                 "tensor '%s' has dtype %s; only F32, F16 and BF16 weights are supported",
                 name, info->name);
  e->dtype = info->name;
  e->dtype_size = info->size;

  if (!JSON_NODE_HOLDS_ARRAY (shape))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s': \"shape\" is not an array", name);
  JsonArray *dims = json_node_get_array (shape);
  guint n_dims = json_array_get_length (dims);
  if (n_dims > MSC_TENSOR_MAX_DIMS)
    return msc_models_fail (error, MSC_NN_ERROR_UNSUPPORTED, file,
                 "tensor '%s' has %u dimensions; at most %d are supported",
                 name, n_dims, MSC_TENSOR_MAX_DIMS);
  guint64 numel = 1;
  for (guint i = 0; i < n_dims; i++)
    {
      guint64 d;
      if (!get_uint (json_array_get_element (dims, i), &d))
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                     "tensor '%s': shape[%u] is not a non-negative integer", name, i);
      if (d == 0)
        return msc_models_fail (error, MSC_NN_ERROR_UNSUPPORTED, file,
                     "tensor '%s' is empty (shape[%u] is 0)", name, i);
      if (!g_uint64_checked_mul (&numel, numel, d))
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s': element count overflows", name);
      e->shape[i] = (gint64) d;   /* d <= G_MAXINT64 by get_uint */
    }
  e->n_dims = n_dims;

  if (!JSON_NODE_HOLDS_ARRAY (offsets) || json_array_get_length (json_node_get_array (offsets)) != 2 ||
      !get_uint (json_array_get_element (json_node_get_array (offsets), 0), &e->begin) ||
      !get_uint (json_array_get_element (json_node_get_array (offsets), 1), &e->end))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                 "tensor '%s': \"data_offsets\" is not [begin, end] of non-negative integers", name);
  if (e->end < e->begin)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s': data_offsets end %" G_GUINT64_FORMAT
                 " is before begin %" G_GUINT64_FORMAT, name, e->end, e->begin);
  guint64 bytes;
  if (!g_uint64_checked_mul (&bytes, numel, info->size))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor '%s': byte size overflows", name);
  if (bytes != e->end - e->begin)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                 "tensor '%s': shape and dtype give %" G_GUINT64_FORMAT " bytes, data_offsets span %"
                 G_GUINT64_FORMAT, name, bytes, e->end - e->begin);
  e->name = g_strdup (name);
  return TRUE;
}

static gboolean
parse_metadata (const char *file, JsonNode *node, GHashTable *metadata, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "\"__metadata__\" is not an object");
  JsonObjectIter it;
  const char *key;
  JsonNode *value;
  json_object_iter_init (&it, json_node_get_object (node));
  while (json_object_iter_next (&it, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "metadata \"%s\" is not a string", key);
      g_hash_table_insert (metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

static int
compare_by_begin (const void *a, const void *b)
{
  const Entry *x = *(const Entry * const *) a, *y = *(const Entry * const *) b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : 0;
}

static int
compare_by_name (const void *a, const void *b)
{
  return strcmp (((const Entry *) a)->name, ((const Entry *) b)->name);
}

/* The data offsets, sorted, must start at 0, follow each other without
 * holes or overlaps, and end exactly at the end of the file. */
static gboolean
check_tiling (const char *file, MscSafetensors *self, guint64 data_size, GError **error)
{
  g_autofree Entry **order = g_new (Entry *, self->n_entries + 1);
  for (guint i = 0; i < self->n_entries; i++)
    order[i] = &self->entries[i];
  qsort (order, self->n_entries, sizeof (Entry *), compare_by_begin);
  guint64 pos = 0;
  for (guint i = 0; i < self->n_entries; i++)
    {
      const Entry *e = order[i];
      if (e->begin > pos)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                     "hole in the data: bytes %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                     " before tensor '%s' belong to no tensor", pos, e->begin, e->name);
      if (e->begin < pos)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                     "tensor '%s' (bytes %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                     ") overlaps tensor '%s'", e->name, e->begin, e->end, order[i - 1]->name);
      if (e->end > data_size)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                     "tensor '%s' ends at data byte %" G_GUINT64_FORMAT
                     " but the file holds only %" G_GUINT64_FORMAT " data bytes",
                     e->name, e->end, data_size);
      pos = e->end;
    }
  if (pos != data_size)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
                 "file has %" G_GUINT64_FORMAT " data bytes after the header but the tensors cover %"
                 G_GUINT64_FORMAT, data_size, pos);
  return TRUE;
}

/* Converts every tensor into one aligned block; each tensor starts on a
 * 64-byte boundary so kernels may use aligned loads on any of them. */
static gboolean
convert_data (const char *file, MscSafetensors *self, const guint8 *data, GError **error)
{
  gsize total = 0;
  for (guint i = 0; i < self->n_entries; i++)
    {
      Entry *e = &self->entries[i];
      gsize numel = (gsize) ((e->end - e->begin) / e->dtype_size);
      e->block_offset = total;
      total += (numel + 15) & ~(gsize) 15;   /* bounded by 8x the file size */
    }
  if (total == 0)
    return TRUE;
  self->block = g_aligned_alloc (total, sizeof (float), 64);
  for (guint i = 0; i < self->n_entries; i++)
    {
      Entry *e = &self->entries[i];
      float *out = self->block + e->block_offset;
      const guint8 *in = data + e->begin;
      gsize numel = (gsize) ((e->end - e->begin) / e->dtype_size);
      for (gsize k = 0; k < numel; k++)
        {
          out[k] = load_element (in + k * e->dtype_size, e->dtype);
          if (!isfinite (out[k]))
            return msc_models_fail (error, MSC_NN_ERROR_NUMERIC, file, "tensor '%s' element %" G_GSIZE_FORMAT
                         " is %s; weights must be finite", e->name, k,
                         isnan (out[k]) ? "NaN" : "infinite");
        }
      gint64 scalar = 1;
      e->view = msc_tensor_new_view (out, e->n_dims ? e->shape : &scalar, MAX (e->n_dims, 1), error);
      if (e->view == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_header (const char *file, MscSafetensors *self, const char *header, gsize len, GError **error)
{
  if (header[0] != '{')
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header does not start with '{'");
  if (!g_utf8_validate_len (header, len, NULL))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header is not valid UTF-8");
  g_auto (MscJsonScan) scan;
  msc_models_json_scan (header, len, &scan);
  if (scan.depth > MSC_MODELS_MAX_JSON_DEPTH)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header nests deeper than %d levels",
                 MSC_MODELS_MAX_JSON_DEPTH);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) json_error = NULL;
  if (!json_parser_load_from_data (parser, header, (gssize) len, &json_error))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header is not valid JSON: %s", json_error->message);
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header is not a JSON object");
  JsonObject *obj = json_node_get_object (root);
  guint n_members = json_object_get_size (obj);
  guint n_tensors = n_members - (json_object_has_member (obj, "__metadata__") ? 1 : 0);
  if (n_tensors > MSC_SAFETENSORS_MAX_TENSORS)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header lists %u tensors; at most %u are allowed",
                 n_tensors, MSC_SAFETENSORS_MAX_TENSORS);
  /* Keys equal only after unescaping ("a" vs "\u0061") show as a count mismatch. */
  if (scan.duplicate != NULL || scan.n_top_keys != n_members)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "key \"%s\" appears twice in the header",
                 scan.duplicate ? scan.duplicate : "(escaped)");
  if (scan.trailing)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header is not valid JSON: text after the object");

  self->entries = g_new0 (Entry, n_members + 1);   /* never NULL, for qsort */
  JsonObjectIter it;
  const char *name;
  JsonNode *node;
  json_object_iter_init (&it, obj);
  while (json_object_iter_next (&it, &name, &node))
    {
      if (strcmp (name, "__metadata__") == 0)
        {
          if (!parse_metadata (file, node, self->metadata, error))
            return FALSE;
          continue;
        }
      if (!parse_entry (file, name, node, &self->entries[self->n_entries], error))
        return FALSE;
      self->n_entries++;
    }
  return TRUE;
}

MscSafetensors *
msc_safetensors_load_bytes (const guint8 *data, gsize size, const char *name, GError **error)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_autofree char *file = g_path_get_basename (name ? name : "(memory)");
  if (size < 8)
    {
      msc_models_fail (error, MSC_NN_ERROR_INVALID, file,
            "file is %" G_GSIZE_FORMAT " bytes, shorter than the 8-byte header length", size);
      return NULL;
    }
  guint64 header_len = 0;
  for (int i = 7; i >= 0; i--)
    header_len = header_len << 8 | data[i];
  if (header_len == 0)
    {
      msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header length is 0");
      return NULL;
    }
  if (header_len > MSC_SAFETENSORS_MAX_HEADER)
    {
      msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header length %" G_GUINT64_FORMAT
            " exceeds the limit of %u bytes", header_len, MSC_SAFETENSORS_MAX_HEADER);
      return NULL;
    }
  if (header_len > size - 8)
    {
      msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "header length %" G_GUINT64_FORMAT
            " runs past the end of the file (%" G_GSIZE_FORMAT " bytes)", header_len, size);
      return NULL;
    }

  g_autoptr (MscSafetensors) self = g_new0 (MscSafetensors, 1);
  self->filename = g_strdup (file);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!parse_header (file, self, (const char *) data + 8, (gsize) header_len, error))
    return NULL;

  const guint8 *payload = data + 8 + header_len;
  guint64 data_size = size - 8 - header_len;
  if (!check_tiling (file, self, data_size, error))
    return NULL;
  qsort (self->entries, self->n_entries, sizeof (Entry), compare_by_name);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->names = g_new0 (char *, self->n_entries + 1);
  for (guint i = 0; i < self->n_entries; i++)
    {
      /* Duplicates were caught on the raw header; this guards the escaped case. */
      if (!g_hash_table_insert (self->by_name, self->entries[i].name, &self->entries[i]))
        {
          msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor name \"%s\" appears twice", self->entries[i].name);
          return NULL;
        }
      self->names[i] = self->entries[i].name;
    }
  if (!convert_data (file, self, payload, error))
    return NULL;
  return g_steal_pointer (&self);
}

MscSafetensors *
msc_safetensors_load (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_autofree char *file = g_path_get_basename (path);
      msc_models_fail (error, MSC_NN_ERROR_IO, file, "%s", local->message);
      return NULL;
    }
  const guint8 *data = (const guint8 *) g_mapped_file_get_contents (mapped);
  gsize size = g_mapped_file_get_length (mapped);
  static const guint8 empty[1];
  return msc_safetensors_load_bytes (data ? data : empty, size, path, error);
}

const char * const *
msc_safetensors_get_names (const MscSafetensors *self)
{
  return (const char * const *) self->names;
}

guint
msc_safetensors_get_n_tensors (const MscSafetensors *self)
{
  return self->n_entries;
}

MscTensor *
msc_safetensors_get (MscSafetensors *self, const char *name)
{
  Entry *e = g_hash_table_lookup (self->by_name, name);
  return e ? e->view : NULL;
}

const char *
msc_safetensors_get_dtype (const MscSafetensors *self, const char *name)
{
  Entry *e = g_hash_table_lookup (self->by_name, name);
  return e ? e->dtype : NULL;
}

GHashTable *
msc_safetensors_dup_metadata (const MscSafetensors *self)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, self->metadata);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (copy, g_strdup (k), g_strdup (v));
  return copy;
}

const char *
msc_safetensors_get_metadata (const MscSafetensors *self, const char *key)
{
  return g_hash_table_lookup (self->metadata, key);
}

const char *
msc_safetensors_get_filename (const MscSafetensors *self)
{
  return self->filename;
}

/* ---- writing ----------------------------------------------------------- */

static int
compare_names_indirect (const void *a, const void *b, void *names)
{
  const char * const *n = names;
  return strcmp (n[*(const guint *) a], n[*(const guint *) b]);
}

static int
compare_strings (const void *a, const void *b, void *unused)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
build_header (const char * const *names, MscTensor * const *tensors, const guint *order,
              guint n, GHashTable *metadata)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      /* Sorted keys make the file a function of its contents. */
      g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (metadata, NULL);
      g_qsort_with_data (keys, g_hash_table_size (metadata), sizeof (char *),
                         compare_strings, NULL);
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      for (guint i = 0; keys[i]; i++)
        {
          json_builder_set_member_name (b, keys[i]);
          json_builder_add_string_value (b, g_hash_table_lookup (metadata, keys[i]));
        }
      json_builder_end_object (b);
    }
  guint64 offset = 0;
  for (guint k = 0; k < n; k++)
    {
      const MscTensor *t = tensors[order[k]];
      json_builder_set_member_name (b, names[order[k]]);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, "F32");
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (guint d = 0; d < msc_tensor_n_dims (t); d++)
        json_builder_add_int_value (b, msc_tensor_dim (t, d));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) offset);
      offset += (guint64) msc_tensor_numel (t) * sizeof (float);
      json_builder_add_int_value (b, (gint64) offset);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static gboolean
check_save_args (const char *file, const char * const *names, MscTensor * const *tensors,
                 guint n, GError **error)
{
  if (n > MSC_SAFETENSORS_MAX_TENSORS)
    return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "%u tensors; at most %u are allowed",
                 n, MSC_SAFETENSORS_MAX_TENSORS);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      if (names[i] == NULL || names[i][0] == '\0' || strcmp (names[i], "__metadata__") == 0)
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor %u has an empty or reserved name", i);
      if (!g_hash_table_add (seen, (gpointer) names[i]))
        return msc_models_fail (error, MSC_NN_ERROR_INVALID, file, "tensor name \"%s\" is given twice", names[i]);
      const float *v = msc_tensor_data_const (tensors[i]);
      for (gint64 k = 0; k < msc_tensor_numel (tensors[i]); k++)
        if (!isfinite (v[k]))
          return msc_models_fail (error, MSC_NN_ERROR_NUMERIC, file, "tensor '%s' element %" G_GINT64_FORMAT
                       " is not finite", names[i], k);
    }
  return TRUE;
}

gboolean
msc_safetensors_save (const char *path, const char * const *names, MscTensor * const *tensors,
                      guint n_tensors, GHashTable *metadata, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (n_tensors == 0 || (names != NULL && tensors != NULL), FALSE);
  g_autofree char *file = g_path_get_basename (path);
  if (!check_save_args (file, names, tensors, n_tensors, error))
    return FALSE;

  g_autofree guint *order = g_new (guint, n_tensors + 1);
  for (guint i = 0; i < n_tensors; i++)
    order[i] = i;
  g_qsort_with_data (order, n_tensors, sizeof (guint), compare_names_indirect, (gpointer) names);

  g_autofree char *json = build_header (names, tensors, order, n_tensors, metadata);
  gsize header_len = strlen (json);
  gsize padded = (header_len + 7) & ~(gsize) 7;   /* 8 + padded keeps the data 8-aligned */

  gsize total = 8 + padded;
  for (guint k = 0; k < n_tensors; k++)
    total += (gsize) msc_tensor_numel (tensors[k]) * sizeof (float);
  g_autofree guint8 *buf = g_malloc (total);
  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) ((guint64) padded >> (8 * i));
  memcpy (buf + 8, json, header_len);
  memset (buf + 8 + header_len, ' ', padded - header_len);
  guint8 *out = buf + 8 + padded;
  for (guint k = 0; k < n_tensors; k++)
    {
      const float *v = msc_tensor_data_const (tensors[order[k]]);
      gint64 numel = msc_tensor_numel (tensors[order[k]]);
      for (gint64 i = 0; i < numel; i++, out += 4)
        {
          guint32 bits;
          memcpy (&bits, &v[i], 4);
          bits = GUINT32_TO_LE (bits);
          memcpy (out, &bits, 4);
        }
    }

  /* CONSISTENT writes a temporary file beside path and renames it over. */
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents_full (path, (const char *) buf, (gssize) total,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local))
    return msc_models_fail (error, MSC_NN_ERROR_IO, file, "cannot write: %s", local->message);
  return TRUE;
}
