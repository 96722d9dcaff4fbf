/* tests/engine/test-image.c — MscImage: limits, notes, presets, refcount.
 *
 * Every loader builds on msc_image_new's checks, so its refusals are
 * tested one by one; the rest pins down small contracts readers rely on.
 */
#include "msc-image.h"
#include "msc-io-error.h"
#include "msc-test-util.h"

#include <string.h>

static void
assert_new_fails (guint w, guint h, guint bits, guint max, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_new (w, h, bits, max, &error);
  g_assert_null (image);
  g_assert_error (error, MSC_IO_ERROR, code);
}

static void
test_new_limits (void)
{
  assert_new_fails (0, 10, 8, 0, MSC_IO_ERROR_INVALID);
  assert_new_fails (10, 0, 8, 0, MSC_IO_ERROR_INVALID);
  assert_new_fails (MSC_IMAGE_MAX_DIMENSION_DEFAULT + 1, 1, 8, 0, MSC_IO_ERROR_TOO_LARGE);
  assert_new_fails (1, MSC_IMAGE_MAX_DIMENSION_DEFAULT + 1, 8, 0, MSC_IO_ERROR_TOO_LARGE);
  assert_new_fails (101, 5, 8, 100, MSC_IO_ERROR_TOO_LARGE);
  assert_new_fails (10, 10, 0, 0, MSC_IO_ERROR_UNSUPPORTED);
  assert_new_fails (10, 10, 17, 0, MSC_IO_ERROR_UNSUPPORTED);
  /* width x height x 2 overflows 64 bits long before memory runs out;
   * the check must fire before any allocation is tried. */
  assert_new_fails (G_MAXUINT, G_MAXUINT, 16, G_MAXUINT, MSC_IO_ERROR_TOO_LARGE);

  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) edge = msc_image_new (100, 1, 1, 100, &error);
  g_assert_no_error (error);
  g_autoptr (MscImage) big = msc_image_new (MSC_IMAGE_MAX_DIMENSION_DEFAULT, 1, 16, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_width (big), ==, MSC_IMAGE_MAX_DIMENSION_DEFAULT);
}

static void
test_new_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_new (7, 3, 12, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msc_image_get_width (image), ==, 7);
  g_assert_cmpuint (msc_image_get_height (image), ==, 3);
  g_assert_cmpuint (msc_image_get_bits_stored (image), ==, 12);
  for (guint i = 0; i < 21; i++)
    g_assert_cmpuint (msc_image_get_pixels (image)[i], ==, 0);
  g_assert_false (msc_image_get_monochrome1 (image));
  g_assert_cmpuint (msc_image_get_n_windows (image), ==, 0);
  g_assert_null (msc_image_get_voi_lut (image));
  g_assert_null (msc_image_get_path (image));
  g_assert_null (msc_image_get_format (image));
  g_assert_null (msc_image_get_patient (image));
  g_assert_cmpint (msc_image_get_instance_number (image), ==, -1);
  g_assert_cmpuint (msc_image_get_n_frames (image), ==, 1);
  g_assert_cmpint (msc_image_get_laterality (image), ==, MSC_LATERALITY_UNKNOWN);
  double row = -1, col = -1;
  g_assert_false (msc_image_get_spacing_mm (image, &row, &col));
  g_assert_cmpfloat (row, ==, 0);
  g_assert_null (msc_image_get_notes (image)[0]);
}

static void
test_notes (void)
{
  g_autoptr (MscImage) image = msc_image_new (1, 1, 8, 0, NULL);
  for (guint i = 0; i < 40; i++)
    {
      msc_image_add_note (image, "note %u of %s", i, "many");
      const char * const *notes = msc_image_get_notes (image);
      g_assert_cmpuint (g_strv_length ((char **) notes), ==, i + 1);
      g_assert_null (notes[i + 1]);
    }
  const char * const *notes = msc_image_get_notes (image);
  g_assert_cmpstr (notes[0], ==, "note 0 of many");
  g_assert_cmpstr (notes[39], ==, "note 39 of many");
  /* A '%' in a note is data when passed through "%s". */
  msc_image_add_note (image, "%s", "100% grey");
  g_assert_cmpstr (msc_image_get_notes (image)[40], ==, "100% grey");
}

static void
test_windows (void)
{
  g_autoptr (MscImage) image = msc_image_new (1, 1, 12, 0, NULL);
  msc_image_add_window (image, 2048, 4096, MSC_VOI_LINEAR, "full");
  msc_image_add_window (image, 1000, 500, MSC_VOI_SIGMOID, NULL);
  g_autofree char *text = g_strdup ("copied");
  msc_image_add_window (image, 5, 1, MSC_VOI_LINEAR_EXACT, text);
  text[0] = 'X';                /* the image keeps its own copy */
  g_assert_cmpuint (msc_image_get_n_windows (image), ==, 3);
  const MscWindow *w = msc_image_get_window (image, 0);
  g_assert_cmpfloat (w->center, ==, 2048);
  g_assert_cmpfloat (w->width, ==, 4096);
  g_assert_cmpint (w->function, ==, MSC_VOI_LINEAR);
  g_assert_cmpstr (w->explanation, ==, "full");
  w = msc_image_get_window (image, 1);
  g_assert_cmpint (w->function, ==, MSC_VOI_SIGMOID);
  g_assert_null (w->explanation);
  g_assert_cmpstr (msc_image_get_window (image, 2)->explanation, ==, "copied");

  g_assert_cmpstr (msc_voi_function_to_string (MSC_VOI_LINEAR), ==, "LINEAR");
  g_assert_cmpstr (msc_voi_function_to_string (MSC_VOI_LINEAR_EXACT), ==, "LINEAR_EXACT");
  g_assert_cmpstr (msc_voi_function_to_string (MSC_VOI_SIGMOID), ==, "SIGMOID");
}

