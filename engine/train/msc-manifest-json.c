/* engine/train/msc-manifest-json.c — JSON manifests: an array of case
 * objects, each with a "lesions" array, read through json-glib after a
 * pre-scan that bounds nesting and finds each case's line for messages;
 * and the writer (msc_manifest_to_json / _save_json).
 */
#include "msc-manifest-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "msc-i18n.h"

#define MAX_DEPTH 16   /* our format nests 4 deep; bounds json-glib's recursion */

/* Lines of the elements of the top-level array; FALSE (fatal reported)
 * when nesting is too deep or the top level is not an array. */
static gboolean
json_prescan (MscManifestBuilder *b, const char *data, gsize size, GArray *lines)
{
  guint depth = 0, line = 1;
  gboolean in_string = FALSE, expect = FALSE, seen_top = FALSE;
  for (gsize i = 0; i < size; i++)
    {
      char c = data[i];
      if (c == '\n')
        line++;
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (depth == 1 && expect && !g_ascii_isspace (c) && c != ',' && c != ']')
        {
          g_array_append_val (lines, line);
          expect = FALSE;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (depth == 0 && (c == '{' || seen_top))
            return msc_manifest_builder_fatal (b, line, _("expected one array of cases"));
          seen_top = TRUE;
          if (++depth > MAX_DEPTH)
            return msc_manifest_builder_fatal (b, line, _("nesting deeper than %d"), MAX_DEPTH);
          expect = depth == 1;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
      else if (c == ',' && depth == 1)
        expect = TRUE;
    }
  return TRUE;
}

/* A string member or NULL when absent or null; FALSE for another type. */
static gboolean
member_string (JsonObject *o, const char *key, const char **out, char **why)
{
  JsonNode *n = json_object_get_member (o, key);
  *out = NULL;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    {
      *out = json_node_get_string (n);
      return TRUE;
    }
  *why = g_strdup_printf (_("\"%s\" is not a string"), key);
  return FALSE;
}

static gboolean
node_number (JsonNode *n, const char *what, double *v, char **why)
{
  if (n && JSON_NODE_HOLDS_VALUE (n)
      && (json_node_get_value_type (n) == G_TYPE_DOUBLE || json_node_get_value_type (n) == G_TYPE_INT64))
    {
      *v = json_node_get_double (n);
      if (isfinite (*v))
        return TRUE;
    }
  *why = g_strdup_printf (_("\"%s\" is not a finite number"), what);
  return FALSE;
}

static gboolean
only_members (JsonObject *o, const char *const *allowed, char **why)
{
  g_autoptr (GList) names = json_object_get_members (o);
  for (GList *l = names; l; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        *why = g_strdup_printf (_("unknown member \"%s\""), (const char *) l->data);
        return FALSE;
      }
  return TRUE;
}

static GArray *
json_polygon (JsonNode *n, char **why)
{
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  guint len = a ? json_array_get_length (a) : 0;
  if (len < 3)
    {
      *why = g_strdup (_("\"polygon\" is not an array of at least 3 [x, y] points"));
      return NULL;
    }
  g_autoptr (GArray) poly = g_array_sized_new (FALSE, FALSE, sizeof (MscPoint), len);
  for (guint i = 0; i < len; i++)
    {
      JsonNode *pn = json_array_get_element (a, i);
      JsonArray *pa = JSON_NODE_HOLDS_ARRAY (pn) ? json_node_get_array (pn) : NULL;
      MscPoint p;
      if (pa == NULL || json_array_get_length (pa) != 2)
        {
          *why = g_strdup_printf (_("polygon point %u is not [x, y]"), i + 1);
          return NULL;
        }
      if (!node_number (json_array_get_element (pa, 0), "polygon x", &p.x, why)
          || !node_number (json_array_get_element (pa, 1), "polygon y", &p.y, why))
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

static MscLesion *
json_lesion (MscManifestBuilder *b, JsonNode *n, guint line, char **why)
{
  static const char *const allowed[] = { "type", "severity", "cx", "cy", "radius", "polygon",
                                         "mask", NULL };
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
  const char *type, *severity, *mask;
  if (o == NULL)
    {
      *why = g_strdup (_("a lesion is not an object"));
      return NULL;
    }
  if (!only_members (o, allowed, why) || !member_string (o, "type", &type, why)
      || !member_string (o, "severity", &severity, why) || !member_string (o, "mask", &mask, why))
    return NULL;
  g_autoptr (MscLesion) l = g_new0 (MscLesion, 1);
  l->line = line;
  l->type = g_strdup (type);
  if (severity == NULL)
    {
      *why = g_strdup (_("lesion without a severity"));
      return NULL;
    }
  if (!msc_manifest_parse_severity (severity, &l->severity, why))
    return NULL;
  gboolean circle = json_object_has_member (o, "cx") || json_object_has_member (o, "cy")
                    || json_object_has_member (o, "radius");
  gboolean polygon = json_object_has_member (o, "polygon");
  if (circle + polygon + (mask != NULL) > 1)
    {
      *why = g_strdup (_("a lesion gives more than one geometry (circle, polygon, mask)"));
      return NULL;
    }
  if (circle)
    {
      l->kind = MSC_LESION_CIRCLE;
      if (!node_number (json_object_get_member (o, "cx"), "cx", &l->cx, why)
          || !node_number (json_object_get_member (o, "cy"), "cy", &l->cy, why)
          || !node_number (json_object_get_member (o, "radius"), "radius", &l->radius, why))
        return NULL;
      if (l->cx < 0 || l->cy < 0 || l->radius <= 0)
        {
          *why = g_strdup_printf (_("circle (%g, %g) radius %g: centre must be >= 0, radius > 0"),
                                  l->cx, l->cy, l->radius);
          return NULL;
        }
    }
  else if (polygon)
    {
      l->kind = MSC_LESION_POLYGON;
      if ((l->polygon = json_polygon (json_object_get_member (o, "polygon"), why)) == NULL)
        return NULL;
    }
  else if (mask)
    {
      l->kind = MSC_LESION_MASK;
      l->mask_path = msc_manifest_resolve (b, mask);
    }
  return g_steal_pointer (&l);
}

/* Patient ids may be written as numbers; they are kept as text. */
static char *
json_patient (JsonObject *o)
{
  JsonNode *n = json_object_get_member (o, "patient");
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
      && *json_node_get_string (n))
    return g_strdup (json_node_get_string (n));
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
  return NULL;
}

static MscCase *
json_case (MscManifestBuilder *b, JsonObject *o, guint line, gboolean *given, char **why)
{
  static const char *const allowed[] = { "image", "patient", "laterality", "view", "label",
                                         "tissue", "lesions", NULL };
  const char *image, *lat, *view, *label, *tissue;
  if (!only_members (o, allowed, why) || !member_string (o, "image", &image, why)
      || !member_string (o, "laterality", &lat, why) || !member_string (o, "view", &view, why)
      || !member_string (o, "label", &label, why) || !member_string (o, "tissue", &tissue, why))
    return NULL;
  g_autoptr (MscCase) c = msc_case_new ();
  c->line = line;
  c->image_path = msc_manifest_resolve (b, image);   /* image checked non-empty by the caller */
  if ((c->patient = json_patient (o)) == NULL)
    {
      *why = g_strdup (_("no patient (a string or an integer)"));
      return NULL;
    }
  if (!msc_manifest_parse_laterality (lat ? lat : "", &c->laterality, why))
    return NULL;
  c->view = view && *view ? g_strdup (view) : NULL;
  c->tissue = tissue && *tissue ? g_strdup (tissue) : NULL;
  *given = label && *label;
  if (*given && !msc_manifest_parse_label (label, &c->label, why))
    return NULL;
  JsonNode *ln = json_object_get_member (o, "lesions");
  if (ln == NULL || JSON_NODE_HOLDS_NULL (ln))
    return g_steal_pointer (&c);
  if (!JSON_NODE_HOLDS_ARRAY (ln))
    {
      *why = g_strdup (_("\"lesions\" is not an array"));
      return NULL;
    }
  JsonArray *a = json_node_get_array (ln);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      MscLesion *l = json_lesion (b, json_array_get_element (a, i), line, why);
      if (l == NULL)
        return NULL;
      g_ptr_array_add (c->lesions, l);
    }
  return g_steal_pointer (&c);
}

static gboolean
json_one (MscManifestBuilder *b, JsonNode *n, guint line)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
  JsonNode *in = o ? json_object_get_member (o, "image") : NULL;
  const char *image = in && JSON_NODE_HOLDS_VALUE (in) && json_node_get_value_type (in) == G_TYPE_STRING
                      ? json_node_get_string (in) : NULL;
  if (image == NULL || *image == '\0')
    return msc_manifest_builder_fail (b, line, NULL, MSC_TRAIN_ERROR_INVALID,
                                      o ? _("case without an \"image\" string")
                                        : _("case is not an object"));
  g_autofree char *why = NULL;
  gboolean given = FALSE;
  MscCase *c = json_case (b, o, line, &given, &why);
  if (c == NULL)
    {
      g_autofree char *path = msc_manifest_resolve (b, image);
      return msc_manifest_builder_fail (b, line, path, MSC_TRAIN_ERROR_INVALID, "%s", why);
    }
  return msc_manifest_builder_add (b, c, given);
}

