/* tests/engine/test-study.c — study grouping, slot hanging, laterality.
 *
 * Grouping is tested on images built here (msc-study-private.h), so it runs
 * before any reader exists; scans over real files skip with a message
 * while the DICOM or PNG reader reports that it is not built yet.
 */
#include "msc-test-util.h"
#include "msc-dicom.h"
#include "msc-dicom-private.h"
#include "msc-load.h"
#include "msc-phantom.h"
#include "msc-study.h"
#include "msc-study-private.h"

#include <png.h>
#include <string.h>
#include <glib/gstdio.h>

static MscImage *
make_image (const char *study, const char *lat, const char *view, gint instance, const char *path)
{
  g_autoptr (GError) error = NULL;
  MscImage *image = msc_image_new (4, 4, 12, 0, &error);
  g_assert_no_error (error);
  msc_image_set_study_instance_uid (image, study);
  msc_image_set_laterality (image, msc_laterality_from_string (lat), FALSE);
  msc_image_set_view (image, view);
  msc_image_set_instance_number (image, instance);
  msc_image_set_path (image, path);
  return image;
}

static void
test_slot_table (void)
{
  static const struct { const char *lat, *view; MscSlot slot; } cases[] = {
    { "R", "CC", MSC_SLOT_R_CC },     { "L", "CC", MSC_SLOT_L_CC },
    { "R", "MLO", MSC_SLOT_R_MLO },   { "L", "MLO", MSC_SLOT_L_MLO },
    { "R", "XCCL", MSC_SLOT_R_CC },   { "L", "XCCM", MSC_SLOT_L_CC },
    { "L", "ML", MSC_SLOT_L_MLO },    { "R", "LM", MSC_SLOT_R_MLO },
    { "r", " mlo ", MSC_SLOT_R_MLO }, { "B", "CC", MSC_SLOT_NONE },
    { NULL, "CC", MSC_SLOT_NONE },    { "R", NULL, MSC_SLOT_NONE },
    { "R", "SIO", MSC_SLOT_NONE },    { "L", "AP", MSC_SLOT_NONE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (MscImage) image = make_image ("1.2", cases[i].lat, cases[i].view, 1, NULL);
      g_assert_cmpint (msc_slot_for_image (image), ==, cases[i].slot);
    }
  g_assert_cmpstr (msc_slot_to_string (MSC_SLOT_R_CC), ==, "R-CC");
  g_assert_cmpstr (msc_slot_to_string (MSC_SLOT_L_MLO), ==, "L-MLO");
  g_assert_cmpstr (msc_slot_to_string (MSC_SLOT_NONE), ==, "none");
}

static GPtrArray *
image_list (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) msc_image_unref);
}

static void
test_group_by_uid (void)
{
  g_autoptr (GPtrArray) images = image_list ();
  g_ptr_array_add (images, make_image ("1.2.3", "R", "CC", 1, "/a/1.dcm"));
  g_ptr_array_add (images, make_image ("1.2.4", "L", "CC", 1, "/a/2.dcm"));
  g_ptr_array_add (images, make_image ("1.2.3", "L", "MLO", 2, "/b/3.dcm"));
  g_ptr_array_add (images, make_image (NULL, "R", "MLO", -1, "/c/x.png"));
  g_ptr_array_add (images, make_image (NULL, "L", "MLO", -1, "/c/y.png"));
  g_ptr_array_add (images, make_image (NULL, "L", "CC", -1, "/d/z.png"));
  g_autoptr (GPtrArray) studies = msc_study_group_images (images);
  g_assert_cmpuint (studies->len, ==, 4);
  MscStudy *s0 = studies->pdata[0], *s2 = studies->pdata[2];
  g_assert_cmpstr (msc_study_get_uid (s0), ==, "1.2.3");
  g_assert_cmpuint (msc_study_get_n_images (s0), ==, 2);
  g_assert_true (msc_study_get_slot (s0, MSC_SLOT_R_CC) == images->pdata[0]);
  g_assert_true (msc_study_get_slot (s0, MSC_SLOT_L_MLO) == images->pdata[2]);
  g_assert_null (msc_study_get_slot (s0, MSC_SLOT_L_CC));
  g_assert_cmpstr (msc_study_get_uid (studies->pdata[1]), ==, "1.2.4");
  /* PNG/PGM: one study per folder, named by the folder. */
  g_assert_cmpstr (msc_study_get_uid (s2), ==, "/c");
  g_assert_cmpuint (msc_study_get_n_images (s2), ==, 2);
  g_assert_true (msc_study_get_image (s2, 1) == images->pdata[4]);
  g_assert_cmpstr (msc_study_get_uid (studies->pdata[3]), ==, "/d");
  /* Studies hold their own references. */
  MscStudy *kept = msc_study_ref (s0);
  g_ptr_array_set_size (images, 0);
  g_ptr_array_set_size (studies, 0);
  g_assert_cmpstr (msc_image_get_view (msc_study_get_slot (kept, MSC_SLOT_R_CC)), ==, "CC");
  msc_study_unref (kept);
}

