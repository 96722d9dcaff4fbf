/* engine/train/msc-manifest.c — the manifest object (cases, patients,
 * subsets), the row builder that groups rows into cases under the
 * STRICT/SKIP policy and checks files and coordinates, field parsers, and
 * the entry points that read a file and sniff CSV from JSON.
 */
#include "msc-manifest-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-load.h"

/* ---- lesions and cases ---- */

void
msc_lesion_free (MscLesion *lesion)
{
  if (lesion == NULL)
    return;
  g_clear_pointer (&lesion->polygon, g_array_unref);
  g_free (lesion->mask_path);
  g_free (lesion->type);
  g_free (lesion);
}

MscLesion *
msc_lesion_copy (const MscLesion *lesion)
{
  MscLesion *copy = g_memdup2 (lesion, sizeof *lesion);
  if (lesion->polygon)
    {
      copy->polygon = g_array_sized_new (FALSE, FALSE, sizeof (MscPoint), lesion->polygon->len);
      g_array_append_vals (copy->polygon, lesion->polygon->data, lesion->polygon->len);
    }
  copy->mask_path = g_strdup (lesion->mask_path);
  copy->type = g_strdup (lesion->type);
  return copy;
}

MscCase *
msc_case_new (void)
{
  MscCase *c = g_new0 (MscCase, 1);
  c->lesions = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_lesion_free);
  return c;
}

void
msc_case_free (MscCase *c)
{
  if (c == NULL)
    return;
  g_free (c->image_path);
  g_free (c->patient);
  g_free (c->view);
  g_free (c->tissue);
  g_clear_pointer (&c->lesions, g_ptr_array_unref);
  g_free (c);
}

MscCase *
msc_case_copy (const MscCase *c)
{
  MscCase *copy = g_memdup2 (c, sizeof *c);
  copy->image_path = g_strdup (c->image_path);
  copy->patient = g_strdup (c->patient);
  copy->view = g_strdup (c->view);
  copy->tissue = g_strdup (c->tissue);
  copy->lesions = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_lesion_free);
  for (guint i = 0; i < c->lesions->len; i++)
    g_ptr_array_add (copy->lesions, msc_lesion_copy (c->lesions->pdata[i]));
  return copy;
}

const char *
msc_label_to_string (MscLabel label)
{
  switch (label)
    {
    case MSC_LABEL_NORMAL:     return "normal";
    case MSC_LABEL_BENIGN:     return "benign";
    case MSC_LABEL_MALIGNANT:  return "malignant";
    case MSC_LABEL_UNLABELLED: return "unlabelled";
    default:                   return "unknown";
    }
}

/* ---- the manifest ---- */

MscManifest *
msc_manifest_new_take (const char *path, GPtrArray *cases)
{
  MscManifest *self = g_new0 (MscManifest, 1);
  self->ref_count = 1;
  self->path = g_strdup (path);
  self->cases = cases;
  self->patient_of = g_new0 (guint, MAX (cases->len, 1));
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < cases->len; i++)
    {
      const MscCase *c = cases->pdata[i];
      gpointer found;
      if (g_hash_table_lookup_extended (ids, c->patient, NULL, &found))
        self->patient_of[i] = GPOINTER_TO_UINT (found);
      else
        {
          self->patient_of[i] = self->n_patients;
          g_hash_table_insert (ids, c->patient, GUINT_TO_POINTER (self->n_patients++));
        }
    }
  return self;
}

MscManifest *
msc_manifest_ref (MscManifest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
msc_manifest_unref (MscManifest *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->path);
  g_ptr_array_unref (self->cases);
  g_free (self->patient_of);
  g_free (self);
}

guint
msc_manifest_get_n_cases (const MscManifest *self)
{
  return self->cases->len;
}

const MscCase *
msc_manifest_get_case (const MscManifest *self, guint index)
{
  g_return_val_if_fail (index < self->cases->len, NULL);
  return self->cases->pdata[index];
}

const char *
msc_manifest_get_path (const MscManifest *self)
{
  return self->path;
}

guint
msc_manifest_get_n_patients (const MscManifest *self)
{
  return self->n_patients;
}

