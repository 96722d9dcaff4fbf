/* tests/engine/test-dicom-synthetic.c — reader paths the shared data lacks.
 *
 * dicom-synthetic.py writes small files with pydicom (Modality and VOI LUT
 * Sequences, High Bit above Bits Stored - 1, signed data, rescale,
 * multi-frame native/RLE/JPEG-LS) plus the values PS3.3 says a reader must
 * produce; each is loaded with msc_dicom_load and compared exactly.
 */
#include "msc-dicom.h"
#include "msc-display.h"
#include "msc-test-util.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Every case the script writes; a case added on one side only fails
 * /io/dicom-synthetic/cases-known. */
static const char *case_names[] = {
  "modality-lut", "modality-lut-signed-us", "modality-lut-signed-ss",
  "voi-lut", "voi-lut-and-window", "voi-lut-signed-offset",
  "highbit15", "signed12-intercept", "signed12-highbit13",
  "unsigned-negative-intercept", "byte-highbit6",
  "rescale-slope2",
  "multiframe-native", "multiframe-rle", "multiframe-jpegls",
  "multiframe-byte", "multiframe-byte-rle",
};

static const char *
python (void)
{
  const char *py = g_getenv ("MSC_PYTHON");
  return py && *py ? py : "/usr/bin/python3";
}

/* The generated folder and its cases.json, made once per process: every
 * case shares one run of the script (a few seconds). */
static char *gen_dir;
static JsonParser *gen_parser;
static gboolean gen_tried;
static char *gen_skip;

static void
generate (void)
{
  if (gen_tried)
    return;
  gen_tried = TRUE;

  /* Without pydicom there is nothing to compare against: skip, not fail. */
  const char *probe[] = { python (), "-c", "import pydicom, numpy", NULL };
  int status = -1;
  if (!g_spawn_sync (NULL, (char **) probe, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      gen_skip = g_strdup_printf ("pydicom/numpy not importable by %s; "
                                  "install python3-pydicom to run these tests", python ());
      return;
    }

  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "dicom-synthetic.py", NULL);
  gen_dir = msc_test_tmpdir ();
  const char *argv[] = { python (), script, gen_dir, NULL };
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("dicom-synthetic.py failed: %s", err);

  g_autofree char *json = g_build_filename (gen_dir, "cases.json", NULL);
  gen_parser = json_parser_new ();
  json_parser_load_from_file (gen_parser, json, &error);
  g_assert_no_error (error);
}

static JsonArray *
all_cases (void)
{
  JsonObject *root = json_node_get_object (json_parser_get_root (gen_parser));
  return json_object_get_array_member (root, "cases");
}

/* The case's object, or NULL after a skip (no pydicom, no dcmtk tool). */
static JsonObject *
find_case (const char *name)
{
  generate ();
  if (gen_skip != NULL)
    {
      g_test_skip (gen_skip);
      return NULL;
    }
  JsonArray *cases = all_cases ();
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      if (g_str_equal (json_object_get_string_member (c, "name"), name))
        {
          const char *skip = json_object_get_string_member_with_default (c, "skip", NULL);
          if (skip != NULL)
            {
              g_test_skip (skip);
              return NULL;
            }
          return c;
        }
    }
  g_error ("dicom-synthetic.py wrote no case %s", name);
  return NULL;
}

static const char *
member_string (JsonObject *c, const char *member)
{
  return json_object_get_string_member_with_default (c, member, NULL);
}

static GBytes *
read_generated (const char *file)
{
  g_autofree char *path = g_build_filename (gen_dir, file, NULL);
  g_autoptr (GError) error = NULL;
  gchar *data = NULL;
  gsize len = 0;
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* Exact comparison with the first differing pixel named, so a failure says
 * where (a masking bug shows as a pattern, not a count). */
static void
check_pixels (const char *name, const MscImage *img, JsonObject *c)
{
  g_autoptr (GBytes) want = read_generated (member_string (c, "pixels"));
  guint w = msc_image_get_width (img);
  gsize n = (gsize) w * msc_image_get_height (img);
  g_assert_cmpuint (g_bytes_get_size (want), ==, n * 2);
  const guint8 *le = g_bytes_get_data (want, NULL);
  const guint16 *px = msc_image_get_pixels (img);
  for (gsize i = 0; i < n; i++)
    {
      guint expect = le[2 * i] | (le[2 * i + 1] << 8);
      if (px[i] != expect)
        g_error ("%s: pixel (x %" G_GSIZE_FORMAT ", y %" G_GSIZE_FORMAT ") is %u, expected %u",
                 name, i % w, i / w, px[i], expect);
    }
}

static void
check_voi_lut (const MscImage *img, JsonObject *c)
{
  const MscVoiLut *lut = msc_image_get_voi_lut (img);
  JsonNode *node = json_object_get_member (c, "voi_lut");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      g_assert_null (lut);
      return;
    }
  JsonObject *want = json_node_get_object (node);
  g_assert_nonnull (lut);
  g_assert_cmpuint (lut->n_entries, ==, json_object_get_int_member (want, "n_entries"));
  g_assert_cmpint (lut->first_mapped, ==, json_object_get_int_member (want, "first_mapped"));
  g_assert_cmpuint (lut->bits, ==, json_object_get_int_member (want, "bits"));
  g_assert_cmpstr (lut->explanation, ==, member_string (want, "explanation"));
  JsonArray *data = json_object_get_array_member (want, "data");
  g_assert_cmpuint (json_array_get_length (data), ==, lut->n_entries);
  for (guint i = 0; i < lut->n_entries; i++)
    g_assert_cmpuint (lut->data[i], ==, json_array_get_int_element (data, i));
}

