/* engine/train/msc-manifest-csv.c — CSV manifests: an RFC 4180 tokenizer
 * (quoted fields, "" escapes, CRLF, BOM, line numbers that count newlines
 * inside quotes), our own column set, and the MIAS labels.csv layout.
 */
#include "msc-manifest-private.h"

#include <string.h>

#include "msc-i18n.h"

typedef struct {
  const char *p, *end;
  guint line;               /* line of p, 1-based */
} CsvReader;

/* A quoted field; p is just past the opening quote. */
static gboolean
csv_quoted (CsvReader *r, GString *f, guint opened, char **why)
{
  for (;;)
    {
      if (r->p >= r->end)
        {
          *why = g_strdup_printf (_("quoted field opened on line %u never closes"), opened);
          return FALSE;
        }
      char c = *r->p++;
      if (c == '"')
        {
          if (r->p < r->end && *r->p == '"')
            r->p++;
          else
            break;
        }
      else if (c == '\n')
        r->line++;
      else if (c == '\0')
        {
          *why = g_strdup (_("NUL byte inside a field"));
          return FALSE;
        }
      g_string_append_c (f, c);
    }
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
    r->p++;
  if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
    {
      *why = g_strdup (_("text after a closing quote"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
csv_plain (CsvReader *r, GString *f, char **why)
{
  while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
    {
      if (*r->p == '"' || *r->p == '\0')
        {
          *why = g_strdup (*r->p == '"' ? _("quote inside an unquoted field")
                                        : _("NUL byte inside a field"));
          return FALSE;
        }
      g_string_append_c (f, *r->p++);
    }
  /* Blanks around unquoted fields are not data ("R , L" from hand editing). */
  gsize start = 0, len = f->len;
  while (start < len && g_ascii_isspace (f->str[start]))
    start++;
  while (len > start && g_ascii_isspace (f->str[len - 1]))
    len--;
  g_string_truncate (f, len);
  g_string_erase (f, 0, start);
  return TRUE;
}

/* Next record into fields (strings, owned). 1: a row starting at *row_line;
 * 0: end of data; -1: syntax error in *why (the file cannot be resynced). */
static int
csv_next (CsvReader *r, GPtrArray *fields, guint *row_line, char **why)
{
  g_ptr_array_set_size (fields, 0);
  if (r->p >= r->end)
    return 0;
  *row_line = r->line;
  g_autoptr (GString) f = g_string_new (NULL);
  for (;;)
    {
      g_string_truncate (f, 0);
      gboolean ok = r->p < r->end && *r->p == '"'
                    ? (r->p++, csv_quoted (r, f, r->line, why))
                    : csv_plain (r, f, why);
      if (!ok)
        return -1;
      g_ptr_array_add (fields, g_strndup (f->str, f->len));
      if (r->p >= r->end)
        return 1;
      if (*r->p == ',')
        {
          r->p++;
          continue;
        }
      if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
        r->p++;
      r->p++;
      r->line++;
      return 1;
    }
}

static gboolean
row_is_blank (GPtrArray *fields)
{
  return fields->len == 1 && ((char *) fields->pdata[0])[0] == '\0';
}

static const char *
row_bad_text (GPtrArray *fields)
{
  for (guint i = 0; i < fields->len; i++)
    if (!g_utf8_validate (fields->pdata[i], -1, NULL))
      return _("a field is not valid UTF-8");
  return NULL;
}

static void
csv_init (CsvReader *r, const char *data, gsize size)
{
  r->p = data;
  r->end = data + size;
  r->line = 1;
  if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    r->p += 3;
}

/* Reads the header (first non-blank row) and maps names to columns;
 * col[i] = -1 for absent ones. Unknown and repeated names are fatal when
 * strict_names (a typo would silently drop a column). */
static gboolean
csv_header (MscManifestBuilder *b, CsvReader *r, GPtrArray *fields, const char *const *names,
            gint *col, guint n_names, gboolean strict_names, guint *n_columns)
{
  guint line = 1;
  g_autofree char *why = NULL;
  int got;
  while ((got = csv_next (r, fields, &line, &why)) == 1 && row_is_blank (fields))
    ;
  if (got < 0)
    return msc_manifest_builder_fatal (b, line, "%s", why);
  if (got == 0)
    return TRUE;   /* empty file: EMPTY from the builder */
  for (guint i = 0; i < n_names; i++)
    col[i] = -1;
  for (guint j = 0; j < fields->len; j++)
    {
      const char *name = fields->pdata[j];
      guint i = 0;
      while (i < n_names && g_ascii_strcasecmp (name, names[i]) != 0)
        i++;
      if (i == n_names && !strict_names)
        continue;
      if (i == n_names || col[i] >= 0)
        return msc_manifest_builder_fatal (b, line, i == n_names ? _("unknown column '%s'")
                                                                 : _("column '%s' appears twice"),
                                           g_utf8_validate (name, -1, NULL) ? name : "?");
      col[i] = (gint) j;
    }
  *n_columns = fields->len;
  return TRUE;
}

/* ---- our CSV ---- */

enum { C_IMAGE, C_PATIENT, C_LATERALITY, C_VIEW, C_LABEL, C_TISSUE, C_CX, C_CY, C_RADIUS,
       C_POLYGON, C_MASK, C_TYPE, C_SEVERITY, N_C };
static const char *const csv_names[N_C] = {
  "image", "patient", "laterality", "view", "label", "tissue", "cx", "cy", "radius",
  "polygon", "mask", "type", "severity",
};

typedef struct {
  GPtrArray *fields;
  const gint *col;
} Row;

static const char *
get (const Row *row, guint c)
{
  return row->col[c] >= 0 ? row->fields->pdata[row->col[c]] : "";
}

/* The lesion a row describes: NULL with *why NULL when it has none. */
static MscLesion *
csv_lesion (MscManifestBuilder *b, const Row *row, guint line, char **why)
{
  gboolean circle = *get (row, C_CX) || *get (row, C_CY) || *get (row, C_RADIUS);
  gboolean polygon = *get (row, C_POLYGON) != '\0', mask = *get (row, C_MASK) != '\0';
  gboolean meta = *get (row, C_TYPE) || *get (row, C_SEVERITY);
  if (circle + polygon + mask > 1)
    {
      *why = g_strdup (_("a row gives more than one lesion geometry (circle, polygon, mask)"));
      return NULL;
    }
  if (!circle && !polygon && !mask && !meta)
    return NULL;
  g_autoptr (MscLesion) l = g_new0 (MscLesion, 1);
  l->line = line;
  if (!*get (row, C_SEVERITY))
    {
      *why = g_strdup (_("lesion without a severity"));
      return NULL;
    }
  if (!msc_manifest_parse_severity (get (row, C_SEVERITY), &l->severity, why))
    return NULL;
  l->type = *get (row, C_TYPE) ? g_strdup (get (row, C_TYPE)) : NULL;
  if (circle)
    {
      l->kind = MSC_LESION_CIRCLE;
      if (!msc_manifest_parse_number (get (row, C_CX), "cx", &l->cx, why)
          || !msc_manifest_parse_number (get (row, C_CY), "cy", &l->cy, why)
          || !msc_manifest_parse_number (get (row, C_RADIUS), "radius", &l->radius, why))
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
      if ((l->polygon = msc_manifest_parse_polygon (get (row, C_POLYGON), why)) == NULL)
        return NULL;
    }
  else if (mask)
    {
      l->kind = MSC_LESION_MASK;
      l->mask_path = msc_manifest_resolve (b, get (row, C_MASK));
    }
  return g_steal_pointer (&l);
}

/* One data row to a case; FALSE (with *why) when the row is bad. */
static MscCase *
csv_row (MscManifestBuilder *b, const Row *row, guint line, gboolean *label_given, char **why)
{
  g_autoptr (MscCase) c = msc_case_new ();
  c->line = line;
  c->image_path = msc_manifest_resolve (b, get (row, C_IMAGE));
  if (*get (row, C_PATIENT) == '\0')
    {
      *why = g_strdup (_("no patient"));
      return NULL;
    }
  c->patient = g_strdup (get (row, C_PATIENT));
  if (!msc_manifest_parse_laterality (get (row, C_LATERALITY), &c->laterality, why))
    return NULL;
  c->view = *get (row, C_VIEW) ? g_strdup (get (row, C_VIEW)) : NULL;
  c->tissue = *get (row, C_TISSUE) ? g_strdup (get (row, C_TISSUE)) : NULL;
  *label_given = *get (row, C_LABEL) != '\0';
  if (*label_given && !msc_manifest_parse_label (get (row, C_LABEL), &c->label, why))
    return NULL;
  MscLesion *l = csv_lesion (b, row, line, why);
  if (*why)
    return NULL;
  if (l)
    g_ptr_array_add (c->lesions, l);
  return g_steal_pointer (&c);
}

/* Reads rows until the end; FALSE when reading must stop (syntax, limits,
 * STRICT). Each row goes to handle_row. */
typedef gboolean (*RowFunc) (MscManifestBuilder *b, GPtrArray *fields, const gint *col,
                             guint line, gpointer user_data);
/* The image path a row's image field names (transfer full). */
typedef char *(*ImageFunc) (MscManifestBuilder *b, const char *field, gpointer user_data);

static gboolean
csv_rows (MscManifestBuilder *b, CsvReader *r, GPtrArray *fields, const gint *col,
          guint n_columns, guint image_col, ImageFunc image_of, RowFunc handle,
          gpointer user_data)
{
  guint line = 0, n_rows = 0;
  int got;
  g_autofree char *why = NULL;
  while ((got = csv_next (r, fields, &line, &why)) == 1)
    {
      if (row_is_blank (fields))
        continue;
      if (++n_rows > b->opts.max_rows)
        return msc_manifest_builder_fatal (b, line, _("more than %u rows"), b->opts.max_rows);
      const char *bad = row_bad_text (fields);
      g_autofree char *image = NULL;
      if (image_col < fields->len && bad == NULL && *(char *) fields->pdata[image_col])
        image = image_of (b, fields->pdata[image_col], user_data);
      gboolean go_on = TRUE;
      if (bad)
        go_on = msc_manifest_builder_fail (b, line, NULL, MSC_TRAIN_ERROR_INVALID, "%s", bad);
      else if (fields->len != n_columns)
        go_on = msc_manifest_builder_fail (b, line, image, MSC_TRAIN_ERROR_INVALID,
                                           _("row has %u fields, the header has %u"),
                                           fields->len, n_columns);
      else if (image == NULL)
        go_on = msc_manifest_builder_fail (b, line, NULL, MSC_TRAIN_ERROR_INVALID, _("no image"));
      else
        go_on = handle (b, fields, col, line, user_data);
      if (!go_on)
        return FALSE;
    }
  if (got < 0)
    return msc_manifest_builder_fatal (b, r->line, "%s", why);
  return TRUE;
}

static char *
our_image (MscManifestBuilder *b, const char *field, gpointer data)
{
  (void) data;
  return msc_manifest_resolve (b, field);
}

static gboolean
our_row (MscManifestBuilder *b, GPtrArray *fields, const gint *col, guint line, gpointer data)
{
  (void) data;
  Row row = { fields, col };
  g_autofree char *why = NULL;
  gboolean given = FALSE;
  MscCase *c = csv_row (b, &row, line, &given, &why);
  if (c == NULL)
    {
      g_autofree char *image = msc_manifest_resolve (b, get (&row, C_IMAGE));
      return msc_manifest_builder_fail (b, line, image, MSC_TRAIN_ERROR_INVALID, "%s", why);
    }
  return msc_manifest_builder_add (b, c, given);
}

gboolean
msc_manifest_read_csv (MscManifestBuilder *b, const char *data, gsize size)
{
  CsvReader r;
  csv_init (&r, data, size);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  gint col[N_C];
  guint n_columns = 0;
  if (!csv_header (b, &r, fields, csv_names, col, N_C, TRUE, &n_columns))
    return FALSE;
  if (n_columns == 0)
    return TRUE;
  for (guint i = C_IMAGE; i <= C_PATIENT; i++)
    if (col[i] < 0)
      return msc_manifest_builder_fatal (b, 1, _("missing column '%s'"), csv_names[i]);
  return csv_rows (b, &r, fields, col, n_columns, (guint) col[C_IMAGE], our_image, our_row,
                   NULL);
}

/* ---- MIAS labels.csv ---- */

enum { M_ID, M_PATIENT, M_LATERALITY, M_VIEW, M_TISSUE, M_ABNORMALITY, M_SEVERITY, M_X, M_Y,
       M_RADIUS, N_M };
static const char *const mias_names[N_M] = {
  "id", "patient", "laterality", "view", "tissue", "abnormality", "severity", "x",
  "y_from_bottom", "radius",
};

/* A finding row's lesion; y stays counted from the bottom until the
 * builder knows the image height. */
static MscLesion *
mias_lesion (const Row *row, guint line, char **why)
{
  g_autoptr (MscLesion) l = g_new0 (MscLesion, 1);
  l->line = line;
  l->type = g_ascii_strup (get (row, M_ABNORMALITY), -1);
  if (!msc_manifest_parse_severity (get (row, M_SEVERITY), &l->severity, why))
    return NULL;
  guint given = (*get (row, M_X) != '\0') + (*get (row, M_Y) != '\0') + (*get (row, M_RADIUS) != '\0');
  if (given == 0)
    return g_steal_pointer (&l);   /* widespread finding: MSC_LESION_NONE */
  if (given != 3)
    {
      *why = g_strdup (_("x, y_from_bottom and radius must be all given or all empty"));
      return NULL;
    }
  l->kind = MSC_LESION_CIRCLE;
  if (!msc_manifest_parse_number (get (row, M_X), "x", &l->cx, why)
      || !msc_manifest_parse_number (get (row, M_Y), "y_from_bottom", &l->cy, why)
      || !msc_manifest_parse_number (get (row, M_RADIUS), "radius", &l->radius, why))
    return NULL;
  if (l->cx < 0 || l->cy < 0 || l->radius <= 0)
    {
      *why = g_strdup_printf (_("circle (%g, %g) radius %g: centre must be >= 0, radius > 0"),
                              l->cx, l->cy, l->radius);
      return NULL;
    }
  return g_steal_pointer (&l);
}

static char *
mias_image (MscManifestBuilder *b, const char *id, gpointer data)
{
  (void) b;
  g_autofree char *file = g_strconcat (id, ".png", NULL);
  return g_build_filename ((const char *) data, file, NULL);
}

static MscCase *
mias_row (const Row *row, const char *images_dir, guint line, gboolean *given, char **why)
{
  static const char *const known[] = { "CALC", "CIRC", "SPIC", "MISC", "ARCH", "ASYM", NULL };
  const char *id = get (row, M_ID), *abn = get (row, M_ABNORMALITY);
  g_autoptr (MscCase) c = msc_case_new ();
  c->line = line;
  c->image_path = mias_image (NULL, id, (gpointer) images_dir);
  if (strchr (id, '/') || strchr (id, '\\') || strcmp (id, "..") == 0 || *get (row, M_PATIENT) == '\0')
    {
      *why = *get (row, M_PATIENT) ? g_strdup_printf (_("id '%s' is not a file name"), id)
                                   : g_strdup (_("no patient"));
      return NULL;
    }
  c->patient = g_strdup (get (row, M_PATIENT));
  if (!msc_manifest_parse_laterality (get (row, M_LATERALITY), &c->laterality, why))
    return NULL;
  c->view = *get (row, M_VIEW) ? g_strdup (get (row, M_VIEW)) : NULL;
  c->tissue = *get (row, M_TISSUE) ? g_strdup (get (row, M_TISSUE)) : NULL;
  *given = g_ascii_strcasecmp (abn, "NORM") == 0;
  if (*given)
    {
      c->label = MSC_LABEL_NORMAL;   /* a NORM row beside finding rows is refused later */
      if (*get (row, M_SEVERITY) || *get (row, M_X) || *get (row, M_Y) || *get (row, M_RADIUS))
        {
          *why = g_strdup (_("NORM row with a severity or coordinates"));
          return NULL;
        }
      return g_steal_pointer (&c);
    }
  guint k = 0;
  while (known[k] && g_ascii_strcasecmp (abn, known[k]) != 0)
    k++;
  if (known[k] == NULL)
    {
      *why = g_strdup_printf (_("unknown abnormality '%s'"), abn);
      return NULL;
    }
  MscLesion *l = mias_lesion (row, line, why);
  if (l == NULL)
    return NULL;
  g_ptr_array_add (c->lesions, l);
  return g_steal_pointer (&c);
}

static gboolean
one_mias_row (MscManifestBuilder *b, GPtrArray *fields, const gint *col, guint line, gpointer data)
{
  const char *images_dir = data;
  Row row = { fields, col };
  g_autofree char *why = NULL;
  gboolean given = FALSE;
  MscCase *c = mias_row (&row, images_dir, line, &given, &why);
  if (c == NULL)
    {
      g_autofree char *image = mias_image (b, get (&row, M_ID), data);
      return msc_manifest_builder_fail (b, line, image, MSC_TRAIN_ERROR_INVALID, "%s", why);
    }
  return msc_manifest_builder_add (b, c, given);
}

gboolean
msc_manifest_read_mias (MscManifestBuilder *b, const char *data, gsize size,
                        const char *images_dir)
{
  CsvReader r;
  csv_init (&r, data, size);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  gint col[N_M];
  guint n_columns = 0;
  if (!csv_header (b, &r, fields, mias_names, col, N_M, FALSE, &n_columns))
    return FALSE;
  if (n_columns == 0)
    return TRUE;
  for (guint i = 0; i < N_M; i++)
    if (col[i] < 0)
      return msc_manifest_builder_fatal (b, 1, _("missing column '%s'"), mias_names[i]);
  return csv_rows (b, &r, fields, col, n_columns, (guint) col[M_ID], mias_image, one_mias_row,
                   (gpointer) images_dir);
}
