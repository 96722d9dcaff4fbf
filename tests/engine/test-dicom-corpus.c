/* tests/engine/test-dicom-corpus.c — the DICOM reader on pydicom's test files.
 *
 * Every .dcm in data/dicom-corpus either loads as grey with the size pydicom
 * reads from its header, or is refused with one line starting with the path.
 * Notable files have their exact outcome pinned; lossless encodings must
 * equal the uncompressed original, and pixel values are checked against
 * pydicom's own decoders where it has one (dicom-reference.py).
 */
#include "msc-dicom.h"
#include "msc-test-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK (-1)                 /* expected outcome: loads */

/* Outcomes decided per file; files not listed only need to load with the
 * right size or fail cleanly. */
static const struct {
  const char *file;
  int outcome;                  /* OK or an MscIoError code */
  const char *message_part;     /* (nullable) must occur in the message */
} expected[] = {
  { "MR_small.dcm", OK, NULL },
  { "MR_small_RLE.dcm", OK, NULL },
  { "MR_small_bigendian.dcm", OK, NULL },
  { "MR_small_expb.dcm", OK, NULL },
  { "MR_small_implicit.dcm", OK, NULL },
  { "MR_small_jp2klossless.dcm", OK, NULL },
  { "MR_small_jpeg_ls_lossless.dcm", OK, NULL },
  { "MR_small_padded.dcm", OK, NULL },
  { "CT_small.dcm", OK, NULL },
  { "693_J2KI.dcm", OK, NULL },
  { "JPEG2000.dcm", OK, NULL },
  { "J2K_pixelrep_mismatch.dcm", OK, NULL },
  { "JPGExtended.dcm", OK, NULL },
  { "JPEG-lossy.dcm", OK, NULL },
  { "image_dfl.dcm", OK, NULL },
  /* Pixel data element longer than the file. */
  { "MR_truncated.dcm", MSC_IO_ERROR_TRUNCATED, NULL },
  /* Cut inside a sequence: DCMTK calls the stream invalid. */
  { "rtplan_truncated.dcm", MSC_IO_ERROR_INVALID, NULL },
  /* Bits Allocated 32 (and Number of Frames "1A"): refused on the bits. */
  { "badVR.dcm", MSC_IO_ERROR_UNSUPPORTED, "32 bits allocated" },
  { "rtdose.dcm", MSC_IO_ERROR_UNSUPPORTED, "32 bits allocated" },
  { "liver_1frame.dcm", MSC_IO_ERROR_UNSUPPORTED, "1 bits allocated" },
  /* Meta header without a transfer syntax; the data set is one private
   * sequence with a stray 2-byte Pixel Data and no Rows/Columns. */
  { "meta_missing_tsyntax.dcm", MSC_IO_ERROR_NOT_IMAGE, "no Rows/Columns" },
  { "nested_priv_SQ.dcm", MSC_IO_ERROR_NOT_IMAGE, "no Rows/Columns" },
  { "rtplan.dcm", MSC_IO_ERROR_NOT_IMAGE, "RTPlan" },
  { "rtstruct.dcm", MSC_IO_ERROR_NOT_IMAGE, "RTStructureSet" },
  { "test-SR.dcm", MSC_IO_ERROR_NOT_IMAGE, "SR" },
  { "waveform_ecg.dcm", MSC_IO_ERROR_NOT_IMAGE, "ECG" },
  { "SC_rgb_rle.dcm", MSC_IO_ERROR_NOT_IMAGE, "colour images are not supported (RGB)" },
  { "SC_rgb_dcmtk_+eb+cy+n1.dcm", MSC_IO_ERROR_NOT_IMAGE, "(YBR_FULL)" },
  { "SC_ybr_full_422_uncompressed.dcm", MSC_IO_ERROR_NOT_IMAGE, "(YBR_FULL_422)" },
  { "GDCMJ2K_TextGBR.dcm", MSC_IO_ERROR_NOT_IMAGE, "(YBR_RCT)" },
  { "ExplVR_BigEnd.dcm", MSC_IO_ERROR_NOT_IMAGE, "(RGB)" },
  /* pydicom's README: four code-stream bytes overwritten (in the SIZ
   * marker), so the JPEG 2000 data is corrupt; DICOM structure is fine. */
  { "JPEG2000-embedded-sequence-delimiter.dcm", MSC_IO_ERROR_INVALID, "JPEG 2000" },
  /* CT_small without its meta header, but with a stray first byte: every
   * element is misaligned and a bogus length runs past the end. */
  { "no_meta.dcm", MSC_IO_ERROR_TRUNCATED, NULL },
  /* A malformed element (VR "  ") makes DCMTK read a bogus length. */
  { "SC_rgb_jpeg.dcm", MSC_IO_ERROR_TRUNCATED, NULL },
};

