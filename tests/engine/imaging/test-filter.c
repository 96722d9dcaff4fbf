/* tests/engine/imaging/test-filter.c — median, Gaussian and unsharp
 * filters against OpenCV 4.6 (cv-filter.py) on MIAS images and 16-bit DICOM
 * planes, degenerate shapes, bad parameters.
 */
#include "msc-filter.h"
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* Writes an F32 plane as raw float32 and returns "path.f32@WxH". */
static char *
write_f32 (const MscPlane *p)
{
  static guint counter;
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *path = g_strdup_printf ("%s/filter-%u.f32", dir, counter++);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, (const char *) msc_plane_peek_f32 (p),
                       (gssize) (msc_plane_get_n_pixels (p) * sizeof (float)), &error);
  g_assert_no_error (error);
  return g_strdup_printf ("%s@%ux%u", path, msc_plane_get_width (p), msc_plane_get_height (p));
}

/* cv-filter.py OP on plane with params; NULL after a skip. */
static MscPlane *
reference (const char *op, const MscPlane *plane, const char *p1, const char *p2, const char *p3)
{
  static guint counter;
  gboolean f32 = msc_plane_get_format (plane) == MSC_PLANE_F32;
  g_autofree char *in = f32 ? write_f32 (plane) : msc_imaging_test_write_png (plane);
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *out = f32 ? g_strdup_printf ("%s/ref-%u.f32@%ux%u", dir, counter++,
                                                msc_plane_get_width (plane), msc_plane_get_height (plane))
                             : g_strdup_printf ("%s/ref-%u.png", dir, counter++);
  const char *args[] = { op, in, out, p1, p2, p3, NULL };
  g_autofree char *stdout_text = msc_imaging_test_python ("cv-filter.py", args);
  if (stdout_text == NULL)
    return NULL;
  if (f32)
    {
      *strchr (out, '@') = '\0';
      return msc_imaging_test_read_f32 (out, msc_plane_get_width (plane), msc_plane_get_height (plane));
    }
  return msc_imaging_test_read_png (out);
}

/* MIAS image * 257 + uniform noise in [0, 256]: arbitrary 16-bit values,
 * not multiples of anything, to catch a median that assumes 12 bits. */
static MscPlane *
noisy_u16 (guint number)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (number);
  if (img == NULL)
    return NULL;
  g_autoptr (GError) error = NULL;
  MscPlane *p = msc_plane_new (MSC_PLANE_U16, msc_plane_get_width (img), msc_plane_get_height (img), &error);
  g_assert_no_error (error);
  g_autoptr (GRand) rand = g_rand_new_with_seed (number);
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    msc_plane_u16 (p)[i] = (guint16) MIN (65535u, msc_plane_peek_u8 (img)[i] * 257u
                                                  + (guint) g_rand_int_range (rand, 0, 257));
  return p;
}

static MscPlane *
filled (MscPlaneFormat format, guint w, guint h, double value)
{
  g_autoptr (GError) error = NULL;
  MscPlane *p = msc_plane_new (format, w, h, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    switch (format)
      {
      case MSC_PLANE_U8: msc_plane_u8 (p)[i] = (guint8) value; break;
      case MSC_PLANE_U16: msc_plane_u16 (p)[i] = (guint16) value; break;
      default: msc_plane_f32 (p)[i] = (float) value; break;
      }
  return p;
}

/* A deterministic ramp + noise plane for odd shapes. */
static MscPlane *
random_plane (MscPlaneFormat format, guint w, guint h, guint seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  MscPlane *p = filled (format, w, h, 0);
  double hi = format == MSC_PLANE_U8 ? 255 : format == MSC_PLANE_U16 ? 65535 : 1000;
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    {
      double v = g_rand_double_range (rand, 0, hi);
      switch (format)
        {
        case MSC_PLANE_U8: msc_plane_u8 (p)[i] = (guint8) v; break;
        case MSC_PLANE_U16: msc_plane_u16 (p)[i] = (guint16) v; break;
        default: msc_plane_f32 (p)[i] = (float) v; break;
        }
    }
  return p;
}

static void
check_median (const MscPlane *src, guint ksize, MscThreadPool *pool)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) ours = msc_filter_median (src, ksize, pool, &error);
  g_assert_no_error (error);
  g_autofree char *k = g_strdup_printf ("%u", ksize);
  g_autoptr (MscPlane) ref = reference ("median", src, k, NULL, NULL);
  if (ref)
    msc_imaging_test_assert_close (ours, ref, 0, 0);    /* the median is exact */
}

static void
test_median_mias (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  const guint images[] = { 1, 28, 115, 209 };   /* present in the shared MIAS set */
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autoptr (MscPlane) img = msc_imaging_test_mias (images[i]);
      if (img == NULL)
        return;
      check_median (img, 3, i % 2 ? pool : NULL);
      check_median (img, 5, i % 2 ? NULL : pool);
    }
}

