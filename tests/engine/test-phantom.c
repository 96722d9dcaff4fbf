/* tests/engine/test-phantom.c — the phantom study and the DICOM writer.
 *
 * Written objects are checked with independent readers (pydicom through
 * /usr/bin/python3, dciodvfy when installed), never with our own reader.
 */
#include "msc-test-util.h"
#include "msc-dicom.h"
#include "msc-phantom.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const char *view_files[] = { "R_CC.dcm", "L_CC.dcm", "R_MLO.dcm", "L_MLO.dcm", NULL };

static const char *
python (void)
{
  const char *py = g_getenv ("MSC_PYTHON");
  return py ? py : "/usr/bin/python3";
}

/* Runs a Python snippet with args; returns stdout, or NULL after a skip
 * when pydicom is not importable. Fails the test when the script fails. */
static char *
run_python (const char *script, const char * const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) python ());
  g_ptr_array_add (argv, "-c");
  g_ptr_array_add (argv, "import pydicom, numpy");
  g_ptr_array_add (argv, NULL);
  int status = -1;
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("pydicom/numpy not importable by MSC_PYTHON");
      return NULL;
    }
  g_ptr_array_set_size (argv, 2);
  g_ptr_array_add (argv, (char *) script);
  for (guint i = 0; args && args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *err = NULL;
  char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("python failed: %s", err);
  return out;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
write_phantom (guint64 seed, guint width, guint height, double spacing)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  char *dir = g_build_filename (tmp, "study", NULL);
  MscPhantomOptions opts = { seed, width, height, spacing };
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_phantom_write_study (dir, &opts, &error));
  g_assert_no_error (error);
  return dir;
}

static GBytes *
read_bytes (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  return g_mapped_file_get_bytes (file);
}

static void
test_determinism (void)
{
  g_autofree char *a = write_phantom (7, 416, 512, 0.4);
  g_autofree char *b = write_phantom (7, 416, 512, 0.4);
  g_autofree char *c = write_phantom (8, 416, 512, 0.4);
  const char *names[] = { "R_CC.dcm", "L_CC.dcm", "R_MLO.dcm", "L_MLO.dcm", "lesions.json" };
  guint differ = 0;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) ba = read_bytes (a, names[i]);
      g_autoptr (GBytes) bb = read_bytes (b, names[i]);
      g_autoptr (GBytes) bc = read_bytes (c, names[i]);
      g_assert_true (g_bytes_equal (ba, bb));
      differ += !g_bytes_equal (ba, bc);
    }
  g_assert_cmpuint (differ, ==, G_N_ELEMENTS (names));
}