typedef struct {
  int rows, cols, has_pixels;
} RefHeader;

static const char *
python (void)
{
  const char *py = g_getenv ("MSC_PYTHON");
  return py && *py ? py : "/usr/bin/python3";
}

static char *
run_reference (const char *const *args)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "dicom-reference.py", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) python ());
  g_ptr_array_add (argv, script);
  for (; *args; args++)
    g_ptr_array_add (argv, (gpointer) *args);
  g_ptr_array_add (argv, NULL);
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("dicom-reference.py %s failed: %s", (const char *) argv->pdata[2], err);
  return out;
}

/* name -> RefHeader from pydicom, read once for the whole folder. */
static GHashTable *
reference_headers (const char *dir)
{
  const char *args[] = { "headers", dir, NULL };
  g_autofree char *out = run_reference (args);
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) f = g_strsplit (*l, "\t", -1);
      if (g_strv_length (f) != 4)
        continue;
      RefHeader *h = g_new0 (RefHeader, 1);
      h->rows = atoi (f[1]);
      h->cols = atoi (f[2]);
      h->has_pixels = atoi (f[3]);
      g_hash_table_insert (table, g_strdup (f[0]), h);
    }
  return table;
}

static int
expected_outcome (const char *name, const char **message_part)
{
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    if (g_str_equal (expected[i].file, name))
      {
        *message_part = expected[i].message_part;
        return expected[i].outcome;
      }
  *message_part = NULL;
  return -2;                    /* not pinned */
}

static void
check_one (const char *dir, const char *name, const RefHeader *ref)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) img = msc_dicom_load (path, NULL, &error);
  const char *part = NULL;
  int outcome = expected_outcome (name, &part);
  g_test_message ("%s: %s", name, img ? "loaded" : error->message);

  if (img != NULL)
    {
      if (outcome != OK && outcome != -2)
        g_error ("%s loaded but should fail with code %d", name, outcome);
      g_assert_nonnull (ref);
      g_assert_cmpint (msc_image_get_height (img), ==, ref->rows);
      g_assert_cmpint (msc_image_get_width (img), ==, ref->cols);
      g_assert_cmpstr (msc_image_get_format (img), ==, "DICOM");
      const char *photometric = msc_image_get_photometric (img);
      g_assert_true (g_str_equal (photometric, "MONOCHROME1") || g_str_equal (photometric, "MONOCHROME2"));
      return;
    }
  g_assert_nonnull (error);
  g_assert_true (error->domain == MSC_IO_ERROR);
  if (outcome == OK)
    g_error ("%s should load: %s", name, error->message);
  if (outcome >= 0)
    g_assert_error (error, MSC_IO_ERROR, outcome);
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_null (strchr (error->message, '\n'));
  if (part != NULL && strstr (error->message, part) == NULL)
    g_error ("%s: message \"%s\" lacks \"%s\"", name, error->message, part);
}

static void
test_every_file (void)
{
  g_autofree char *dir = msc_test_shared_path ("dicom-corpus");
  if (dir == NULL)
    return;
  g_autoptr (GHashTable) refs = reference_headers (dir);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint n = 0;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".dcm"))
      {
        check_one (dir, name, g_hash_table_lookup (refs, name));
        n++;
      }
  g_assert_cmpuint (n, >=, G_N_ELEMENTS (expected));
  /* Every pinned file exists: a renamed corpus must not pass silently. */
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_true (g_hash_table_contains (refs, expected[i].file));
}

static MscImage *
load_corpus (const char *name)
{
  g_autofree char *path = msc_test_shared_path (name);
  if (path == NULL)
    return NULL;
  g_autoptr (GError) error = NULL;
  MscImage *img = msc_dicom_load (path, NULL, &error);
  g_assert_no_error (error);
  return img;
}

static void
assert_same_pixels (const MscImage *a, const MscImage *b)
{
  g_assert_cmpuint (msc_image_get_width (a), ==, msc_image_get_width (b));
  g_assert_cmpuint (msc_image_get_height (a), ==, msc_image_get_height (b));
  g_assert_cmpfloat (msc_image_get_value_offset (a), ==, msc_image_get_value_offset (b));
  gsize n = (gsize) msc_image_get_width (a) * msc_image_get_height (a);
  g_assert_cmpmem (msc_image_get_pixels (a), n * 2, msc_image_get_pixels (b), n * 2);
}

/* Lossless encodings and byte orders of MR_small decode to the same image. */
static void
test_lossless_equal (gconstpointer data)
{
  g_autoptr (MscImage) original = load_corpus ("dicom-corpus/MR_small.dcm");
  g_autofree char *rel = g_strconcat ("dicom-corpus/", (const char *) data, NULL);
  g_autoptr (MscImage) other = original ? load_corpus (rel) : NULL;
  if (other == NULL)
    return;
  assert_same_pixels (original, other);
}