static void
test_median_u16 (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) dicom = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (dicom == NULL)
    return;
  check_median (dicom, 3, pool);
  check_median (dicom, 5, NULL);
  g_autoptr (MscPlane) noisy = noisy_u16 (28);
  check_median (noisy, 3, NULL);
  check_median (noisy, 5, pool);
}

static void
test_median_degenerate (void)
{
  const guint shapes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 }, { 2, 3 }, { 7, 5 },
                                /* odd width past one 256-column block */
                                { 517, 9 } };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint f = 1; f <= 2; f++)
      {
        g_autoptr (MscPlane) p = random_plane (f, shapes[s][0], shapes[s][1], s);
        check_median (p, 3, NULL);
        check_median (p, 5, NULL);
      }
  /* constant planes stay constant */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) white = filled (MSC_PLANE_U16, 33, 17, 65535);
  g_autoptr (MscPlane) m = msc_filter_median (white, 5, NULL, &error);
  msc_imaging_test_assert_close (m, white, 0, 0);
  g_autoptr (MscPlane) black = filled (MSC_PLANE_U8, 33, 17, 0);
  g_autoptr (MscPlane) m2 = msc_filter_median (black, 3, NULL, &error);
  msc_imaging_test_assert_close (m2, black, 0, 0);
}

static void
test_median_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = filled (MSC_PLANE_U8, 4, 4, 1);
  g_assert_null (msc_filter_median (p, 4, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "median: kernel size 4"));
  g_clear_error (&error);
  g_assert_null (msc_filter_median (p, 7, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_autoptr (MscPlane) f = filled (MSC_PLANE_F32, 4, 4, 1);
  g_assert_null (msc_filter_median (f, 3, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_null (msc_filter_median (NULL, 3, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
}

/* Tolerances. U8 and U16 are exact: like OpenCV's bit-exact paths we
 * quantise the kernel to 8 (U8) / 16 (U16) fraction bits with the same
 * carried rounding, sum in integers and round once (measured: 0 differing
 * pixels on every case here). F32: OpenCV sums in float in another order;
 * 1e-2 absolute on values up to 1000 (float epsilon x 1000 x taps). */
#define GAUSS_U8_FRACTION 0.0
#define GAUSS_U16_FRACTION 0.0

static void
check_gaussian (const MscPlane *src, double sigma, guint ksize, MscThreadPool *pool)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) ours = msc_filter_gaussian (src, sigma, ksize, pool, &error);
  g_assert_no_error (error);
  g_autofree char *s = g_strdup_printf ("%.17g", sigma);
  g_autofree char *k = g_strdup_printf ("%u", ksize);
  g_autoptr (MscPlane) ref = reference ("gaussian", src, s, k, NULL);
  if (ref == NULL)
    return;
  switch (msc_plane_get_format (src))
    {
    case MSC_PLANE_U8: msc_imaging_test_assert_close (ours, ref, 0, GAUSS_U8_FRACTION); break;
    case MSC_PLANE_U16: msc_imaging_test_assert_close (ours, ref, 0, GAUSS_U16_FRACTION); break;
    default: msc_imaging_test_assert_close (ours, ref, 1e-2, 0); break;   /* values up to 1000 */
    }
  if (g_test_verbose ())
    {
      g_autoptr (MscPlane) exact = NULL;
      gsize diff = 0, n = msc_plane_get_n_pixels (src);
      g_autoptr (MscPlane) a = msc_plane_convert (ours, MSC_PLANE_F32, NULL);
      g_autoptr (MscPlane) b = msc_plane_convert (ref, MSC_PLANE_F32, NULL);
      for (gsize i = 0; i < n; i++)
        diff += msc_plane_peek_f32 (a)[i] != msc_plane_peek_f32 (b)[i];
      g_test_message ("gaussian format %d sigma %g ksize %u %ux%u: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " differ",
                      msc_plane_get_format (src), sigma, ksize, msc_plane_get_width (src),
                      msc_plane_get_height (src), diff, n);
    }
}

static void
test_gaussian_mias (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) img = msc_imaging_test_mias (115);
  if (img == NULL)
    return;
  check_gaussian (img, 0.8, 0, pool);
  check_gaussian (img, 1.5, 0, NULL);
  check_gaussian (img, 3.0, 0, pool);
  check_gaussian (img, 7.0, 0, pool);
  check_gaussian (img, 2.0, 5, pool);
  check_gaussian (img, 1.0, 31, pool);
}

static void
test_gaussian_u16_f32 (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) dicom = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (dicom == NULL)
    return;
  check_gaussian (dicom, 1.0, 0, pool);
  check_gaussian (dicom, 4.0, 0, NULL);
  g_autoptr (MscPlane) noisy = noisy_u16 (209);
  check_gaussian (noisy, 2.5, 0, pool);
  g_autoptr (MscPlane) f = random_plane (MSC_PLANE_F32, 301, 257, 5);
  check_gaussian (f, 1.2, 0, pool);
  check_gaussian (f, 6.0, 9, NULL);
}

static void
test_gaussian_degenerate (void)
{
  const guint shapes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 }, { 3, 2 } };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint f = 1; f <= 4; f *= 2)
      {
        g_autoptr (MscPlane) p = random_plane (f, shapes[s][0], shapes[s][1], 10 + s);
        check_gaussian (p, 3.0, 0, NULL);      /* kernel wider than the image */
      }
  g_autoptr (GError) error = NULL;
  /* U8 all-white: OpenCV's rounded 8-bit taps need not sum to 1, so the
   * reference itself is the check (exact, tolerance 0 on every pixel). */
  g_autoptr (MscPlane) white = filled (MSC_PLANE_U8, 40, 9, 255);
  check_gaussian (white, 9.0, 0, NULL);
  g_autoptr (MscPlane) black = filled (MSC_PLANE_U8, 40, 9, 0);
  g_autoptr (MscPlane) g = msc_filter_gaussian (black, 9.0, 0, NULL, &error);
  msc_imaging_test_assert_close (g, black, 0, 0);
  g_autoptr (MscPlane) white16 = filled (MSC_PLANE_U16, 40, 9, 65535);
  g_autoptr (MscPlane) g16 = msc_filter_gaussian (white16, 9.0, 0, NULL, &error);
  msc_imaging_test_assert_close (g16, white16, 0, 0);
}

