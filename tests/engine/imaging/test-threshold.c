/* tests/engine/imaging/test-threshold.c — Otsu, fixed and adaptive
 * thresholds against OpenCV 4.6 (cv-regions.py) on all MIAS images, on
 * 16-bit DICOM pixels and on degenerate inputs; parameter errors.
 */
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-threshold.h"
#include "msc-test-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static guint
otsu_or_fail (const MscPlane *p, const MscPlane *mask)
{
  g_autoptr (GError) error = NULL;
  guint t = 12345;
  g_assert_true (msc_threshold_otsu (p, mask, &t, &error));
  g_assert_no_error (error);
  return t;
}

static guint
python_uint (const char * const *args)
{
  g_autofree char *out = msc_imaging_test_python ("cv-regions.py", args);
  if (out == NULL)
    return G_MAXUINT;
  return (guint) strtoul (out, NULL, 10);
}

/* One Python run prints cv2's Otsu value for every MIAS image; ours must
 * be identical (same histogram, same recurrence) on all 238. */
static void
test_otsu_mias_all (void)
{
  g_autofree char *dir = msc_test_shared_path ("mias/images");
  if (dir == NULL)
    return;
  const char *args[] = { "otsu-dir", dir, NULL };
  g_autofree char *out = msc_imaging_test_python ("cv-regions.py", args);
  if (out == NULL)
    return;
  g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
  guint checked = 0;
  for (guint i = 0; lines[i]; i++)
    {
      guint number = 0, expected = 0;
      g_assert_cmpint (sscanf (lines[i], "mdb%u %u", &number, &expected), ==, 2);
      g_autoptr (MscPlane) img = msc_imaging_test_mias (number);
      g_assert_nonnull (img);
      guint got = otsu_or_fail (img, NULL);
      if (got != expected)
        g_error ("mdb%03u: otsu %u, cv2 %u", number, got, expected);
      checked++;
    }
  g_assert_cmpuint (checked, ==, 238);
}

/* OpenCV 4.6 accepts CV_16U for THRESH_OTSU (65536 bins), so 16-bit
 * values are compared exactly too: a 12-bit DICOM plane and a 3328 x 4096
 * upscale (13.6 M pixels, where one pixel is below FLT_EPSILON of the
 * total and OpenCV's guard skips bins: the recurrence must match). */
static void
test_otsu_u16 (void)
{
  g_autoptr (MscPlane) dcm = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (dcm == NULL)
    return;
  g_autofree char *path = msc_imaging_test_write_png (dcm);
  const char *args[] = { "otsu", path, NULL };
  guint expected = python_uint (args);
  if (expected == G_MAXUINT)
    return;
  g_assert_cmpuint (otsu_or_fail (dcm, NULL), ==, expected);

  g_autofree char *mias = msc_test_shared_path ("mias/images/mdb005.png");
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *large_path = g_build_filename (dir, "large.png", NULL);
  const char *make[] = { "large", mias, large_path, NULL };
  g_free (msc_imaging_test_python ("cv-regions.py", make));
  g_autoptr (MscPlane) large = msc_imaging_test_read_png (large_path);
  g_assert_cmpuint (msc_plane_get_format (large), ==, MSC_PLANE_U16);
  const char *args2[] = { "otsu", large_path, NULL };
  g_assert_cmpuint (otsu_or_fail (large, NULL), ==, python_uint (args2));
}

/* cv2.threshold takes no mask, so masked Otsu is compared with the numpy
 * implementation of the same maximisation in cv-regions.py (float64,
 * first maximum); the mask is the non-background of each image. */
static void
test_otsu_mask (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (13);
  g_autoptr (MscPlane) dcm = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (img == NULL || dcm == NULL)
    return;
  g_autoptr (GError) error = NULL;
  const MscPlane *planes[] = { img, dcm };
  for (guint k = 0; k < 2; k++)
    {
      g_autoptr (MscPlane) mask = msc_threshold_apply (planes[k], k == 0 ? 20 : 320, &error);
      g_assert_no_error (error);
      g_autofree char *ip = msc_imaging_test_write_png (planes[k]);
      g_autofree char *mp = msc_imaging_test_write_png (mask);
      const char *args[] = { "otsu-numpy", ip, mp, NULL };
      guint expected = python_uint (args);
      if (expected == G_MAXUINT)
        return;
      guint masked = otsu_or_fail (planes[k], mask);
      g_assert_cmpuint (masked, ==, expected);
      /* Removing the dark background moves the threshold up. */
      g_assert_cmpuint (masked, >, otsu_or_fail (planes[k], NULL));
    }
}

