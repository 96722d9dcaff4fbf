/* tests/engine/imaging/test-preprocess.c — the preprocessing chain: steps
 * in order, the source -> result transform (finding centres must land on
 * the same tissue after crop, flip and resampling), MONOCHROME1 handled
 * like MONOCHROME2, bad step lists and cancellation.
 */
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-load.h"
#include "msc-preprocess.h"
#include "msc-test-util.h"

#include <math.h>
#include <string.h>

/* mdb001 (right MLO) is the usual subject; its finding is a circumscribed
 * mass at (535, 1023 - 425) with radius 197. */
static void
test_default_chain (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (1);
  if (img == NULL)
    return;
  MscPreprocessOptions opts;
  msc_preprocess_options_init (&opts);
  opts.keep_stages = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run_plane (img, 0.2, 0.2, NULL, &opts, NULL, NULL, &error);
  g_assert_no_error (error);

  g_auto (GStrv) names = g_strsplit (MSC_PREPROCESS_DEFAULT_STEPS, ",", -1);
  g_assert_cmpuint (msc_preprocess_get_n_stages (pre), ==, g_strv_length (names));
  for (guint i = 0; names[i]; i++)
    {
      const MscPreprocessStage *s = msc_preprocess_get_stage (pre, i);
      g_assert_cmpstr (s->name, ==, names[i]);
      g_assert_nonnull (s->plane);
      g_assert_nonnull (s->summary);
      g_assert_cmpfloat (s->seconds, >=, 0);
    }

  /* The result is the breast only: smaller than the film, chest wall left. */
  const MscPlane *out = msc_preprocess_get_plane (pre);
  const MscPlane *mask = msc_preprocess_get_mask (pre);
  g_assert_nonnull (mask);
  g_assert_cmpuint (msc_plane_get_width (out), <, 1024);
  g_assert_cmpuint (msc_plane_get_width (mask), ==, msc_plane_get_width (out));
  g_assert_true (msc_preprocess_get_flipped (pre));   /* right breast: chest wall on the right in MIAS */

  /* The finding centre maps into the result, inside the mask, and back. */
  const MscAffine *t = msc_preprocess_get_transform (pre);
  double x, y, bx, by;
  msc_affine_apply (t, 535, 1023 - 425, &x, &y);
  g_assert_cmpfloat (x, >=, 0);
  g_assert_cmpfloat (y, >=, 0);
  g_assert_cmpfloat (x, <, msc_plane_get_width (out));
  g_assert_cmpfloat (y, <, msc_plane_get_height (out));
  g_assert_cmpuint (msc_plane_peek_u8 (mask)[(gsize) lround (y) * msc_plane_get_width (mask) + lround (x)], ==, 255);
  MscAffine inverse;
  g_assert_true (msc_affine_invert (t, &inverse));
  msc_affine_apply (&inverse, x, y, &bx, &by);
  g_assert_cmpfloat_with_epsilon (bx, 535, 1e-9);
  g_assert_cmpfloat_with_epsilon (by, 1023 - 425, 1e-9);
}

/* Crop and flip move pixels without changing them: the result pixel at
 * the mapped position is the source pixel (after the median). */