guint
msc_manifest_patient_of (const MscManifest *self, guint index)
{
  return self->patient_of[index];
}

MscManifest *
msc_manifest_subset (const MscManifest *self, const guint *indices, guint n_indices,
                     GError **error)
{
  if (n_indices == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                   _("%s: empty subset"), self->path);
      return NULL;
    }
  g_autofree guint8 *seen = g_new0 (guint8, self->cases->len);
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_case_free);
  for (guint i = 0; i < n_indices; i++)
    {
      if (indices[i] >= self->cases->len || seen[indices[i]])
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: subset index %u is %s (%u cases)"), self->path, indices[i],
                       indices[i] >= self->cases->len ? _("out of range") : _("repeated"),
                       self->cases->len);
          return NULL;
        }
      seen[indices[i]] = 1;
      g_ptr_array_add (cases, msc_case_copy (self->cases->pdata[indices[i]]));
    }
  return msc_manifest_new_take (self->path, g_steal_pointer (&cases));
}

MscManifest *
msc_manifest_filter (const MscManifest *self, MscCasePredicate keep, gpointer user_data,
                     GError **error)
{
  g_autoptr (GArray) kept = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < self->cases->len; i++)
    if (keep (self->cases->pdata[i], user_data))
      g_array_append_val (kept, i);
  if (kept->len == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                   _("%s: no case passes the filter"), self->path);
      return NULL;
    }
  return msc_manifest_subset (self, (const guint *) (void *) kept->data, kept->len, error);
}

/* ---- field parsers ---- */