static MscPlane *
filled (MscPlaneFormat format, guint w, guint h, guint value)
{
  g_autoptr (GError) error = NULL;
  MscPlane *p = msc_plane_new (format, w, h, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    if (format == MSC_PLANE_U8)
      msc_plane_u8 (p)[i] = (guint8) value;
    else
      msc_plane_u16 (p)[i] = (guint16) value;
  return p;
}

/* Constant images have no between-class variance: threshold 0, as cv2. */
static void
test_otsu_degenerate (void)
{
  guint sizes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 }, { 64, 64 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint v = 0; v <= 255; v += 255)
      {
        g_autoptr (MscPlane) p = filled (MSC_PLANE_U8, sizes[s][0], sizes[s][1], v);
        g_assert_cmpuint (otsu_or_fail (p, NULL), ==, 0);
        g_autoptr (MscPlane) q = filled (MSC_PLANE_U16, sizes[s][0], sizes[s][1], v * 16);
        g_assert_cmpuint (otsu_or_fail (q, NULL), ==, 0);
      }
  /* Two values: the threshold is the lower one (class 1 is <= t). */
  g_autoptr (MscPlane) two = filled (MSC_PLANE_U8, 1, 10000, 10);
  msc_plane_u8 (two)[5000] = 200;
  g_assert_cmpuint (otsu_or_fail (two, NULL), ==, 10);
  g_autofree char *path = msc_imaging_test_write_png (two);
  const char *args[] = { "otsu", path, NULL };
  guint expected = python_uint (args);
  if (expected != G_MAXUINT)
    g_assert_cmpuint (expected, ==, 10);
}