static void
test_duplicates (void)
{
  static const struct {
    const char *views[4];
    gint instances[4];
    int winner;                 /* index hung in the slot, -1 for none */
    MscSlot slot;
  } cases[] = {
    { { "CC", "CC", "CC" }, { 5, 2, -1 }, 1, MSC_SLOT_R_CC },
    { { "CC", "CC" }, { -1, 7 }, 1, MSC_SLOT_R_CC },
    { { "CC", "CC" }, { 3, 3 }, 0, MSC_SLOT_R_CC },          /* tie: first kept */
    { { "XCCL", "CC" }, { 1, 9 }, 1, MSC_SLOT_R_CC },        /* CC beats a stand-in */
    { { "ML" }, { 4 }, 0, MSC_SLOT_R_MLO },                  /* ML fills an empty MLO slot */
    { { "ML", "MLO", "LM" }, { 1, 8, 2 }, 1, MSC_SLOT_R_MLO },
    { { "LM", "ML" }, { 6, 5 }, 1, MSC_SLOT_R_MLO },
    { { "SIO" }, { 1 }, -1, MSC_SLOT_R_MLO },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GPtrArray) images = image_list ();
      for (guint i = 0; i < 4 && cases[c].views[i]; i++)
        g_ptr_array_add (images, make_image ("9.9", "R", cases[c].views[i], cases[c].instances[i], NULL));
      g_autoptr (GPtrArray) studies = msc_study_group_images (images);
      g_assert_cmpuint (studies->len, ==, 1);
      MscStudy *study = studies->pdata[0];
      /* Losers stay in the study's image list. */
      g_assert_cmpuint (msc_study_get_n_images (study), ==, images->len);
      MscImage *hung = msc_study_get_slot (study, cases[c].slot);
      if (cases[c].winner < 0)
        g_assert_null (hung);
      else
        g_assert_true (hung == images->pdata[cases[c].winner]);
    }
}

/* A breast-like half-disc against one edge, as a loader would return it. */
static MscImage *
synthetic_breast (gboolean right, gboolean mono1, guint width, guint height)
{
  g_autoptr (GError) error = NULL;
  MscImage *image = msc_image_new (width, height, 12, 0, &error);
  g_assert_no_error (error);
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        double dx = right ? width - 1.0 - x : x, dy = y - height / 2.0;
        double r = (dx * dx) / (0.6 * width * 0.6 * width) + (dy * dy) / (0.4 * height * 0.4 * height);
        guint16 v = r < 1 ? (guint16) (1500 + 800 * (1 - r)) : (guint16) (20 + (x * 7 + y) % 13);
        px[(gsize) y * width + x] = mono1 ? 4095 - v : v;
      }
  msc_image_set_monochrome1 (image, mono1);
  return image;
}