/* JPGExtended.dcm is the fixed JPEG-lossy.dcm: same 12-bit samples. */
static void
test_jpeg_extended (void)
{
  g_autoptr (MscImage) lossy = load_corpus ("dicom-corpus/JPEG-lossy.dcm");
  g_autoptr (MscImage) extended = lossy ? load_corpus ("dicom-corpus/JPGExtended.dcm") : NULL;
  if (extended == NULL)
    return;
  g_assert_cmpuint (msc_image_get_width (extended), ==, 256);
  g_assert_cmpuint (msc_image_get_height (extended), ==, 1024);
  g_assert_cmpuint (msc_image_get_bits_stored (extended), ==, 12);
  g_assert_cmpstr (msc_image_get_transfer_syntax (extended), ==, "1.2.840.10008.1.2.4.51");
  assert_same_pixels (lossy, extended);
  const guint16 *px = msc_image_get_pixels (extended);
  guint max = 0;
  for (gsize i = 0; i < 256 * 1024; i++)
    max = MAX (max, px[i]);
  g_assert_cmpuint (max, >, 0);                 /* not a blank decode */
  g_assert_cmpuint (max, <, 4096);
}

/* Modality values (stored + value_offset) equal pydicom's, which decodes
 * natively, or JPEG 2000 through Pillow: signed data, rescale intercepts,
 * Pixel Representation that disagrees with the code stream, deflate. */
static void
test_modality_values (gconstpointer data)
{
  const char *name = data;
  g_autofree char *rel = g_strconcat ("dicom-corpus/", name, NULL);
  g_autofree char *path = msc_test_shared_path (rel);
  if (path == NULL)
    return;
  g_autoptr (MscImage) img = load_corpus (rel);
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *raw = g_build_filename (tmp, "modality.raw", NULL);
  const char *args[] = { "modality", raw, path, NULL };
  g_autofree char *out = run_reference (args);
  guint w = 0, h = 0;
  g_assert_cmpint (sscanf (out, "%u %u", &w, &h), ==, 2);
  g_assert_cmpuint (msc_image_get_width (img), ==, w);
  g_assert_cmpuint (msc_image_get_height (img), ==, h);
  g_autofree gchar *ref = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (raw, &ref, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, (gsize) w * h * 4);
  const guint16 *px = msc_image_get_pixels (img);
  double offset = msc_image_get_value_offset (img);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      gint32 expect;
      memcpy (&expect, ref + 4 * i, 4);
      expect = GINT32_FROM_LE (expect);
      if (px[i] + offset != expect)
        g_error ("%s: pixel %" G_GSIZE_FORMAT " is %u%+g, pydicom says %d",
                 name, i, px[i], offset, expect);
    }
  /* Signed data and negative intercepts need an offset; window centres
   * moved with it. */
  if (g_str_equal (name, "CT_small.dcm") || g_str_equal (name, "693_J2KI.dcm"))
    g_assert_cmpfloat (offset, <, 0);
}

static void
test_multiframe_note (void)
{
  /* JPEG2000.dcm says Number of Frames 1: no note; the count is kept. */
  g_autoptr (MscImage) img = load_corpus ("dicom-corpus/JPEG2000.dcm");
  if (img == NULL)
    return;
  g_assert_cmpuint (msc_image_get_n_frames (img), ==, 1);
  for (const char *const *n = msc_image_get_notes (img); *n; n++)
    g_assert_null (strstr (*n, "frames"));
}

int
main (int argc, char **argv)
{
  static const char *lossless[] = {
    "MR_small_RLE.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_implicit.dcm",
    "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm",
  };
  static const char *pydicom_decodes[] = {
    "MR_small.dcm", "CT_small.dcm", "image_dfl.dcm", "693_J2KI.dcm", "JPEG2000.dcm",
    "J2K_pixelrep_mismatch.dcm", "MR_small_jp2klossless.dcm",
  };
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/dicom-corpus/every-file", test_every_file);
  for (gsize i = 0; i < G_N_ELEMENTS (lossless); i++)
    {
      g_autofree char *p = g_strdup_printf ("/io/dicom-corpus/lossless/%s", lossless[i]);
      g_test_add_data_func (p, lossless[i], test_lossless_equal);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (pydicom_decodes); i++)
    {
      g_autofree char *p = g_strdup_printf ("/io/dicom-corpus/pydicom-values/%s", pydicom_decodes[i]);
      g_test_add_data_func (p, pydicom_decodes[i], test_modality_values);
    }
  g_test_add_func ("/io/dicom-corpus/jpeg-extended", test_jpeg_extended);
  g_test_add_func ("/io/dicom-corpus/frames", test_multiframe_note);
  return g_test_run ();
}