gboolean
msc_manifest_read_json (MscManifestBuilder *b, const char *data, gsize size)
{
  if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      size -= 3;
    }
  g_autoptr (GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!json_prescan (b, data, size, lines))
    return FALSE;
  if (memchr (data, '\0', size) || !g_utf8_validate (data, (gssize) size, NULL))
    return msc_manifest_builder_fatal (b, 1, _("not valid UTF-8 JSON text"));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) size, &local))
    return msc_manifest_builder_fatal (b, 1, _("invalid JSON: %s"), local->message);
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return msc_manifest_builder_fatal (b, 1, _("expected one array of cases"));
  JsonArray *cases = json_node_get_array (root);
  guint n = json_array_get_length (cases);
  if (n > b->opts.max_rows)
    return msc_manifest_builder_fatal (b, 1, _("more than %u cases"), b->opts.max_rows);
  for (guint i = 0; i < n; i++)
    {
      guint line = i < lines->len ? g_array_index (lines, guint, i) : 1;
      if (!json_one (b, json_array_get_element (cases, i), line))
        return FALSE;
    }
  return TRUE;
}

/* ---- writing ---- */

static void
write_lesion (JsonBuilder *jb, const MscLesion *l)
{
  json_builder_begin_object (jb);
  if (l->type)
    {
      json_builder_set_member_name (jb, "type");
      json_builder_add_string_value (jb, l->type);
    }
  json_builder_set_member_name (jb, "severity");
  json_builder_add_string_value (jb, msc_label_to_string (l->severity));
  switch (l->kind)
    {
    case MSC_LESION_CIRCLE:
      json_builder_set_member_name (jb, "cx");
      json_builder_add_double_value (jb, l->cx);
      json_builder_set_member_name (jb, "cy");
      json_builder_add_double_value (jb, l->cy);
      json_builder_set_member_name (jb, "radius");
      json_builder_add_double_value (jb, l->radius);
      break;
    case MSC_LESION_POLYGON:
      json_builder_set_member_name (jb, "polygon");
      json_builder_begin_array (jb);
      for (guint i = 0; i < l->polygon->len; i++)
        {
          json_builder_begin_array (jb);
          json_builder_add_double_value (jb, g_array_index (l->polygon, MscPoint, i).x);
          json_builder_add_double_value (jb, g_array_index (l->polygon, MscPoint, i).y);
          json_builder_end_array (jb);
        }
      json_builder_end_array (jb);
      break;
    case MSC_LESION_MASK:
      json_builder_set_member_name (jb, "mask");
      json_builder_add_string_value (jb, l->mask_path);
      break;
    case MSC_LESION_NONE:
    default:
      break;
    }
  json_builder_end_object (jb);
}