static void
test_otsu_errors (void)
{
  g_autoptr (GError) error = NULL;
  guint t = 7;
  g_autoptr (MscPlane) img = filled (MSC_PLANE_U8, 8, 8, 3);
  g_autoptr (MscPlane) empty_mask = filled (MSC_PLANE_U8, 8, 8, 0);
  g_assert_false (msc_threshold_otsu (img, empty_mask, &t, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "otsu"));
  g_assert_cmpuint (t, ==, 7);     /* untouched on failure */
  g_clear_error (&error);

  g_autoptr (MscPlane) small_mask = filled (MSC_PLANE_U8, 8, 7, 255);
  g_assert_false (msc_threshold_otsu (img, small_mask, &t, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);

  g_autoptr (MscPlane) u16_mask = filled (MSC_PLANE_U16, 8, 8, 255);
  g_assert_false (msc_threshold_otsu (img, u16_mask, &t, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);

  g_autoptr (MscPlane) f = msc_plane_convert (img, MSC_PLANE_F32, &error);
  g_assert_false (msc_threshold_otsu (f, NULL, &t, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
}

static void
test_apply (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = filled (MSC_PLANE_U16, 4, 1, 0);
  guint16 *v = msc_plane_u16 (p);
  v[0] = 0; v[1] = 100; v[2] = 101; v[3] = 65535;
  g_autoptr (MscPlane) m = msc_threshold_apply (p, 100.5, &error);
  g_assert_no_error (error);
  const guint8 *o = msc_plane_peek_u8 (m);
  g_assert_cmpuint (o[0], ==, 0);
  g_assert_cmpuint (o[1], ==, 0);
  g_assert_cmpuint (o[2], ==, 255);
  g_assert_cmpuint (o[3], ==, 255);
  g_autoptr (MscPlane) all = msc_threshold_apply (p, -1e300, &error);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (msc_plane_peek_u8 (all)[i], ==, 255);
  g_autoptr (MscPlane) none = msc_threshold_apply (p, 1e300, &error);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (msc_plane_peek_u8 (none)[i], ==, 0);

  g_autoptr (MscPlane) f = msc_plane_convert (p, MSC_PLANE_F32, &error);
  msc_plane_f32 (f)[3] = NAN;                      /* NaN is background */
  g_autoptr (MscPlane) fm = msc_threshold_apply (f, 100, &error);
  g_assert_cmpuint (msc_plane_peek_u8 (fm)[2], ==, 255);
  g_assert_cmpuint (msc_plane_peek_u8 (fm)[3], ==, 0);

  g_assert_null (msc_threshold_apply (p, NAN, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
}

static MscPlane *
cv_adaptive (const MscPlane *img, const char *method, guint block, double c)
{
  g_autofree char *in = msc_imaging_test_write_png (img);
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *out = g_strdup_printf ("%s/adaptive-%s-%u.png", dir, method, block);
  g_autofree char *bs = g_strdup_printf ("%u", block);
  char cs[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (cs, sizeof cs, c);
  const char *args[] = { "adaptive", in, out, method, bs, cs, NULL };
  g_autofree char *res = msc_imaging_test_python ("cv-regions.py", args);
  return res ? msc_imaging_test_read_png (out) : NULL;
}

/* Mean: exact. The box sum is an integer and OpenCV rounds the mean to
 * nearest like we do, so every pixel must agree, for small blocks (16-bit
 * sums inside OpenCV) and large ones (32-bit sums). */
static void
test_adaptive_mean (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (23);
  if (img == NULL)
    return;
  struct { guint block; double c; } cases[] = { { 3, 0 }, { 11, 2 }, { 15, -3.5 }, { 17, 5 }, { 51, 1.5 } };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (MscPlane) ref = cv_adaptive (img, "mean", cases[k].block, cases[k].c);
      if (ref == NULL)
        return;
      g_autoptr (GError) error = NULL;
      g_autoptr (MscPlane) got = msc_threshold_adaptive (img, MSC_ADAPTIVE_MEAN, cases[k].block,
                                                         cases[k].c, &error);
      g_assert_no_error (error);
      msc_imaging_test_assert_close (got, ref, 0, 0);
    }
}

/* Gaussian: OpenCV blurs 8-bit images with a bit-exact fixed-point filter
 * whose rounded mean can differ from our float one by one grey level where
 * the exact value is near .5; a pixel then flips only when src - mean sits
 * exactly at the decision boundary. Measured on mdb023: 0, 0, 3 and 1 of
 * 1048576 pixels differ for blocks 3, 7, 11, 31 (the 3 and 7 taps are
 * dyadic, so float is exact there); the bound asserted is 1e-4 (105). */
static void
test_adaptive_gaussian (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (23);
  if (img == NULL)
    return;
  guint blocks[] = { 3, 7, 11, 31 };
  for (guint k = 0; k < G_N_ELEMENTS (blocks); k++)
    {
      g_autoptr (MscPlane) ref = cv_adaptive (img, "gaussian", blocks[k], 2);
      if (ref == NULL)
        return;
      g_autoptr (GError) error = NULL;
      g_autoptr (MscPlane) got = msc_threshold_adaptive (img, MSC_ADAPTIVE_GAUSSIAN, blocks[k], 2, &error);
      g_assert_no_error (error);
      gsize differ = 0;
      for (gsize i = 0; i < msc_plane_get_n_pixels (got); i++)
        differ += msc_plane_peek_u8 (got)[i] != msc_plane_peek_u8 (ref)[i];
      g_test_message ("gaussian block %u: %" G_GSIZE_FORMAT " pixels differ from cv2", blocks[k], differ);
      msc_imaging_test_assert_close (got, ref, 0, 1e-4);
    }
}

static void
test_adaptive_degenerate (void)
{
  guint sizes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint v = 0; v <= 255; v += 255)
      for (guint m = 0; m < 2; m++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (MscPlane) p = filled (MSC_PLANE_U8, sizes[s][0], sizes[s][1], v);
          /* A flat image equals its local mean: src > mean - c holds iff c > 0. */
          g_autoptr (MscPlane) pos = msc_threshold_adaptive (p, m, 31, 1, &error);
          g_assert_no_error (error);
          g_autoptr (MscPlane) neg = msc_threshold_adaptive (p, m, 31, -1, &error);
          for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
            {
              g_assert_cmpuint (msc_plane_peek_u8 (pos)[i], ==, 255);
              g_assert_cmpuint (msc_plane_peek_u8 (neg)[i], ==, 0);
            }
        }
}

static void
test_adaptive_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = filled (MSC_PLANE_U8, 16, 16, 9);
  guint bad_blocks[] = { 0, 1, 4, 10 };
  for (guint k = 0; k < G_N_ELEMENTS (bad_blocks); k++)
    {
      g_assert_null (msc_threshold_adaptive (p, MSC_ADAPTIVE_MEAN, bad_blocks[k], 0, &error));
      g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "block size"));
      g_clear_error (&error);
    }
  g_assert_null (msc_threshold_adaptive (p, MSC_ADAPTIVE_MEAN, 3, NAN, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_threshold_adaptive (p, (MscAdaptiveMethod) 7, 3, 0, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_autoptr (MscPlane) q = filled (MSC_PLANE_U16, 16, 16, 9);
  g_assert_null (msc_threshold_adaptive (q, MSC_ADAPTIVE_MEAN, 3, 0, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/threshold/otsu-mias-all", test_otsu_mias_all);
  g_test_add_func ("/imaging/threshold/otsu-u16", test_otsu_u16);
  g_test_add_func ("/imaging/threshold/otsu-mask", test_otsu_mask);
  g_test_add_func ("/imaging/threshold/otsu-degenerate", test_otsu_degenerate);
  g_test_add_func ("/imaging/threshold/otsu-errors", test_otsu_errors);
  g_test_add_func ("/imaging/threshold/apply", test_apply);
  g_test_add_func ("/imaging/threshold/adaptive-mean", test_adaptive_mean);
  g_test_add_func ("/imaging/threshold/adaptive-gaussian", test_adaptive_gaussian);
  g_test_add_func ("/imaging/threshold/adaptive-degenerate", test_adaptive_degenerate);
  g_test_add_func ("/imaging/threshold/adaptive-errors", test_adaptive_errors);
  return g_test_run ();
}