static void
test_gaussian_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = filled (MSC_PLANE_U8, 4, 4, 1);
  const double bad_sigma[] = { 0, -1, NAN, INFINITY };
  for (guint i = 0; i < G_N_ELEMENTS (bad_sigma); i++)
    {
      g_assert_null (msc_filter_gaussian (p, bad_sigma[i], 0, NULL, &error));
      g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "gaussian: sigma"));
      g_clear_error (&error);
    }
  g_assert_null (msc_filter_gaussian (p, 1.0, 4, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_filter_gaussian (NULL, 1.0, 3, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
}

static void
check_unsharp (const MscPlane *src, double sigma, double amount, double tolerance, double fraction)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) ours = msc_filter_unsharp (src, sigma, amount, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *s = g_strdup_printf ("%.17g", sigma);
  g_autofree char *a = g_strdup_printf ("%.17g", amount);
  g_autofree char *hi = g_strdup_printf ("%u", msc_plane_get_max_value (src));
  g_autoptr (MscPlane) ref = reference ("unsharp", src, s, a, hi);
  if (ref)
    msc_imaging_test_assert_close (ours, ref, tolerance, fraction);
}

static void
test_unsharp (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (28);
  g_autoptr (MscPlane) dicom = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (img == NULL || dicom == NULL)
    return;
  /* The blur is exact (see above); the reference then computes
   * src + amount (src - blur) in double and we in float, so a result that
   * lands within float rounding of .5 may round the other way: 1 level on
   * at most 0.1% of the pixels. */
  check_unsharp (img, 2.0, 1.5, 1, 0.001);
  check_unsharp (dicom, 3.0, 0.7, 1, 0.001);
  g_autoptr (MscPlane) f = random_plane (MSC_PLANE_F32, 64, 50, 3);
  check_unsharp (f, 1.0, 2.0, 0.05, 0);

  g_autoptr (GError) error = NULL;
  g_assert_null (msc_filter_unsharp (img, 2.0, -1, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_filter_unsharp (img, 2.0, NAN, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_filter_unsharp (img, 0, 1, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  const guint shapes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 } };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      g_autoptr (MscPlane) p = random_plane (MSC_PLANE_U8, shapes[s][0], shapes[s][1], s);
      check_unsharp (p, 2.0, 1.0, 1, 0.001);
      g_autoptr (MscPlane) white = filled (MSC_PLANE_U16, shapes[s][0], shapes[s][1], 65535);
      g_autoptr (MscPlane) u = msc_filter_unsharp (white, 2.0, 3.0, NULL, &error);
      msc_imaging_test_assert_close (u, white, 0, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/filter/median/mias", test_median_mias);
  g_test_add_func ("/imaging/filter/median/u16", test_median_u16);
  g_test_add_func ("/imaging/filter/median/degenerate", test_median_degenerate);
  g_test_add_func ("/imaging/filter/median/errors", test_median_errors);
  g_test_add_func ("/imaging/filter/gaussian/mias", test_gaussian_mias);
  g_test_add_func ("/imaging/filter/gaussian/u16-f32", test_gaussian_u16_f32);
  g_test_add_func ("/imaging/filter/gaussian/degenerate", test_gaussian_degenerate);
  g_test_add_func ("/imaging/filter/gaussian/errors", test_gaussian_errors);
  g_test_add_func ("/imaging/filter/unsharp", test_unsharp);
  return g_test_run ();
}
