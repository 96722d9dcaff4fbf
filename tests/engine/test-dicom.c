/* tests/engine/test-dicom.c — the DICOM reader against the shared mammograms.
 *
 * Every file of data/dicom/manifest.csv is loaded and compared pixel for
 * pixel with its source PNG by the manifest's rule; the PNG is read by PIL
 * (dicom-reference.py), not by our own PNG reader. Metadata, the
 * metadata-only mode and loading from memory are checked on the same files.
 */
#include "msc-dicom.h"
#include "msc-test-util.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  char *file, *laterality, *variant, *photometric, *rule, *source_png;
  guint bits_stored;
} Row;

static void
row_free (gpointer data)
{
  Row *r = data;
  g_free (r->file);
  g_free (r->laterality);
  g_free (r->variant);
  g_free (r->photometric);
  g_free (r->rule);
  g_free (r->source_png);
  g_free (r);
}

static const char *
python (void)
{
  const char *py = g_getenv ("MSC_PYTHON");
  return py && *py ? py : "/usr/bin/python3";
}

/* The PNG's 8-bit samples via PIL (transfer full); fails the test on error. */
static guint8 *
reference_png (const char *png_path, guint *width, guint *height)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "dicom-reference.py", NULL);
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *raw = g_build_filename (dir, "ref.raw", NULL);
  const char *argv[] = { python (), script, "png", raw, png_path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("dicom-reference.py png failed: %s", err);
  g_assert_cmpint (sscanf (out, "%u %u", width, height), ==, 2);
  gchar *data = NULL;
  gsize len = 0;
  g_file_get_contents (raw, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, (gsize) *width * *height);
  return (guint8 *) data;
}

static const char *
expected_ts (const char *variant)
{
  static const struct { const char *variant, *uid; } map[] = {
    { "explicit-le", "1.2.840.10008.1.2.1" },
    { "implicit-le", "1.2.840.10008.1.2" },
    { "explicit-be", "1.2.840.10008.1.2.2" },
    { "mono1", "1.2.840.10008.1.2.1" },
    { "jpeg-lossless", "1.2.840.10008.1.2.4.70" },
    { "jpegls", "1.2.840.10008.1.2.4.80" },
    { "mono1-jpegls", "1.2.840.10008.1.2.4.80" },
    { "rle", "1.2.840.10008.1.2.5" },
    { "deflated", "1.2.840.10008.1.2.1.99" },
    { "sigmoid", "1.2.840.10008.1.2.1" },
    { "eight-bit", "1.2.840.10008.1.2.1" },
    /* Without a meta header there is no UID; DCMTK detects the encoding. */
    { "no-meta", "1.2.840.10008.1.2" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i].variant, variant))
      return map[i].uid;
  g_error ("unknown variant %s in manifest", variant);
  return NULL;
}

static void
check_pixels (const Row *r, const MscImage *img, const char *png_path)
{
  guint w = 0, h = 0;
  g_autofree guint8 *png = reference_png (png_path, &w, &h);
  g_assert_cmpuint (msc_image_get_width (img), ==, w);
  g_assert_cmpuint (msc_image_get_height (img), ==, h);
  const guint16 *px = msc_image_get_pixels (img);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      guint expect = g_str_equal (r->rule, "x16") ? 16u * png[i]
                     : g_str_equal (r->rule, "inv16") ? 4095u - 16u * png[i]
                     : png[i];
      if (px[i] != expect)
        g_error ("%s: pixel %" G_GSIZE_FORMAT " (x %" G_GSIZE_FORMAT ", y %" G_GSIZE_FORMAT
                 ") is %u, rule %s gives %u", r->file, i, i % w, i / w, px[i], r->rule, expect);
    }
}