static void
test_bad_options (void)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  MscPhantomOptions tiny = { 1, 32, 32, 0.1 };
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_phantom_write_study (tmp, &tiny, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
  g_clear_error (&error);
  /* 64 x 64 pixels of 0.1 mm cannot hold a 3-12 mm lesion away from the skin. */
  MscPhantomOptions small = { 1, 64, 64, 0.1 };
  g_assert_false (msc_phantom_write_study (tmp, &small, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
}

/* Reads every view with pydicom and reports header fields and pixel
 * statistics around each lesion listed in lesions.json. */
static const char check_script[] =
  "import sys, json, pydicom, numpy as np\n"
  "d = sys.argv[1]\n"
  "les = json.load(open(d + '/lesions.json'))\n"
  "out = []\n"
  "for img in les['images']:\n"
  "    ds = pydicom.dcmread(d + '/' + img['file'])\n"
  "    a = ds.pixel_array.astype(float)\n"
  "    h, w = a.shape\n"
  "    yy, xx = np.mgrid[0:h, 0:w]\n"
  "    r = {'file': img['file'], 'rows': ds.Rows, 'cols': ds.Columns,\n"
  "         'lat': ds.ImageLaterality, 'view': ds.ViewPosition,\n"
  "         'spacing': [float(v) for v in ds.ImagerPixelSpacing],\n"
  "         'pspacing': [float(v) for v in ds.PixelSpacing],\n"
  "         'study': ds.StudyInstanceUID, 'series': ds.SeriesInstanceUID,\n"
  "         'sop': ds.SOPInstanceUID, 'meta_sop': ds.file_meta.MediaStorageSOPInstanceUID,\n"
  "         'sop_class': ds.SOPClassUID, 'ts': ds.file_meta.TransferSyntaxUID,\n"
  "         'photometric': ds.PhotometricInterpretation, 'bits': ds.BitsStored,\n"
  "         'modality': ds.Modality, 'orientation': list(ds.PatientOrientation),\n"
  "         'patient': str(ds.PatientName), 'max': float(a.max()),\n"
  "         'left_mean': float(a[:, :w//2].mean()), 'right_mean': float(a[:, w//2:].mean())}\n"
  "    # air: the corner band on the nipple side, far from any tissue\n"
  "    band = a[:h//10, :w//10] if img['laterality'] == 'R' else a[:h//10, -w//10:]\n"
  "    r['air_mean'] = float(band.mean())\n"
  "    r['lesions'] = []\n"
  "    for l in img['lesions']:\n"
  "        d2 = (xx - l['x'])**2 + (yy - l['y'])**2\n"
  "        rad = l['radius_px']\n"
  "        ring = a[(d2 >= (1.5*rad)**2) & (d2 <= (2.5*rad)**2)]\n"
  "        r['lesions'].append({'kind': l['kind'], 'x': l['x'], 'y': l['y'],\n"
  "            'centre': float(a[d2 <= (0.5*rad)**2].mean()),\n"
  "            'inner_max': float(a[d2 <= rad**2].max()),\n"
  "            'ring': float(ring.mean()), 'at_centre': float(a[l['y'], l['x']])})\n"
  "    out.append(r)\n"
  "print(json.dumps(out))\n";

static void
check_view (JsonObject *v, JsonObject *listed, const char *study_uid, double spacing)
{
  g_assert_cmpint (json_object_get_int_member (v, "rows"), ==, 2048);
  g_assert_cmpint (json_object_get_int_member (v, "cols"), ==, 1664);
  g_assert_cmpstr (json_object_get_string_member (v, "lat"), ==,
                   json_object_get_string_member (listed, "laterality"));
  g_assert_cmpstr (json_object_get_string_member (v, "view"), ==,
                   json_object_get_string_member (listed, "view"));
  JsonArray *sp = json_object_get_array_member (v, "spacing");
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (sp, 0), spacing, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (sp, 1), spacing, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (v, "study"), ==, study_uid);
  g_assert_cmpstr (json_object_get_string_member (v, "sop"), ==,
                   json_object_get_string_member (v, "meta_sop"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (v, "sop"), "2.25."));
  g_assert_cmpstr (json_object_get_string_member (v, "sop_class"), ==, "1.2.840.10008.5.1.4.1.1.1.2");
  g_assert_cmpstr (json_object_get_string_member (v, "ts"), ==, "1.2.840.10008.1.2.1");
  g_assert_cmpstr (json_object_get_string_member (v, "photometric"), ==, "MONOCHROME2");
  g_assert_cmpstr (json_object_get_string_member (v, "modality"), ==, "MG");
  g_assert_cmpstr (json_object_get_string_member (v, "patient"), ==, "PHANTOM^MAMMOSCOPE");
  g_assert_cmpint (json_object_get_int_member (v, "bits"), ==, 12);
  g_assert_cmpfloat (json_object_get_double_member (v, "max"), <=, 4095);
  g_assert_cmpfloat (json_object_get_double_member (v, "air_mean"), <, 40);
  /* The breast lies against the chest wall: right breast on the right. */
  gboolean right = g_str_equal (json_object_get_string_member (v, "lat"), "R");
  double l = json_object_get_double_member (v, "left_mean");
  double r = json_object_get_double_member (v, "right_mean");
  g_assert_cmpfloat (right ? r : l, >, 1.5 * (right ? l : r));
  JsonArray *orient = json_object_get_array_member (v, "orientation");
  g_assert_cmpstr (json_array_get_string_element (orient, 0), ==, right ? "P" : "A");
}

static void
check_lesion (JsonObject *l)
{
  double centre = json_object_get_double_member (l, "centre");
  double ring = json_object_get_double_member (l, "ring");
  /* Inside the breast: tissue, not air, under the centre. */
  g_assert_cmpfloat (json_object_get_double_member (l, "at_centre"), >, 300);
  if (g_str_equal (json_object_get_string_member (l, "kind"), "mass"))
    g_assert_cmpfloat (centre, >, ring + 150);
  else
    g_assert_cmpfloat (json_object_get_double_member (l, "inner_max"), >, ring + 500);
}

static void
test_study_with_pydicom (void)
{
  g_autofree char *dir = write_phantom (2024, 0, 0, 0);
  for (guint i = 0; view_files[i]; i++)
    {
      g_autofree char *path = g_build_filename (dir, view_files[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  g_autofree char *listed_path = g_build_filename (dir, "lesions.json", NULL);
  g_autofree char *listed_text = NULL;
  g_assert_true (g_file_get_contents (listed_path, &listed_text, NULL, NULL));
  g_autoptr (JsonNode) listed = parse_json (listed_text);
  JsonObject *root = json_node_get_object (listed);
  g_assert_cmpint (json_object_get_int_member (root, "seed"), ==, 2024);
  double spacing = json_object_get_double_member (root, "spacing_mm");
  g_assert_cmpfloat_with_epsilon (spacing, 0.1, 1e-12);

  const char *args[] = { dir, NULL };
  g_autofree char *out = run_python (check_script, args);
  if (out == NULL)
    return;
  g_autoptr (JsonNode) report = parse_json (out);
  JsonArray *views = json_node_get_array (report);
  JsonArray *images = json_object_get_array_member (root, "images");
  g_assert_cmpuint (json_array_get_length (views), ==, 4);
  const char *study_uid = json_object_get_string_member (json_array_get_object_element (views, 0), "study");
  guint n_lesions = 0;
  g_autoptr (GHashTable) sops = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *v = json_array_get_object_element (views, i);
      check_view (v, json_array_get_object_element (images, i), study_uid, spacing);
      g_hash_table_add (sops, (gpointer) json_object_get_string_member (v, "sop"));
      JsonArray *lesions = json_object_get_array_member (v, "lesions");
      for (guint k = 0; k < json_array_get_length (lesions); k++)
        check_lesion (json_array_get_object_element (lesions, k));
      n_lesions += json_array_get_length (lesions);
    }
  g_assert_cmpuint (g_hash_table_size (sops), ==, 4);
  /* Each lesion is listed once in CC and once in MLO: 2-4 per study. */
  g_assert_cmpuint (n_lesions % 2, ==, 0);
  g_assert_cmpuint (n_lesions / 2, >=, 2);
  g_assert_cmpuint (n_lesions / 2, <=, 4);
}

static void
test_dciodvfy (void)
{
  g_autofree char *tool = g_find_program_in_path ("dciodvfy");
  if (tool == NULL)
    {
      g_test_skip ("dciodvfy (package dicom3tools) not installed");
      return;
    }
  g_autofree char *dir = write_phantom (3, 416, 512, 0.4);
  for (guint i = 0; view_files[i]; i++)
    {
      g_autofree char *path = g_build_filename (dir, view_files[i], NULL);
      const char *argv[] = { tool, path, NULL };
      g_autofree char *out = NULL, *err = NULL;
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, &err, NULL, NULL));
      /* dciodvfy reports on stderr; errors are lines starting "Error". */
      if (strstr (err, "Error") != NULL)
        g_error ("%s:\n%s", path, err);
    }
}

static void
test_new_uid (void)
{
  g_autofree char *a = msc_dicom_new_uid ();
  g_autofree char *b = msc_dicom_new_uid ();
  g_assert_nonnull (a);
  g_assert_cmpstr (a, !=, b);
  g_assert_true (g_str_has_prefix (a, "2.25."));
  g_assert_cmpuint (strlen (a), <=, 64);
  g_assert_true (a[5] != '0');
  for (const char *c = a + 5; *c; c++)
    g_assert_true (g_ascii_isdigit (*c));
}

static MscImage *
small_image (guint bits)
{
  g_autoptr (GError) error = NULL;
  MscImage *image = msc_image_new (37, 21, bits, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (guint i = 0; i < 37 * 21; i++)
    px[i] = (guint16) ((i * 97) % (1u << bits));
  return image;
}

static const char fields_script[] =
  "import sys, json, hashlib, pydicom\n"
  "ds = pydicom.dcmread(sys.argv[1])\n"
  "print(json.dumps({'pn': str(ds.PatientName), 'cs': ds.SpecificCharacterSet,\n"
  "  'photometric': ds.PhotometricInterpretation, 'lat': ds.ImageLaterality,\n"
  "  'orient': list(ds.PatientOrientation), 'wc': [float(v) for v in ds.WindowCenter],\n"
  "  'ww': [float(v) for v in ds.WindowWidth], 'fn': ds.VOILUTFunction,\n"
  "  'expl': list(ds.WindowCenterWidthExplanation), 'study': ds.StudyInstanceUID,\n"
  "  'series': ds.SeriesInstanceUID, 'sop': ds.SOPInstanceUID,\n"
  "  'md5': hashlib.md5(ds.pixel_array.astype('<u2').tobytes()).hexdigest(),\n"
  "  'has_spacing': 'ImagerPixelSpacing' in ds, 'instance': str(ds.InstanceNumber)}))\n";

static void
test_write_fields (void)
{
  g_autoptr (MscImage) image = small_image (10);
  msc_image_set_monochrome1 (image, TRUE);
  msc_image_set_laterality (image, MSC_LATERALITY_LEFT, FALSE);
  msc_image_set_view (image, "cc");
  msc_image_add_window (image, 500, 800, MSC_VOI_SIGMOID, "SOFT");
  msc_image_add_window (image, 512, 1024, MSC_VOI_SIGMOID, NULL);
  MscPatient *patient = g_new0 (MscPatient, 1);
  patient->name = g_strdup ("MÜLLER^ANNA");
  msc_image_set_patient (image, patient);
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "out.dcm", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_dicom_save (image, path, &error));
  g_assert_no_error (error);

  const char *args[] = { path, NULL };
  g_autofree char *out = run_python (fields_script, args);
  if (out == NULL)
    return;
  g_autoptr (JsonNode) node = parse_json (out);
  JsonObject *o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "pn"), ==, "MÜLLER^ANNA");
  g_assert_cmpstr (json_object_get_string_member (o, "cs"), ==, "ISO_IR 192");
  g_assert_cmpstr (json_object_get_string_member (o, "photometric"), ==, "MONOCHROME1");
  g_assert_cmpstr (json_object_get_string_member (o, "lat"), ==, "L");
  JsonArray *orient = json_object_get_array_member (o, "orient");
  g_assert_cmpstr (json_array_get_string_element (orient, 0), ==, "A");
  g_assert_cmpstr (json_array_get_string_element (orient, 1), ==, "R");
  JsonArray *wc = json_object_get_array_member (o, "wc");
  g_assert_cmpuint (json_array_get_length (wc), ==, 2);
  g_assert_cmpfloat (json_array_get_double_element (wc, 1), ==, 512);
  g_assert_cmpstr (json_object_get_string_member (o, "fn"), ==, "SIGMOID");
  g_assert_false (json_object_get_boolean_member (o, "has_spacing"));
  /* Type 2, present and empty: pydicom reads it as None. */
  g_assert_cmpstr (json_object_get_string_member (o, "instance"), ==, "None");
  const char *uids[] = { "study", "series", "sop" };
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_str_has_prefix (json_object_get_string_member (o, uids[i]), "2.25."));
  /* Stored values round-trip exactly (little-endian host). */
  g_autofree char *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5,
                                                      (const guchar *) msc_image_get_pixels (image),
                                                      37 * 21 * sizeof (guint16));
  if (G_BYTE_ORDER == G_LITTLE_ENDIAN)
    g_assert_cmpstr (json_object_get_string_member (o, "md5"), ==, md5);
}

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_write_failures (void)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autoptr (MscImage) image = small_image (8);
  g_autoptr (GError) error = NULL;

  g_autofree char *nodir = g_build_filename (tmp, "missing", "x.dcm", NULL);
  g_assert_false (msc_dicom_save (image, nodir, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, nodir));
  g_clear_error (&error);

  /* A value above bits stored would be silently masked by readers. */
  msc_image_get_pixels_mutable (image)[5] = 300;
  g_autofree char *path = g_build_filename (tmp, "bad.dcm", NULL);
  g_assert_false (msc_dicom_save (image, path, &error));
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpuint (count_entries (tmp), ==, 0);
  g_clear_error (&error);

  /* Replacing an existing file leaves no temporary behind. */
  msc_image_get_pixels_mutable (image)[5] = 3;
  g_assert_true (msc_dicom_save (image, path, &error));
  g_assert_true (msc_dicom_save (image, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (tmp), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/dicom-write/new-uid", test_new_uid);
  g_test_add_func ("/io/dicom-write/fields", test_write_fields);
  g_test_add_func ("/io/dicom-write/failures", test_write_failures);
  g_test_add_func ("/io/phantom/determinism", test_determinism);
  g_test_add_func ("/io/phantom/bad-options", test_bad_options);
  g_test_add_func ("/io/phantom/pydicom", test_study_with_pydicom);
  g_test_add_func ("/io/phantom/dciodvfy", test_dciodvfy);
  return g_test_run ();
}