/* Case-insensitive match of s against a NULL-terminated list. */
static gboolean
is_one_of (const char *s, const char *const *names)
{
  for (guint i = 0; names[i]; i++)
    if (g_ascii_strcasecmp (s, names[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
msc_manifest_parse_label (const char *s, MscLabel *label, char **why)
{
  static const char *const normal[] = { "normal", "N", "NORM", NULL };
  static const char *const benign[] = { "benign", "B", NULL };
  static const char *const malignant[] = { "malignant", "M", NULL };
  static const char *const unlabelled[] = { "unlabelled", "unlabeled", "U", NULL };
  if (is_one_of (s, normal))
    *label = MSC_LABEL_NORMAL;
  else if (is_one_of (s, benign))
    *label = MSC_LABEL_BENIGN;
  else if (is_one_of (s, malignant))
    *label = MSC_LABEL_MALIGNANT;
  else if (is_one_of (s, unlabelled))
    *label = MSC_LABEL_UNLABELLED;
  else
    {
      *why = g_strdup_printf (_("unknown label '%s' (normal, benign, malignant, unlabelled)"), s);
      return FALSE;
    }
  return TRUE;
}

gboolean
msc_manifest_parse_severity (const char *s, MscLabel *severity, char **why)
{
  MscLabel label;
  if (msc_manifest_parse_label (s, &label, why)
      && (label == MSC_LABEL_BENIGN || label == MSC_LABEL_MALIGNANT))
    {
      *severity = label;
      return TRUE;
    }
  g_free (*why);
  *why = g_strdup_printf (_("unknown severity '%s' (benign or malignant)"), s);
  return FALSE;
}

gboolean
msc_manifest_parse_laterality (const char *s, MscLaterality *lat, char **why)
{
  static const char *const right[] = { "R", "right", NULL };
  static const char *const left[] = { "L", "left", NULL };
  static const char *const both[] = { "B", "both", NULL };
  if (*s == '\0')
    *lat = MSC_LATERALITY_UNKNOWN;
  else if (is_one_of (s, right))
    *lat = MSC_LATERALITY_RIGHT;
  else if (is_one_of (s, left))
    *lat = MSC_LATERALITY_LEFT;
  else if (is_one_of (s, both))
    *lat = MSC_LATERALITY_BOTH;
  else
    {
      *why = g_strdup_printf (_("unknown laterality '%s' (R, L, B or empty)"), s);
      return FALSE;
    }
  return TRUE;
}

/* A finite number taking the whole field (no "12abc", "nan", "inf"). */
gboolean
msc_manifest_parse_number (const char *s, const char *what, double *value, char **why)
{
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (s, &end);
  if (*s == '\0' || end == s || *end != '\0' || errno == ERANGE || !isfinite (v))
    {
      *why = g_strdup_printf (_("%s '%s' is not a finite number"), what, s);
      return FALSE;
    }
  *value = v;
  return TRUE;
}

/* "x1 y1;x2 y2;..." with at least 3 points; coordinates >= 0. */
GArray *
msc_manifest_parse_polygon (const char *s, char **why)
{
  g_auto (GStrv) pairs = g_strsplit (s, ";", 0);
  guint n = g_strv_length (pairs);
  if (n > 0 && g_strstrip (pairs[n - 1])[0] == '\0')
    n--;   /* a trailing ';' */
  if (n < 3 || n > 1000000)
    {
      *why = g_strdup_printf (_("polygon has %u points (3 to 1000000)"), n);
      return NULL;
    }
  g_autoptr (GArray) poly = g_array_sized_new (FALSE, FALSE, sizeof (MscPoint), n);
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) xy = g_strsplit_set (g_strstrip (pairs[i]), " \t", 0);
      const char *v[2];
      guint k = 0;
      for (guint j = 0; xy[j]; j++)
        if (xy[j][0] != '\0' && k++ < 2)
          v[k - 1] = xy[j];
      MscPoint p;
      if (k != 2)
        {
          *why = g_strdup_printf (_("polygon point %u '%s' is not 'x y'"), i + 1, pairs[i]);
          return NULL;
        }
      if (!msc_manifest_parse_number (v[0], "polygon x", &p.x, why)
          || !msc_manifest_parse_number (v[1], "polygon y", &p.y, why))
        return NULL;
      if (p.x < 0 || p.y < 0)
        {
          *why = g_strdup_printf (_("polygon point %u (%g, %g) is negative"), i + 1, p.x, p.y);
          return NULL;
        }
      g_array_append_val (poly, p);
    }
  return g_steal_pointer (&poly);
}

/* ---- image size ---- */

/* Width and height from the file header. PNG's IHDR is read directly: the
 * PNG reader ignores MscLoadOptions.metadata_only and would decode every
 * pixel; other formats go through a metadata-only load. */
static gboolean
read_image_size (const char *path, guint *width, guint *height, GError **error)
{
  guint8 head[24];
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, MSC_TRAIN_ERROR,
                   saved == ENOENT ? MSC_TRAIN_ERROR_MISSING : MSC_TRAIN_ERROR_INVALID,
                   "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  size_t n = fread (head, 1, sizeof head, f);
  fclose (f);
  static const guint8 png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  if (n == sizeof head && memcmp (head, png_sig, 8) == 0 && memcmp (head + 12, "IHDR", 4) == 0)
    {
      *width = (guint) head[16] << 24 | (guint) head[17] << 16 | (guint) head[18] << 8 | head[19];
      *height = (guint) head[20] << 24 | (guint) head[21] << 16 | (guint) head[22] << 8 | head[23];
      if (*width > 0 && *height > 0 && *width <= MSC_IMAGE_MAX_DIMENSION_DEFAULT
          && *height <= MSC_IMAGE_MAX_DIMENSION_DEFAULT)
        return TRUE;
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: PNG header gives %u x %u pixels"), path, *width, *height);
      return FALSE;
    }
  MscLoadOptions opts = { .metadata_only = TRUE };
  g_autoptr (GError) local = NULL;
  MscImage *image = msc_image_load (path, &opts, &local);
  if (image == NULL)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, "%s", local->message);
      return FALSE;
    }
  *width = msc_image_get_width (image);
  *height = msc_image_get_height (image);
  msc_image_unref (image);
  return TRUE;
}

/* ---- the builder ---- */