/* Everything the header decides; the same with and without pixels. */
static void
check_header (const MscImage *img, JsonObject *c, const char *path)
{
  g_assert_cmpstr (msc_image_get_path (img), ==, path);
  g_assert_cmpuint (msc_image_get_width (img), ==, json_object_get_int_member (c, "width"));
  g_assert_cmpuint (msc_image_get_height (img), ==, json_object_get_int_member (c, "height"));
  g_assert_cmpuint (msc_image_get_bits_stored (img), ==, json_object_get_int_member (c, "bits_stored"));
  g_assert_cmpfloat (msc_image_get_value_offset (img), ==, json_object_get_double_member (c, "value_offset"));
  g_assert_cmpuint (msc_image_get_n_frames (img), ==, json_object_get_int_member (c, "n_frames"));
  g_assert_cmpstr (msc_image_get_transfer_syntax (img), ==, member_string (c, "transfer_syntax"));
  g_assert_false (msc_image_get_monochrome1 (img));

  JsonArray *windows = json_object_get_array_member (c, "windows");
  g_assert_cmpuint (msc_image_get_n_windows (img), ==, json_array_get_length (windows));
  for (guint i = 0; i < json_array_get_length (windows); i++)
    {
      JsonObject *want = json_array_get_object_element (windows, i);
      const MscWindow *win = msc_image_get_window (img, i);
      g_assert_cmpfloat (win->center, ==, json_object_get_double_member (want, "center"));
      g_assert_cmpfloat (win->width, ==, json_object_get_double_member (want, "width"));
      g_assert_cmpint (win->function, ==, MSC_VOI_LINEAR);
    }
  check_voi_lut (img, c);

  /* The multi-frame note when expected, and no such note otherwise. */
  const char *note = member_string (c, "note");
  gboolean found = FALSE;
  for (const char * const *n = msc_image_get_notes (img); n && *n; n++)
    {
      if (note != NULL && strstr (*n, note) != NULL)
        found = TRUE;
      if (note == NULL)
        g_assert_null (strstr (*n, "frames"));
    }
  if (note != NULL && !found)
    g_error ("%s: no note contains \"%s\"", path, note);
}

/* The default rendering (no window given): through the VOI LUT when there
 * is no preset, else the first preset, as the script computed it. */
static void
check_display (const char *name, const MscImage *img, JsonObject *c)
{
  const char *file = member_string (c, "display");
  if (file == NULL)
    return;
  g_autoptr (GBytes) want = read_generated (file);
  guint w = msc_image_get_width (img);
  gsize n = (gsize) w * msc_image_get_height (img);
  g_assert_cmpuint (g_bytes_get_size (want), ==, n);
  const guint8 *expect = g_bytes_get_data (want, NULL);
  g_autofree guint8 *grey = msc_display_render (img, NULL);
  for (gsize i = 0; i < n; i++)
    if (grey[i] != expect[i])
      g_error ("%s: display (x %" G_GSIZE_FORMAT ", y %" G_GSIZE_FORMAT ") is %u, expected %u"
               " (stored %u)", name, i % w, i / w, grey[i], expect[i], msc_image_get_pixels (img)[i]);
}

static void
test_case (gconstpointer data)
{
  const char *name = data;
  JsonObject *c = find_case (name);
  if (c == NULL)
    return;
  g_autofree char *path = g_build_filename (gen_dir, member_string (c, "file"), NULL);

  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) img = msc_dicom_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (img);
  check_header (img, c, path);
  check_pixels (name, img, c);
  check_display (name, img, c);

  /* Header only: the offset comes from the header's range alone, which for
   * every case here is the range the pixels use, so all metadata agrees. */
  MscLoadOptions meta = { .metadata_only = TRUE };
  g_autoptr (MscImage) head = msc_dicom_load (path, &meta, &error);
  g_assert_no_error (error);
  check_header (head, c, path);

  /* From memory: the same image. */
  g_autoptr (GBytes) bytes = read_generated (member_string (c, "file"));
  gsize len = 0;
  const guint8 *raw = g_bytes_get_data (bytes, &len);
  g_autoptr (MscImage) mem = msc_dicom_load_bytes (raw, len, path, NULL, &error);
  g_assert_no_error (error);
  check_header (mem, c, path);
  check_pixels (name, mem, c);
}

static void
test_cases_known (void)
{
  generate ();
  if (gen_skip != NULL)
    {
      g_test_skip (gen_skip);
      return;
    }
  JsonArray *cases = all_cases ();
  g_assert_cmpuint (json_array_get_length (cases), ==, G_N_ELEMENTS (case_names));
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      const char *name = json_object_get_string_member (json_array_get_object_element (cases, i), "name");
      gboolean known = FALSE;
      for (gsize k = 0; k < G_N_ELEMENTS (case_names); k++)
        known |= g_str_equal (case_names[k], name);
      if (!known)
        g_error ("case %s is not registered in test-dicom-synthetic.c", name);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/dicom-synthetic/cases-known", test_cases_known);
  for (gsize i = 0; i < G_N_ELEMENTS (case_names); i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/io/dicom-synthetic/%s", case_names[i]);
      g_test_add_data_func (test_path, case_names[i], test_case);
    }
  int result = g_test_run ();
  g_clear_object (&gen_parser);
  g_free (gen_dir);
  g_free (gen_skip);
  return result;
}