static void
test_voi_lut_and_patient (void)
{
  g_autoptr (MscImage) image = msc_image_new (1, 1, 8, 0, NULL);
  MscVoiLut *lut = g_new0 (MscVoiLut, 1);
  lut->n_entries = 2;
  lut->data = g_new0 (guint16, 2);
  lut->bits = 8;
  msc_image_set_voi_lut (image, lut);
  g_assert_true (msc_image_get_voi_lut (image) == lut);
  /* Replacing frees the old one (ASan would see a leak otherwise). */
  MscVoiLut *second = g_new0 (MscVoiLut, 1);
  second->explanation = g_strdup ("second");
  msc_image_set_voi_lut (image, second);
  g_assert_cmpstr (msc_image_get_voi_lut (image)->explanation, ==, "second");

  MscPatient *patient = g_new0 (MscPatient, 1);
  patient->name = g_strdup ("Doe^Jane");
  msc_image_set_patient (image, patient);
  g_assert_cmpstr (msc_image_get_patient (image)->name, ==, "Doe^Jane");
  msc_image_set_patient (image, NULL);
  g_assert_null (msc_image_get_patient (image));

  msc_voi_lut_free (NULL);
  msc_patient_free (NULL);
}

static void
test_refcount (void)
{
  MscImage *image = msc_image_new (2, 2, 8, 0, NULL);
  msc_image_set_path (image, "a.png");
  g_assert_true (msc_image_ref (image) == image);
  msc_image_unref (image);
  g_assert_cmpstr (msc_image_get_path (image), ==, "a.png");
  msc_image_unref (image);
  msc_image_unref (NULL);       /* NULL-safe, as every _unref */
  g_autoptr (MscImage) empty = NULL;   /* autoptr cleanup of NULL too */
}

static void
test_strings (void)
{
  g_autoptr (MscImage) image = msc_image_new (1, 1, 8, 0, NULL);
  msc_image_set_format (image, "PNG");
  msc_image_set_format (image, "PGM");
  g_assert_cmpstr (msc_image_get_format (image), ==, "PGM");
  msc_image_set_format (image, NULL);
  g_assert_null (msc_image_get_format (image));
  /* Setting a field from its own value must not read freed memory. */
  msc_image_set_view (image, "MLO");
  msc_image_set_view (image, msc_image_get_view (image));
  g_assert_cmpstr (msc_image_get_view (image), ==, "MLO");

  msc_image_set_spacing_mm (image, 0.2, 0.1, "ImagerPixelSpacing");
  double row, col;
  g_assert_true (msc_image_get_spacing_mm (image, &row, &col));
  g_assert_cmpfloat (row, ==, 0.2);
  g_assert_cmpfloat (col, ==, 0.1);
  g_assert_cmpstr (msc_image_get_spacing_source (image), ==, "ImagerPixelSpacing");
  g_assert_true (msc_image_get_spacing_mm (image, NULL, NULL));
}

static void
test_laterality (void)
{
  static const struct { const char *text; MscLaterality value; } cases[] = {
    { "R", MSC_LATERALITY_RIGHT }, { "L", MSC_LATERALITY_LEFT }, { "B", MSC_LATERALITY_BOTH },
    { "r", MSC_LATERALITY_RIGHT }, { " l ", MSC_LATERALITY_LEFT }, { "L ", MSC_LATERALITY_LEFT },
    { "", MSC_LATERALITY_UNKNOWN }, { "X", MSC_LATERALITY_UNKNOWN }, { "RL", MSC_LATERALITY_UNKNOWN },
    { "LEFT", MSC_LATERALITY_UNKNOWN }, { NULL, MSC_LATERALITY_UNKNOWN },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (msc_laterality_from_string (cases[i].text), ==, cases[i].value);
  g_assert_cmpstr (msc_laterality_to_string (MSC_LATERALITY_RIGHT), ==, "R");
  g_assert_cmpstr (msc_laterality_to_string (MSC_LATERALITY_LEFT), ==, "L");
  g_assert_cmpstr (msc_laterality_to_string (MSC_LATERALITY_BOTH), ==, "B");
  g_assert_null (msc_laterality_to_string (MSC_LATERALITY_UNKNOWN));

  g_autoptr (MscImage) image = msc_image_new (1, 1, 8, 0, NULL);
  msc_image_set_laterality (image, MSC_LATERALITY_LEFT, TRUE);
  g_assert_cmpint (msc_image_get_laterality (image), ==, MSC_LATERALITY_LEFT);
  g_assert_true (msc_image_get_laterality_inferred (image));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/io/image/new/limits", test_new_limits);
  g_test_add_func ("/io/image/new/defaults", test_new_defaults);
  g_test_add_func ("/io/image/notes", test_notes);
  g_test_add_func ("/io/image/windows", test_windows);
  g_test_add_func ("/io/image/voi-lut-and-patient", test_voi_lut_and_patient);
  g_test_add_func ("/io/image/refcount", test_refcount);
  g_test_add_func ("/io/image/strings", test_strings);
  g_test_add_func ("/io/image/laterality", test_laterality);
  return g_test_run ();
}