void
msc_manifest_builder_init (MscManifestBuilder *b, const char *name, const char *base_dir,
                           const MscManifestOptions *opts)
{
  memset (b, 0, sizeof *b);
  b->name = name;
  b->base_dir = g_canonicalize_filename (base_dir ? base_dir : ".", NULL);
  if (opts)
    b->opts = *opts;
  if (b->opts.max_rows == 0)
    b->opts.max_rows = MSC_MANIFEST_MAX_ROWS_DEFAULT;
  if (b->opts.max_bytes == 0)
    b->opts.max_bytes = MSC_MANIFEST_MAX_BYTES_DEFAULT;
  b->cases = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_case_free);
  b->label_given = g_array_new (FALSE, FALSE, sizeof (gboolean));
  b->by_image = g_hash_table_new (g_str_hash, g_str_equal);   /* keys owned by the cases */
  b->dropped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  b->problems = g_ptr_array_new_with_free_func (g_free);
}

void
msc_manifest_builder_clear (MscManifestBuilder *b)
{
  g_clear_pointer (&b->base_dir, g_free);
  g_clear_pointer (&b->by_image, g_hash_table_unref);
  g_clear_pointer (&b->cases, g_ptr_array_unref);
  g_clear_pointer (&b->label_given, g_array_unref);
  g_clear_pointer (&b->dropped, g_hash_table_unref);
  g_clear_pointer (&b->problems, g_ptr_array_unref);
  g_clear_error (&b->error);
}

static gboolean
builder_report (MscManifestBuilder *b, guint line, const char *image, int code, gboolean fatal,
                const char *format, va_list args)
{
  g_autofree char *msg = g_strdup_vprintf (format, args);
  char *full = g_strdup_printf ("%s:%u: %s", b->name, line, msg);
  g_ptr_array_add (b->problems, full);
  if (fatal || b->opts.policy == MSC_MANIFEST_STRICT)
    {
      if (b->error == NULL)
        g_set_error_literal (&b->error, MSC_TRAIN_ERROR, code, full);
      return FALSE;
    }
  if (image)
    g_hash_table_add (b->dropped, g_strdup (image));
  return TRUE;
}

gboolean
msc_manifest_builder_fail (MscManifestBuilder *b, guint line, const char *image, int code,
                           const char *format, ...)
{
  va_list args;
  va_start (args, format);
  gboolean go_on = builder_report (b, line, image, code, FALSE, format, args);
  va_end (args);
  return go_on;
}

gboolean
msc_manifest_builder_fatal (MscManifestBuilder *b, guint line, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  builder_report (b, line, NULL, MSC_TRAIN_ERROR_INVALID, TRUE, format, args);
  va_end (args);
  return FALSE;
}

char *
msc_manifest_resolve (const MscManifestBuilder *b, const char *path)
{
  return g_canonicalize_filename (path, b->base_dir);
}

/* Name of the first field where row disagrees with c, or NULL. */
static const char *
row_conflict (const MscCase *c, gboolean c_given, const MscCase *row, gboolean row_given)
{
  if (g_strcmp0 (c->patient, row->patient) != 0)
    return "patient";
  if (c->laterality != row->laterality)
    return "laterality";
  if (g_strcmp0 (c->view, row->view) != 0)
    return "view";
  if (g_strcmp0 (c->tissue, row->tissue) != 0)
    return "tissue";
  if (c_given && row_given && c->label != row->label)
    return "label";
  return NULL;
}

gboolean
msc_manifest_builder_add (MscManifestBuilder *b, MscCase *row, gboolean label_given)
{
  g_autoptr (MscCase) owned = row;
  if (g_hash_table_contains (b->dropped, row->image_path))
    return TRUE;
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (b->by_image, row->image_path));
  if (index == 0)
    {
      g_ptr_array_add (b->cases, g_steal_pointer (&owned));
      g_array_append_val (b->label_given, label_given);
      g_hash_table_insert (b->by_image, row->image_path, GUINT_TO_POINTER (b->cases->len));
      return TRUE;
    }
  MscCase *c = b->cases->pdata[index - 1];
  gboolean *c_given = &g_array_index (b->label_given, gboolean, index - 1);
  const char *field = row_conflict (c, *c_given, row, label_given);
  if (field)
    return msc_manifest_builder_fail (b, row->line, row->image_path, MSC_TRAIN_ERROR_INVALID,
                                      _("image '%s' has another %s than on line %u"),
                                      row->image_path, field, c->line);
  if (label_given && !*c_given)
    {
      c->label = row->label;
      *c_given = TRUE;
    }
  while (row->lesions->len > 0)
    g_ptr_array_add (c->lesions, g_ptr_array_steal_index (row->lesions, 0));
  return TRUE;
}