static void
test_transform_exact (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (2);
  if (img == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run_plane (img, 0, 0, "mask,artefacts,orient,crop",
                                                            NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (MscPreprocess) masked = msc_preprocess_run_plane (img, 0, 0, "mask,artefacts",
                                                               NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  const MscPlane *out = msc_preprocess_get_plane (pre), *ref = msc_preprocess_get_plane (masked);
  const MscAffine *t = msc_preprocess_get_transform (pre);
  guint w = msc_plane_get_width (out);
  for (guint y = 0; y < 1024; y += 7)
    for (guint x = 0; x < 1024; x += 5)
      {
        double rx, ry;
        msc_affine_apply (t, x, y, &rx, &ry);
        if (rx < 0 || ry < 0 || rx >= w || ry >= msc_plane_get_height (out))
          continue;
        g_assert_cmpfloat (fabs (rx - lround (rx)), <, 1e-9);
        g_assert_cmpuint (msc_plane_peek_u8 (out)[(gsize) lround (ry) * w + lround (rx)], ==,
                          msc_plane_peek_u8 (ref)[(gsize) y * 1024 + x]);
      }
}

static void
test_resample_normalize (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (5);
  if (img == NULL)
    return;
  MscPreprocessOptions opts;
  msc_preprocess_options_init (&opts);
  opts.target_mm = 0.4;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run_plane (img, 0.2, 0.2,
                                                            "median,mask,crop,resample,clahe,normalize",
                                                            &opts, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (msc_preprocess_get_spacing_mm (pre), 0.4, 1e-12);
  const MscPlane *out = msc_preprocess_get_plane (pre);
  g_assert_cmpint (msc_plane_get_format (out), ==, MSC_PLANE_F32);
  g_assert_cmpuint (msc_plane_get_height (out), <=, 512);

  /* Zero mean and unit variance inside the breast, finite everywhere. */
  const MscPlane *mask = msc_preprocess_get_mask (pre);
  double sum = 0, sum2 = 0;
  gsize n = 0;
  for (gsize i = 0; i < msc_plane_get_n_pixels (out); i++)
    {
      float v = msc_plane_peek_f32 (out)[i];
      g_assert_true (isfinite (v));
      if (msc_plane_peek_u8 (mask)[i])
        {
          sum += v;
          sum2 += (double) v * v;
          n++;
        }
    }
  g_assert_cmpuint (n, >, 1000);
  g_assert_cmpfloat (fabs (sum / n), <, 1e-3);
  g_assert_cmpfloat (fabs (sum2 / n - 1), <, 1e-2);
}

/* A MONOCHROME1 file must preprocess like its MONOCHROME2 twin. */
static void
test_monochrome1 (void)
{
  g_autofree char *mono1 = msc_test_shared_path ("dicom/mdb039-mono1.dcm");
  g_autoptr (MscPlane) png = msc_imaging_test_mias (39);
  if (mono1 == NULL || png == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_load (mono1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (msc_image_get_monochrome1 (image));
  const char *steps = "median,mask,artefacts,orient,crop";
  g_autoptr (MscPreprocess) a = msc_preprocess_run (image, steps, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* The twin: 16 x the PNG, 12 bits (the manifest's x16 rule). */
  g_autoptr (MscPlane) twin = msc_plane_convert (png, MSC_PLANE_U16, &error);
  for (gsize i = 0; i < msc_plane_get_n_pixels (twin); i++)
    msc_plane_u16 (twin)[i] *= 16;
  msc_plane_set_bits (twin, 12);
  g_autoptr (MscPreprocess) b = msc_preprocess_run_plane (twin, 0.2, 0.2, steps, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  msc_imaging_test_assert_close (msc_preprocess_get_plane (a), msc_preprocess_get_plane (b), 0, 0);
}

static void
test_bad_steps (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) img = msc_plane_new (MSC_PLANE_U8, 64, 64, &error);
  struct { const char *steps; int code; const char *says; } cases[] = {
    { "median,sharpen", MSC_IMAGING_ERROR_INVALID, "unknown step “sharpen”" },
    { "", MSC_IMAGING_ERROR_INVALID, "no steps" },
    { " , ,", MSC_IMAGING_ERROR_INVALID, "no steps" },
    { "artefacts", MSC_IMAGING_ERROR_INVALID, "needs “mask”" },
    { "crop", MSC_IMAGING_ERROR_INVALID, "needs “mask”" },
    { "resample", MSC_IMAGING_ERROR_INVALID, "no pixel spacing" },
    { "mask", MSC_IMAGING_ERROR_NOT_FOUND, "mask: " },     /* all black: no breast */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (MscPreprocess) pre = msc_preprocess_run_plane (img, 0, 0, cases[i].steps, NULL, NULL, NULL, &error);
      g_assert_null (pre);
      g_assert_error (error, MSC_IMAGING_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_clear_error (&error);
    }

  /* A geometry step in between invalidates the segmentation. */
  g_autoptr (MscPlane) real = msc_imaging_test_mias (3);
  if (real == NULL)
    return;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run_plane (real, 0, 0, "mask,crop,pectoral", NULL, NULL, NULL, &error);
  g_assert_null (pre);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "pectoral: "));
}

static void
test_cancel_and_async (void)
{
  g_autoptr (MscPlane) img = msc_plane_new (MSC_PLANE_U8, 32, 32, NULL);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPreprocess) pre = msc_preprocess_run_plane (img, 0, 0, "median", NULL, NULL, cancel, &error);
  g_assert_null (pre);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_CANCELLED);
}

static void
async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MscPreprocess **out = data;
  g_autoptr (GError) error = NULL;
  *out = msc_preprocess_run_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autofree char *path = msc_test_shared_path ("dicom/mdb001-explicit-le.dcm");
  if (path == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
  g_assert_no_error (error);
  MscPreprocess *pre = NULL;
  msc_preprocess_run_async (image, NULL, NULL, NULL, async_done, &pre);
  while (pre == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (msc_plane_get_format (msc_preprocess_get_plane (pre)), ==, MSC_PLANE_U16);
  msc_preprocess_free (pre);
}

/* The muscle is sought on MLO views only: on a CC view the step says so. */
static void
test_pectoral_mlo_only (void)
{
  g_autofree char *path = msc_test_shared_path ("mias/images/mdb001.png");
  if (path == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
  g_assert_no_error (error);
  const char *views[] = { "CC", "MLO" };
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      msc_image_set_view (image, views[i]);
      g_autoptr (MscPreprocess) pre = msc_preprocess_run (image, "mask,pectoral", NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      const char *summary = msc_preprocess_get_stage (pre, 1)->summary;
      g_assert_cmpint (strstr (summary, "not an MLO view") != NULL, ==, i == 0);
      g_assert_cmpint (msc_preprocess_get_pectoral (pre) != NULL, ==, i == 1);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/preprocess/default-chain", test_default_chain);
  g_test_add_func ("/imaging/preprocess/transform-exact", test_transform_exact);
  g_test_add_func ("/imaging/preprocess/resample-normalize", test_resample_normalize);
  g_test_add_func ("/imaging/preprocess/monochrome1", test_monochrome1);
  g_test_add_func ("/imaging/preprocess/bad-steps", test_bad_steps);
  g_test_add_func ("/imaging/preprocess/cancel", test_cancel_and_async);
  g_test_add_func ("/imaging/preprocess/async", test_async);
  g_test_add_func ("/imaging/preprocess/pectoral-mlo-only", test_pectoral_mlo_only);
  return g_test_run ();
}