/* Everything but the pixels; shared by the three ways of loading. */
static void
check_metadata (const Row *r, const MscImage *img, const char *path)
{
  g_assert_cmpstr (msc_image_get_path (img), ==, path);
  g_assert_cmpstr (msc_image_get_format (img), ==, "DICOM");
  g_assert_cmpuint (msc_image_get_width (img), ==, 1024);
  g_assert_cmpuint (msc_image_get_height (img), ==, 1024);
  g_assert_cmpuint (msc_image_get_bits_stored (img), ==, r->bits_stored);
  g_assert_cmpstr (msc_image_get_photometric (img), ==, r->photometric);
  g_assert_cmpint (msc_image_get_monochrome1 (img), ==, g_str_equal (r->photometric, "MONOCHROME1"));
  g_assert_cmpfloat (msc_image_get_value_offset (img), ==, 0.0);
  g_assert_cmpstr (msc_image_get_transfer_syntax (img), ==, expected_ts (r->variant));
  g_assert_cmpstr (msc_laterality_to_string (msc_image_get_laterality (img)), ==, r->laterality);
  g_assert_false (msc_image_get_laterality_inferred (img));
  g_assert_cmpstr (msc_image_get_view (img), ==, "MLO");
  double row_mm = 0, col_mm = 0;
  g_assert_true (msc_image_get_spacing_mm (img, &row_mm, &col_mm));
  g_assert_cmpfloat_with_epsilon (row_mm, 0.2, 1e-9);
  g_assert_cmpfloat_with_epsilon (col_mm, 0.2, 1e-9);
  g_assert_cmpstr (msc_image_get_spacing_source (img), ==, "PixelSpacing");
  g_assert_cmpstr (msc_image_get_modality (img), ==, "MG");
  g_assert_cmpstr (msc_image_get_presentation_intent (img), ==, "FOR PRESENTATION");
  g_assert_cmpstr (msc_image_get_sop_class_uid (img), ==, "1.2.840.10008.5.1.4.1.1.1.2");
  g_assert_true (g_str_has_prefix (msc_image_get_sop_instance_uid (img), "2.25."));
  g_assert_nonnull (msc_image_get_study_instance_uid (img));
  g_assert_nonnull (msc_image_get_series_instance_uid (img));
  g_assert_cmpstr (msc_image_get_study_date (img), ==, "19940101");
  g_assert_cmpint (msc_image_get_instance_number (img), ==, 1);
  g_assert_cmpuint (msc_image_get_n_frames (img), ==, 1);

  /* Window presets: 12-bit files carry one, the 8-bit ones none. */
  if (r->bits_stored == 12)
    {
      g_assert_cmpuint (msc_image_get_n_windows (img), >=, 1);
      const MscWindow *win = msc_image_get_window (img, 0);
      g_assert_cmpfloat (win->width, >=, 1);
      g_assert_cmpint (win->function, ==,
                       g_str_equal (r->variant, "sigmoid") ? MSC_VOI_SIGMOID : MSC_VOI_LINEAR);
    }

  const MscPatient *p = msc_image_get_patient (img);
  g_assert_nonnull (p);
  g_assert_true (g_str_has_prefix (p->name, "SYNTHETIC^PATIENT^"));
  g_assert_true (g_str_has_prefix (p->id, "MIAS-"));
  g_assert_cmpstr (p->birth_date, ==, "19500101");
  g_assert_cmpstr (p->sex, ==, "F");
  g_assert_true (g_str_has_prefix (p->accession_number, "ACC"));
  g_assert_cmpstr (p->institution, ==, "Synthetic Test Hospital");
  g_assert_cmpstr (p->referring_physician, ==, "TEST^REFERRER");
}

static void
test_file (gconstpointer data)
{
  const Row *r = data;
  const char *dir = msc_test_shared_data ();
  if (dir == NULL)
    return;
  g_autofree char *dcm = g_build_filename (dir, "dicom", r->file, NULL);
  g_autofree char *png = g_build_filename (dir, "mias", "images", r->source_png, NULL);

  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) img = msc_dicom_load (dcm, NULL, &error);
  g_assert_no_error (error);
  check_metadata (r, img, dcm);
  check_pixels (r, img, png);

  /* Metadata only: same header, true size, pixels not decoded (all 0). */
  MscLoadOptions meta = { .metadata_only = TRUE };
  g_autoptr (MscImage) head = msc_dicom_load (dcm, &meta, &error);
  g_assert_no_error (error);
  check_metadata (r, head, dcm);
  const guint16 *hp = msc_image_get_pixels (head);
  for (gsize i = 0; i < 1024 * 1024; i++)
    g_assert_cmpuint (hp[i], ==, 0);

  /* From memory: same metadata and the very same pixels. */
  g_autofree gchar *bytes = NULL;
  gsize len = 0;
  g_file_get_contents (dcm, &bytes, &len, &error);
  g_assert_no_error (error);
  g_autoptr (MscImage) mem = msc_dicom_load_bytes ((const guint8 *) bytes, len, dcm, NULL, &error);
  g_assert_no_error (error);
  check_metadata (r, mem, dcm);
  g_assert_cmpmem (msc_image_get_pixels (mem), 1024 * 1024 * 2, msc_image_get_pixels (img), 1024 * 1024 * 2);
  g_autoptr (MscImage) mem_head = msc_dicom_load_bytes ((const guint8 *) bytes, len, dcm, &meta, &error);
  g_assert_no_error (error);
  check_metadata (r, mem_head, dcm);
}