/* NORMAL without lesions, MALIGNANT if any lesion is, else BENIGN; a given
 * label must not contradict the lesions. */
static gboolean
settle_label (MscManifestBuilder *b, MscCase *c, gboolean given)
{
  MscLabel derived = c->lesions->len == 0 ? MSC_LABEL_NORMAL : MSC_LABEL_BENIGN;
  for (guint i = 0; i < c->lesions->len; i++)
    if (((MscLesion *) c->lesions->pdata[i])->severity == MSC_LABEL_MALIGNANT)
      derived = MSC_LABEL_MALIGNANT;
  if (!given)
    c->label = derived;
  else if ((c->label == MSC_LABEL_NORMAL || c->label == MSC_LABEL_UNLABELLED) && c->lesions->len > 0)
    {
      (void) msc_manifest_builder_fail (b, c->line, c->image_path, MSC_TRAIN_ERROR_INVALID,
                                      _("label '%s' but the image has %u lesions"),
                                      msc_label_to_string (c->label), c->lesions->len);
      return FALSE;
    }
  else if (c->label == MSC_LABEL_BENIGN && derived == MSC_LABEL_MALIGNANT)
    {
      (void) msc_manifest_builder_fail (b, c->line, c->image_path, MSC_TRAIN_ERROR_INVALID,
                                      _("label 'benign' but a lesion is malignant"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
point_inside (double x, double y, guint width, guint height)
{
  return x >= 0 && y >= 0 && x <= (double) width - 1 && y <= (double) height - 1;
}

/* Lesion geometry inside the image (when its size is known), masks present;
 * MIAS circles flipped to top-down once the height is known. */
static gboolean
settle_lesions (MscManifestBuilder *b, MscCase *c)
{
  guint height = c->height ? c->height : b->default_height;
  for (guint i = 0; i < c->lesions->len; i++)
    {
      MscLesion *l = c->lesions->pdata[i];
      gboolean inside = TRUE;
      if (l->kind == MSC_LESION_CIRCLE && c->width)
        inside = point_inside (l->cx, l->cy, c->width, c->height);
      for (guint j = 0; l->kind == MSC_LESION_POLYGON && c->width && j < l->polygon->len; j++)
        inside = inside && point_inside (g_array_index (l->polygon, MscPoint, j).x,
                                         g_array_index (l->polygon, MscPoint, j).y,
                                         c->width, c->height);
      if (!inside)
        {
          (void) msc_manifest_builder_fail (b, l->line, c->image_path, MSC_TRAIN_ERROR_INVALID,
                                          _("lesion lies outside the %u x %u image"),
                                          c->width, c->height);
          return FALSE;
        }
      if (l->kind == MSC_LESION_MASK && !b->opts.no_file_checks
          && !g_file_test (l->mask_path, G_FILE_TEST_IS_REGULAR))
        {
          (void) msc_manifest_builder_fail (b, l->line, c->image_path, MSC_TRAIN_ERROR_MISSING,
                                          _("mask '%s' is missing"), l->mask_path);
          return FALSE;
        }
      if (l->kind == MSC_LESION_CIRCLE && b->y_from_bottom && height)
        {
          if (l->cy > (double) height - 1)
            {
              (void) msc_manifest_builder_fail (b, l->line, c->image_path, MSC_TRAIN_ERROR_INVALID,
                                              _("y %g is outside the image height %u"),
                                              l->cy, height);
              return FALSE;
            }
          l->cy = (double) height - 1 - l->cy;
        }
    }
  return TRUE;
}

static gboolean
settle_case (MscManifestBuilder *b, MscCase *c, gboolean given)
{
  if (!settle_label (b, c, given))
    return FALSE;
  if (!b->opts.no_file_checks)
    {
      g_autoptr (GError) local = NULL;
      if (!read_image_size (c->image_path, &c->width, &c->height, &local))
        {
          (void) msc_manifest_builder_fail (b, c->line, c->image_path, local->code, "%s",
                                          local->message);
          return FALSE;
        }
    }
  return settle_lesions (b, c);
}

MscManifest *
msc_manifest_builder_finish (MscManifestBuilder *b, GPtrArray **problems, GError **error)
{
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_case_free);
  for (guint i = 0; b->error == NULL && i < b->cases->len; i++)
    {
      MscCase *c = b->cases->pdata[i];
      if (g_hash_table_contains (b->dropped, c->image_path))
        continue;
      if (settle_case (b, c, g_array_index (b->label_given, gboolean, i)))
        g_ptr_array_add (kept, msc_case_copy (c));
    }
  if (b->error == NULL && kept->len == 0)
    g_set_error (&b->error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                 _("%s: no usable case (%u problems)"), b->name, b->problems->len);
  if (problems)
    *problems = g_ptr_array_ref (b->problems);
  if (b->error)
    {
      g_propagate_error (error, g_steal_pointer (&b->error));
      return NULL;
    }
  return msc_manifest_new_take (b->name, g_steal_pointer (&kept));
}

/* ---- entry points ---- */

static char *
read_whole_file (const char *path, gsize max_bytes, gsize *size, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, MSC_TRAIN_ERROR,
                   saved == ENOENT ? MSC_TRAIN_ERROR_MISSING : MSC_TRAIN_ERROR_INVALID,
                   "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  if (st.st_size < 0 || (guint64) st.st_size > max_bytes)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: file is %lu bytes, above the limit of %lu"),
                   path, (gulong) st.st_size, (gulong) max_bytes);
      return NULL;
    }
  char *data = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, size, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, "%s", local->message);
      return NULL;
    }
  return data;
}