static void
test_infer_synthetic (void)
{
  for (int mono1 = 0; mono1 < 2; mono1++)
    for (int right = 0; right < 2; right++)
      {
        g_autoptr (MscImage) image = synthetic_breast (right, mono1, 200, 260);
        g_assert_cmpint (msc_study_infer_laterality (image), ==,
                         right ? MSC_LATERALITY_RIGHT : MSC_LATERALITY_LEFT);
      }
  /* Nothing to go by: blank, symmetric and tiny images stay UNKNOWN. */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) blank = msc_image_new (64, 64, 8, 0, &error);
  g_assert_cmpint (msc_study_infer_laterality (blank), ==, MSC_LATERALITY_UNKNOWN);
  g_autoptr (MscImage) sym = msc_image_new (64, 64, 8, 0, &error);
  guint16 *px = msc_image_get_pixels_mutable (sym);
  for (guint y = 16; y < 48; y++)
    for (guint x = 16; x < 48; x++)
      px[y * 64 + x] = 200;
  g_assert_cmpint (msc_study_infer_laterality (sym), ==, MSC_LATERALITY_UNKNOWN);
  g_autoptr (MscImage) tiny = msc_image_new (4, 4, 8, 0, &error);
  g_assert_cmpint (msc_study_infer_laterality (tiny), ==, MSC_LATERALITY_UNKNOWN);

  /* Completing sets the inferred flag and a note; a header value wins. */
  g_autoptr (MscImage) image = synthetic_breast (TRUE, FALSE, 120, 160);
  msc_study_complete_laterality (image);
  g_assert_cmpint (msc_image_get_laterality (image), ==, MSC_LATERALITY_RIGHT);
  g_assert_true (msc_image_get_laterality_inferred (image));
  g_assert_cmpstr (msc_image_get_notes (image)[0], ==, "laterality inferred from breast position");
  g_autoptr (MscImage) stated = synthetic_breast (TRUE, FALSE, 120, 160);
  msc_image_set_laterality (stated, MSC_LATERALITY_LEFT, FALSE);
  msc_study_complete_laterality (stated);
  g_assert_cmpint (msc_image_get_laterality (stated), ==, MSC_LATERALITY_LEFT);
  g_assert_false (msc_image_get_laterality_inferred (stated));
  g_assert_null (msc_image_get_notes (stated)[0]);
}

static char *
write_phantom (guint64 seed)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  char *dir = g_build_filename (tmp, "study", NULL);
  MscPhantomOptions opts = { seed, 416, 512, 0.4 };
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_phantom_write_study (dir, &opts, &error));
  g_assert_no_error (error);
  return dir;
}

/* Our writer puts Pixel Data (7FE0,0010) last, native 16-bit little
 * endian: the file's last width*height*2 bytes are the pixels. That lets
 * this test use phantom views before the DICOM reader exists. */
static MscImage *
phantom_pixels (const char *dir, const char *name, guint width, guint height)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  gsize n = (gsize) width * height;
  g_assert_cmpuint (length, >, 2 * n);
  g_autoptr (GError) error = NULL;
  MscImage *image = msc_image_new (width, height, 12, 0, &error);
  g_assert_no_error (error);
  const guint8 *src = (const guint8 *) data + length - 2 * n;
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (gsize i = 0; i < n; i++)
    px[i] = (guint16) (src[2 * i] | (src[2 * i + 1] << 8));
  return image;
}

static void
test_infer_phantom (void)
{
  static const struct { const char *file; MscLaterality lat; } views[] = {
    { "R_CC.dcm", MSC_LATERALITY_RIGHT }, { "L_CC.dcm", MSC_LATERALITY_LEFT },
    { "R_MLO.dcm", MSC_LATERALITY_RIGHT }, { "L_MLO.dcm", MSC_LATERALITY_LEFT },
  };
  for (guint64 seed = 1; seed <= 3; seed++)
    {
      g_autofree char *dir = write_phantom (seed);
      for (guint i = 0; i < G_N_ELEMENTS (views); i++)
        {
          g_autoptr (MscImage) image = phantom_pixels (dir, views[i].file, 416, 512);
          g_assert_cmpint (msc_study_infer_laterality (image), ==, views[i].lat);
        }
    }
}

/* Decodes an 8-bit grey PNG with libpng's simplified API: this test must
 * not depend on msc_png_load, which is written elsewhere. */
static MscImage *
read_png_gray (const char *path)
{
  png_image png;
  memset (&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file (&png, path))
    g_error ("%s: %s", path, png.message);
  png.format = PNG_FORMAT_GRAY;
  g_autoptr (GError) error = NULL;
  MscImage *image = msc_image_new (png.width, png.height, 8, 0, &error);
  g_assert_no_error (error);
  g_autofree guint8 *buf = g_malloc (PNG_IMAGE_SIZE (png));
  if (!png_image_finish_read (&png, NULL, buf, 0, NULL))
    g_error ("%s: %s", path, png.message);
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (gsize i = 0; i < (gsize) png.width * png.height; i++)
    px[i] = buf[i];
  return image;
}