static void
test_limit (void)
{
  g_autofree char *dcm = msc_test_shared_path ("dicom/mdb001-explicit-le.dcm");
  if (dcm == NULL)
    return;
  /* A limit below the image's 1024 refuses it, with or without pixels. */
  for (int meta = 0; meta < 2; meta++)
    {
      MscLoadOptions opts = { .max_dimension = 1000, .metadata_only = meta };
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) img = msc_dicom_load (dcm, &opts, &error);
      g_assert_null (img);
      g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE);
      g_assert_true (g_str_has_prefix (error->message, dcm));
    }
}

static void
test_transfer_syntax_names (void)
{
  g_assert_cmpstr (msc_dicom_transfer_syntax_name ("1.2.840.10008.1.2.1"), ==, "Little Endian Explicit");
  g_assert_nonnull (strstr (msc_dicom_transfer_syntax_name ("1.2.840.10008.1.2.4.80"), "JPEG-LS"));
  g_assert_nonnull (strstr (msc_dicom_transfer_syntax_name ("1.2.840.10008.1.2.4.90"), "JPEG 2000"));
  g_assert_cmpstr (msc_dicom_transfer_syntax_name ("1.2.3.4.5"), ==, "1.2.3.4.5");
  g_assert_null (msc_dicom_transfer_syntax_name (NULL));
}

static void
test_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) img = msc_dicom_load ("/nonexistent/x.dcm", NULL, &error);
  g_assert_null (img);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent/x.dcm: "));
}

static void
test_no_manifest (void)
{
  g_autofree char *manifest = msc_test_shared_path ("dicom/manifest.csv");
  if (manifest != NULL)
    g_test_fail_printf ("%s lists no files", manifest);
}

/* One test per manifest row, registered at start so each has its own path. */
static GPtrArray *
read_manifest (void)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (row_free);
  const char *dir = g_getenv ("MSC_SHARED_DATA");
  g_autofree char *manifest = dir ? g_build_filename (dir, "dicom", "manifest.csv", NULL) : NULL;
  if (manifest == NULL || !g_file_test (manifest, G_FILE_TEST_EXISTS))
    return rows;
  g_autoptr (GPtrArray) csv = msc_test_read_csv (manifest);
  GStrv header = g_ptr_array_index (csv, 0);
  guint c_file = msc_test_csv_column (header, "file");
  guint c_lat = msc_test_csv_column (header, "laterality");
  guint c_variant = msc_test_csv_column (header, "variant");
  guint c_photo = msc_test_csv_column (header, "photometric");
  guint c_bits = msc_test_csv_column (header, "bits_stored");
  guint c_rule = msc_test_csv_column (header, "rule");
  guint c_png = msc_test_csv_column (header, "source_png");
  for (guint i = 1; i < csv->len; i++)
    {
      GStrv f = g_ptr_array_index (csv, i);
      Row *r = g_new0 (Row, 1);
      r->file = g_strdup (f[c_file]);
      r->laterality = g_strdup (f[c_lat]);
      r->variant = g_strdup (f[c_variant]);
      r->photometric = g_strdup (f[c_photo]);
      r->bits_stored = (guint) g_ascii_strtoull (f[c_bits], NULL, 10);
      r->rule = g_strdup (f[c_rule]);
      r->source_png = g_strdup (f[c_png]);
      g_ptr_array_add (rows, r);
    }
  return rows;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GPtrArray) rows = read_manifest ();
  if (rows->len == 0)
    g_test_add_func ("/io/dicom/manifest", test_no_manifest);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = g_ptr_array_index (rows, i);
      g_autofree char *test_path = g_strdup_printf ("/io/dicom/manifest/%s", r->file);
      g_test_add_data_func (test_path, r, test_file);
    }
  g_test_add_func ("/io/dicom/limit", test_limit);
  g_test_add_func ("/io/dicom/transfer-syntax-names", test_transfer_syntax_names);
  g_test_add_func ("/io/dicom/missing-file", test_missing_file);
  return g_test_run ();
}