MscManifest *
msc_manifest_load_bytes (const char *data, gsize size, const char *name, const char *base_dir,
                         const MscManifestOptions *opts, GPtrArray **problems, GError **error)
{
  MscManifestBuilder b;
  msc_manifest_builder_init (&b, name, base_dir, opts);
  if (size > b.opts.max_bytes)
    msc_manifest_builder_fatal (&b, 1, _("manifest is %lu bytes, above the limit of %lu"),
                                (gulong) size, (gulong) b.opts.max_bytes);
  else
    {
      /* Sniff: JSON opens with '[' or '{' after an optional BOM and blanks. */
      gsize i = size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
      while (i < size && g_ascii_isspace (data[i]))
        i++;
      if (i < size && (data[i] == '[' || data[i] == '{'))
        msc_manifest_read_json (&b, data, size);
      else
        msc_manifest_read_csv (&b, data, size);
    }
  MscManifest *m = msc_manifest_builder_finish (&b, problems, error);
  msc_manifest_builder_clear (&b);
  return m;
}

MscManifest *
msc_manifest_load (const char *path, const MscManifestOptions *opts, GPtrArray **problems,
                   GError **error)
{
  gsize max_bytes = opts && opts->max_bytes ? opts->max_bytes : MSC_MANIFEST_MAX_BYTES_DEFAULT;
  gsize size = 0;
  g_autofree char *data = read_whole_file (path, max_bytes, &size, error);
  if (data == NULL)
    return NULL;
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (abs);
  return msc_manifest_load_bytes (data, size, path, dir, opts, problems, error);
}

MscManifest *
msc_manifest_load_mias (const char *labels_csv, const char *images_dir,
                        const MscManifestOptions *opts, GPtrArray **problems, GError **error)
{
  gsize max_bytes = opts && opts->max_bytes ? opts->max_bytes : MSC_MANIFEST_MAX_BYTES_DEFAULT;
  gsize size = 0;
  g_autofree char *data = read_whole_file (labels_csv, max_bytes, &size, error);
  if (data == NULL)
    return NULL;
  MscManifestBuilder b;
  msc_manifest_builder_init (&b, labels_csv, images_dir, opts);
  b.y_from_bottom = TRUE;
  b.default_height = 1024;   /* mini-MIAS frames, used only when files are not opened */
  msc_manifest_read_mias (&b, data, size, b.base_dir);
  MscManifest *m = msc_manifest_builder_finish (&b, problems, error);
  msc_manifest_builder_clear (&b);
  return m;
}