static void
test_infer_mias (void)
{
  g_autofree char *labels = msc_test_shared_path ("mias/labels.csv");
  if (labels == NULL)
    return;
  g_autoptr (GPtrArray) rows = msc_test_read_csv (labels);
  guint c_id = msc_test_csv_column (rows->pdata[0], "id");
  guint c_lat = msc_test_csv_column (rows->pdata[0], "laterality");
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0, correct = 0;
  g_autoptr (GString) wrong = g_string_new (NULL);
  for (guint i = 1; i < rows->len; i++)
    {
      GStrv row = rows->pdata[i];
      if (!g_hash_table_add (seen, row[c_id]))
        continue;                       /* one row per finding: image once */
      g_autofree char *rel = g_strdup_printf ("mias/images/%s.png", row[c_id]);
      g_autofree char *path = msc_test_shared_path (rel);
      if (path == NULL)
        return;
      g_autoptr (MscImage) image = read_png_gray (path);
      MscLaterality got = msc_study_infer_laterality (image);
      n++;
      if (got == msc_laterality_from_string (row[c_lat]))
        correct++;
      else
        g_string_append_printf (wrong, " %s", row[c_id]);
    }
  g_test_message ("laterality inferred correctly for %u of %u mini-MIAS images;%s",
                  correct, n, wrong->len ? wrong->str : " none wrong");
  g_assert_cmpuint (n, ==, 238);
  g_assert_cmpuint (correct, ==, n);
}

/* PNG scans name no view: a folder of mini-MIAS images still hangs, each
 * image in a free slot of its (inferred) side, MLO first, with a note
 * saying so; a third image of one side goes to that side's CC slot. */
static void
test_unknown_view (void)
{
  const char *names[] = { "mdb001.png", "mdb002.png", "mdb003.png" };   /* R, L, R */
  g_autofree char *dir = msc_test_tmpdir ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *rel = g_strdup_printf ("mias/images/%s", names[i]);
      g_autofree char *from = msc_test_shared_path (rel);
      if (from == NULL)
        return;
      g_autofree char *bytes = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (from, &bytes, &len, NULL));
      g_autofree char *to = g_build_filename (dir, names[i], NULL);
      g_assert_true (g_file_set_contents (to, bytes, (gssize) len, NULL));
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) studies = msc_study_scan (dir, NULL, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (studies->len, ==, 1);
  MscStudy *study = studies->pdata[0];
  const char *expect[MSC_N_SLOTS] = { NULL };
  expect[MSC_SLOT_R_MLO] = "mdb001.png";
  expect[MSC_SLOT_L_MLO] = "mdb002.png";
  expect[MSC_SLOT_R_CC] = "mdb003.png";
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    {
      MscImage *image = msc_study_get_slot (study, s);
      if (expect[s] == NULL)
        {
          g_assert_null (image);
          continue;
        }
      g_assert_nonnull (image);
      g_assert_true (g_str_has_suffix (msc_image_get_path (image), expect[s]));
      g_assert_null (msc_image_get_view (image));
      gboolean noted = FALSE;
      for (const char * const *n = msc_image_get_notes (image); n && *n; n++)
        noted |= strstr (*n, msc_slot_to_string (s)) != NULL && strstr (*n, "view") != NULL;
      g_assert_true (noted);
    }
}

/* TRUE when msc_dicom_load can read our phantom; otherwise skips. */
static gboolean
dicom_reader_ready (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "R_CC.dcm", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_dicom_load (path, NULL, &error);
  if (image == NULL && g_error_matches (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED))
    {
      g_autofree char *msg = g_strdup_printf ("DICOM reader not available yet (%s)", error->message);
      g_test_skip (msg);
      return FALSE;
    }
  g_assert_no_error (error);
  return TRUE;
}