static void
write_member (JsonBuilder *jb, const char *name, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (jb, name);
  json_builder_add_string_value (jb, value);
}

char *
msc_manifest_to_json (const MscManifest *self)
{
  static const char *const lat[] = { NULL, "R", "L", "B" };
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  json_builder_begin_array (jb);
  for (guint i = 0; i < self->cases->len; i++)
    {
      const MscCase *c = self->cases->pdata[i];
      json_builder_begin_object (jb);
      write_member (jb, "image", c->image_path);
      write_member (jb, "patient", c->patient);
      write_member (jb, "laterality", c->laterality <= MSC_LATERALITY_BOTH ? lat[c->laterality] : NULL);
      write_member (jb, "view", c->view);
      write_member (jb, "label", msc_label_to_string (c->label));
      write_member (jb, "tissue", c->tissue);
      json_builder_set_member_name (jb, "lesions");
      json_builder_begin_array (jb);
      for (guint j = 0; j < c->lesions->len; j++)
        write_lesion (jb, c->lesions->pdata[j]);
      json_builder_end_array (jb);
      json_builder_end_object (jb);
    }
  json_builder_end_array (jb);
  g_autoptr (JsonNode) root = json_builder_get_root (jb);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

gboolean
msc_manifest_save_json (const MscManifest *self, const char *path, GError **error)
{
  g_autofree char *text = msc_manifest_to_json (self);
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents (path, text, -1, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}