static void
assert_phantom_study (GPtrArray *studies)
{
  g_assert_cmpuint (studies->len, ==, 1);
  MscStudy *study = studies->pdata[0];
  g_assert_cmpuint (msc_study_get_n_images (study), ==, 4);
  g_assert_true (g_str_has_prefix (msc_study_get_uid (study), "2.25."));
  static const char *views[MSC_N_SLOTS] = { "CC", "CC", "MLO", "MLO" };
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    {
      MscImage *image = msc_study_get_slot (study, s);
      g_assert_nonnull (image);
      g_assert_cmpint (msc_slot_for_image (image), ==, s);
      g_assert_cmpstr (msc_image_get_view (image), ==, views[s]);
      g_assert_false (msc_image_get_laterality_inferred (image));
    }
}

static void
test_scan_phantom (void)
{
  g_autofree char *dir = write_phantom (11);
  if (!dicom_reader_ready (dir))
    return;
  /* Clutter: a note, a hidden file, and a broken "image". */
  g_autofree char *note = g_build_filename (dir, "README.txt", NULL);
  g_autofree char *hidden = g_build_filename (dir, ".DS_Store", NULL);
  g_autofree char *broken = g_build_filename (dir, "broken.dcm", NULL);
  g_assert_true (g_file_set_contents (note, "phantom\n", -1, NULL));
  g_assert_true (g_file_set_contents (hidden, "DICM-ish", -1, NULL));
  g_assert_true (g_file_set_contents (broken, "not really", -1, NULL));
  for (int metadata_only = 0; metadata_only < 2; metadata_only++)
    {
      MscLoadOptions opts = { 0, metadata_only };
      g_autoptr (GPtrArray) problems = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) studies = msc_study_scan (dir, &opts, &problems, &error);
      g_assert_no_error (error);
      assert_phantom_study (studies);
      /* lesions.json and README.txt are quiet; broken.dcm is reported. */
      g_assert_cmpuint (problems->len, ==, 1);
      g_assert_true (g_str_has_prefix (problems->pdata[0], broken));
    }
}

static void
test_scan_errors (void)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *missing = g_build_filename (tmp, "nothing-here", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  GPtrArray *studies = msc_study_scan (missing, NULL, &problems, &error);
  g_assert_null (studies);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* An empty folder: no studies, no problems. */
  g_autoptr (GPtrArray) none = msc_study_scan (tmp, NULL, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (problems->len, ==, 0);
  g_clear_pointer (&problems, g_ptr_array_unref);

  /* A named file that is no image is a problem, not an error. */
  g_autofree char *text = g_build_filename (tmp, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (text, "hello", -1, NULL));
  const char *paths[] = { text, missing, NULL };
  g_autoptr (GPtrArray) grouped = msc_study_group (paths, NULL, &problems);
  g_assert_cmpuint (grouped->len, ==, 0);
  g_assert_cmpuint (problems->len, ==, 2);
}

/* Copies the phantom to DICOM-compliant file IDs and runs dcmmkdir. */
static char *
make_dicomdir (const char *dir)
{
  g_autofree char *tool = g_find_program_in_path ("dcmmkdir");
  if (tool == NULL)
    {
      g_test_skip ("dcmmkdir (package dcmtk) not installed");
      return NULL;
    }
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *media = g_build_filename (tmp, "PHANTOM", NULL);
  g_assert_cmpint (g_mkdir (media, 0755), ==, 0);
  const char *files[] = { "R_CC.dcm", "L_CC.dcm", "R_MLO.dcm", "L_MLO.dcm" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *src = g_build_filename (dir, files[i], NULL);
      g_autofree char *name = g_strdup_printf ("IM%u", i + 1);
      g_autofree char *dst = g_build_filename (media, name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      g_assert_true (g_file_set_contents (dst, data, len, NULL));
    }
  /* +I invents the DICOMDIR type 1 values MscImage does not carry
   * (Study Time, Study ID). */
  const char *argv[] = { tool, "+r", "+I", "+D", "DICOMDIR", "PHANTOM", NULL };
  int status = -1;
  g_autofree char *err = NULL;
  g_assert_true (g_spawn_sync (tmp, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, NULL));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("dcmmkdir failed: %s", err);
  return g_build_filename (tmp, "DICOMDIR", NULL);
}

static void
test_dicomdir (void)
{
  g_autofree char *dir = write_phantom (5);
  g_autofree char *dicomdir = make_dicomdir (dir);
  if (dicomdir == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = msc_dicomdir_list_files (dicomdir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, ==, 4);
  for (guint i = 0; i < files->len; i++)
    {
      g_assert_true (g_path_is_absolute (files->pdata[i]));
      g_assert_true (g_file_test (files->pdata[i], G_FILE_TEST_IS_REGULAR));
    }
  g_autofree char *notdir = g_build_filename (dir, "R_CC.dcm", NULL);
  g_autoptr (GPtrArray) none = msc_dicomdir_list_files (notdir, &error);
  g_assert_null (none);
  g_assert_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID);
  g_clear_error (&error);

  if (!dicom_reader_ready (dir))
    return;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) studies = msc_study_scan (dicomdir, NULL, &problems, &error);
  g_assert_no_error (error);
  assert_phantom_study (studies);
  g_assert_cmpuint (problems->len, ==, 0);
}

/* Writes a grey PNG of a synthetic breast (right or left) with libpng. */
static void
write_png (const char *path, gboolean right)
{
  g_autoptr (MscImage) image = synthetic_breast (right, FALSE, 120, 150);
  png_image png;
  memset (&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = 120;
  png.height = 150;
  png.format = PNG_FORMAT_GRAY;
  g_autofree guint8 *buf = g_malloc (120 * 150);
  for (guint i = 0; i < 120 * 150; i++)
    buf[i] = (guint8) (msc_image_get_pixels (image)[i] >> 4);
  g_assert_true (png_image_write_to_file (&png, path, 0, buf, 0, NULL));
}

static void
test_scan_png_folders (void)
{
  g_autofree char *tmp = msc_test_tmpdir ();
  g_autofree char *a = g_build_filename (tmp, "a", NULL);
  g_autofree char *b = g_build_filename (tmp, "b", NULL);
  g_mkdir (a, 0755);
  g_mkdir (b, 0755);
  g_autofree char *a1 = g_build_filename (a, "one.png", NULL);
  g_autofree char *a2 = g_build_filename (a, "two.png", NULL);
  g_autofree char *b1 = g_build_filename (b, "three.png", NULL);
  write_png (a1, TRUE);
  write_png (a2, FALSE);
  write_png (b1, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) probe = msc_image_load (a1, NULL, &error);
  if (probe == NULL && g_error_matches (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED))
    {
      g_autofree char *msg = g_strdup_printf ("PNG reader not available yet (%s)", error->message);
      g_test_skip (msg);
      return;
    }
  g_assert_no_error (error);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) studies = msc_study_scan (tmp, NULL, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (studies->len, ==, 2);
  MscStudy *sa = studies->pdata[0];
  g_assert_cmpstr (msc_study_get_uid (sa), ==, a);
  g_assert_cmpuint (msc_study_get_n_images (sa), ==, 2);
  MscImage *first = msc_study_get_image (sa, 0);
  g_assert_cmpint (msc_image_get_laterality (first), ==, MSC_LATERALITY_RIGHT);
  g_assert_true (msc_image_get_laterality_inferred (first));
  g_assert_cmpint (msc_image_get_laterality (msc_study_get_image (sa, 1)), ==, MSC_LATERALITY_LEFT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/study/slot-table", test_slot_table);
  g_test_add_func ("/io/study/group-by-uid", test_group_by_uid);
  g_test_add_func ("/io/study/duplicates", test_duplicates);
  g_test_add_func ("/io/study/infer/synthetic", test_infer_synthetic);
  g_test_add_func ("/io/study/infer/phantom", test_infer_phantom);
  g_test_add_func ("/io/study/infer/mias", test_infer_mias);
  g_test_add_func ("/io/study/unknown-view", test_unknown_view);
  g_test_add_func ("/io/study/scan/errors", test_scan_errors);
  g_test_add_func ("/io/study/scan/phantom", test_scan_phantom);
  g_test_add_func ("/io/study/scan/png-folders", test_scan_png_folders);
  g_test_add_func ("/io/study/dicomdir", test_dicomdir);
  return g_test_run ();
}
