/* tests/engine/imaging/test-enhance.c — msc-enhance against OpenCV 4.6
 * (CLAHE, bit-exact on MIAS, DICOM and synthetic U16 planes) and numpy
 * references of our own formulas (stretch, normalize); failure paths and
 * degenerate inputs (1x1, 1 x 10000, all black, all white, empty masks).
 */
#include "msc-enhance.h"
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-plane.h"
#include "msc-test-util.h"

#include <math.h>
#include <string.h>

/* CLAHE through cv-enhance.py; NULL after a skip. */
static MscPlane *
cv_clahe (const MscPlane *src, double clip, guint tx, guint ty)
{
  g_autofree char *in = msc_imaging_test_write_png (src);
  g_autofree char *out = g_strconcat (in, ".cv.png", NULL);
  g_autofree char *clip_s = g_strdup_printf ("%.17g", clip);
  g_autofree char *tx_s = g_strdup_printf ("%u", tx), *ty_s = g_strdup_printf ("%u", ty);
  const char *args[] = { "clahe", in, out, clip_s, tx_s, ty_s, NULL };
  g_autofree char *stdout_ = msc_imaging_test_python ("cv-enhance.py", args);
  return stdout_ ? msc_imaging_test_read_png (out) : NULL;
}

/* Ours with a 2-thread pool and inline must both equal OpenCV exactly:
 * the algorithm is integer histograms plus the same float expressions in
 * the same order, so there is no rounding slack to allow for. */
static void
check_clahe (const MscPlane *src, double clip, guint tx, guint ty)
{
  g_autoptr (MscPlane) ref = cv_clahe (src, clip, tx, ty);
  if (ref == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (2);
  g_autoptr (MscPlane) ours = msc_enhance_clahe (src, clip, tx, ty, pool, &error);
  g_assert_no_error (error);
  g_test_message ("clahe %ux%u clip %g on %ux%u", tx, ty, clip,
                  msc_plane_get_width (src), msc_plane_get_height (src));
  msc_imaging_test_assert_close (ours, ref, 0, 0);
  g_autoptr (MscPlane) inline_ = msc_enhance_clahe (src, clip, tx, ty, NULL, &error);
  g_assert_no_error (error);
  msc_imaging_test_assert_close (inline_, ref, 0, 0);
}

static void
test_clahe_mias_u8 (void)
{
  for (guint k = 0; k < 3; k++)
    {
      static const guint images[] = { 1, 28, 215 };
      g_autoptr (MscPlane) img = msc_imaging_test_mias (images[k]);
      if (img == NULL)
        return;
      check_clahe (img, 2.0, 8, 8);
      check_clahe (img, 4.0, 4, 4);
      check_clahe (img, 40.0, 8, 8);   /* default clip of cv2.createCLAHE */
    }
  g_autoptr (MscPlane) img = msc_imaging_test_mias (5);
  if (img == NULL)
    return;
  check_clahe (img, 1.0, 7, 5);      /* 1024 % 7, 1024 % 5: padded both ways */
  check_clahe (img, 3.0, 8, 3);      /* only y padded; x gets a whole extra tile */
  check_clahe (img, 0.0, 8, 8);      /* no clipping: plain AHE */
  check_clahe (img, -1.0, 2, 2);
  check_clahe (img, 2.0, 1, 1);
  check_clahe (img, 0.01, 16, 16);   /* clip below one count: clamped to 1 */
}

static void
test_clahe_dicom_u16 (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (img == NULL)
    return;
  check_clahe (img, 2.0, 8, 8);
  check_clahe (img, 3.0, 5, 6);
  check_clahe (img, 0.0, 4, 4);
}

/* The size the performance targets use: mdb001 upscaled to 3328 x 4096
 * and multiplied by 16 (12-bit values), with the 2-thread pool. */
static void
test_clahe_large_u16 (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *big = g_build_filename (dir, "large-u16.png", NULL);
  g_autofree char *mias = msc_test_shared_path ("mias/images/mdb001.png");
  if (mias == NULL)
    return;
  const char *args[] = { "upscale16", mias, big, NULL };
  g_autofree char *out = msc_imaging_test_python ("cv-enhance.py", args);
  if (out == NULL)
    return;
  g_autoptr (MscPlane) img = msc_imaging_test_read_png (big);
  g_assert_cmpuint (msc_plane_get_width (img), ==, 3328);
  check_clahe (img, 2.0, 8, 8);
}

static void
test_clahe_u16_arbitrary (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = msc_plane_new (MSC_PLANE_U16, 301, 203, &error);
  guint16 *v = msc_plane_u16 (p);
  GRand *rand = g_rand_new_with_seed (4);
  /* full 16-bit range plus a smooth ramp so tiles differ */
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    v[i] = (guint16) ((g_rand_int (rand) & 0x3fff) + (i % 301) * 160);
  g_rand_free (rand);
  check_clahe (p, 2.0, 8, 8);
  check_clahe (p, 1.5, 3, 7);
  check_clahe (p, 500.0, 2, 3);
}

static MscPlane *
filled (MscPlaneFormat format, guint w, guint h, guint value)
{
  g_autoptr (GError) error = NULL;
  MscPlane *p = msc_plane_new (format, w, h, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    {
      if (format == MSC_PLANE_U8)
        msc_plane_u8 (p)[i] = (guint8) (value + i % 3);
      else
        msc_plane_u16 (p)[i] = (guint16) (value + i % 3);
    }
  return p;
}

static void
test_clahe_degenerate (void)
{
  g_autoptr (MscPlane) one = filled (MSC_PLANE_U8, 1, 1, 77);
  check_clahe (one, 2.0, 8, 8);
  g_autoptr (MscPlane) column = filled (MSC_PLANE_U8, 1, 10000, 10);
  check_clahe (column, 2.0, 8, 8);
  g_autoptr (MscPlane) row = filled (MSC_PLANE_U16, 10000, 1, 1000);
  check_clahe (row, 2.0, 8, 8);
  g_autoptr (MscPlane) black = filled (MSC_PLANE_U8, 64, 64, 0);
  memset (msc_plane_u8 (black), 0, 64 * 64);
  check_clahe (black, 2.0, 8, 8);
  g_autoptr (MscPlane) white = filled (MSC_PLANE_U8, 64, 64, 0);
  memset (msc_plane_u8 (white), 255, 64 * 64);
  check_clahe (white, 2.0, 8, 8);
  g_autoptr (MscPlane) white16 = filled (MSC_PLANE_U16, 50, 30, 65533);
  check_clahe (white16, 2.0, 4, 4);
  g_autoptr (MscPlane) tiny = filled (MSC_PLANE_U16, 3, 5, 0);
  check_clahe (tiny, 2.0, 8, 8);     /* more tiles than pixels */
}

static void
test_clahe_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) f = msc_plane_new (MSC_PLANE_F32, 8, 8, &error);
  g_assert_null (msc_enhance_clahe (f, 2.0, 2, 2, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "clahe"));
  g_clear_error (&error);

  g_autoptr (MscPlane) p = filled (MSC_PLANE_U8, 8, 8, 0);
  g_assert_null (msc_enhance_clahe (p, 2.0, 0, 2, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_enhance_clahe (p, 2.0, 2, 257, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  /* a 256 x 256 grid over full-range U16 values would need 8 GiB of LUTs */
  g_autoptr (MscPlane) wide = msc_plane_new (MSC_PLANE_U16, 256, 256, &error);
  msc_plane_u16 (wide)[1] = 65535;
  g_assert_null (msc_enhance_clahe (wide, 2.0, 256, 256, NULL, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE);
  g_clear_error (&error);
  /* the same grid over 2 values is fine (LUTs cover only the values present) */
  msc_plane_u16 (wide)[1] = 1;
  g_autoptr (MscPlane) ok = msc_enhance_clahe (wide, 2.0, 256, 256, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);

  /* NaN clip behaves as "no clipping" rather than failing */
  g_autoptr (MscPlane) nan_clip = msc_enhance_clahe (p, NAN, 2, 2, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (MscPlane) no_clip = msc_enhance_clahe (p, 0, 2, 2, NULL, &error);
  msc_imaging_test_assert_close (nan_clip, no_clip, 0, 0);
}

/* A breast-like mask: U8 255 where src > threshold. */
static MscPlane *
simple_mask (const MscPlane *src, guint threshold)
{
  g_autoptr (GError) error = NULL;
  MscPlane *m = msc_plane_new (MSC_PLANE_U8, msc_plane_get_width (src), msc_plane_get_height (src), &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < msc_plane_get_n_pixels (src); i++)
    {
      guint v = msc_plane_get_format (src) == MSC_PLANE_U8 ? msc_plane_peek_u8 (src)[i]
                                                           : msc_plane_peek_u16 (src)[i];
      msc_plane_u8 (m)[i] = v > threshold ? 255 : 0;
    }
  return m;
}

static void
check_stretch (const MscPlane *src, const MscPlane *mask, double low, double high)
{
  g_autofree char *in = msc_imaging_test_write_png (src);
  g_autofree char *mask_path = mask ? msc_imaging_test_write_png (mask) : g_strdup ("-");
  g_autofree char *out = g_strconcat (in, ".np.png", NULL);
  g_autofree char *low_s = g_strdup_printf ("%.17g", low), *high_s = g_strdup_printf ("%.17g", high);
  g_autofree char *max_s = g_strdup_printf ("%u", msc_plane_get_max_value (src));
  const char *args[] = { "stretch", in, mask_path, out, low_s, high_s, max_s, NULL };
  g_autofree char *stdout_ = msc_imaging_test_python ("cv-enhance.py", args);
  if (stdout_ == NULL)
    return;
  g_autoptr (MscPlane) ref = msc_imaging_test_read_png (out);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) ours = msc_enhance_stretch (src, mask, low, high, &error);
  g_assert_no_error (error);
  /* the same double formula on both sides: exact */
  msc_imaging_test_assert_close (ours, ref, 0, 0);
}

static void
test_stretch (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (13);
  g_autoptr (MscPlane) dcm = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (img == NULL || dcm == NULL)
    return;
  g_autoptr (MscPlane) mask = simple_mask (img, 20);
  check_stretch (img, mask, 1, 99);
  check_stretch (img, NULL, 0, 100);
  check_stretch (img, mask, 0.5, 99.5);
  g_autoptr (MscPlane) dmask = simple_mask (dcm, 320);
  check_stretch (dcm, dmask, 2, 98);      /* 12-bit: max 4095 */

  /* flat inputs come back unchanged */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) white = filled (MSC_PLANE_U8, 1, 10000, 0);
  memset (msc_plane_u8 (white), 255, 10000);
  g_autoptr (MscPlane) w2 = msc_enhance_stretch (white, NULL, 1, 99, &error);
  g_assert_no_error (error);
  msc_imaging_test_assert_close (w2, white, 0, 0);
  g_autoptr (MscPlane) black = msc_plane_new (MSC_PLANE_U16, 1, 1, &error);
  g_autoptr (MscPlane) b2 = msc_enhance_stretch (black, NULL, 1, 99, &error);
  g_assert_no_error (error);
  msc_imaging_test_assert_close (b2, black, 0, 0);
}

static void
test_stretch_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) p = filled (MSC_PLANE_U8, 10, 10, 5);
  g_autoptr (MscPlane) empty = msc_plane_new (MSC_PLANE_U8, 10, 10, &error);
  g_assert_null (msc_enhance_stretch (p, empty, 1, 99, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "stretch"));
  g_clear_error (&error);
  g_assert_null (msc_enhance_stretch (p, NULL, 50, 50, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_enhance_stretch (p, NULL, NAN, 50, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_autoptr (MscPlane) small = msc_plane_new (MSC_PLANE_U8, 10, 9, &error);
  g_assert_null (msc_enhance_stretch (p, small, 1, 99, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_autoptr (MscPlane) u16mask = msc_plane_new (MSC_PLANE_U16, 10, 10, &error);
  g_assert_null (msc_enhance_stretch (p, u16mask, 1, 99, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);
  g_autoptr (MscPlane) f = msc_plane_new (MSC_PLANE_F32, 10, 10, &error);
  g_assert_null (msc_enhance_stretch (f, NULL, 1, 99, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
}

static void
check_normalize (const MscPlane *src, const MscPlane *mask)
{
  g_autofree char *in = msc_imaging_test_write_png (src);
  g_autofree char *mask_path = mask ? msc_imaging_test_write_png (mask) : g_strdup ("-");
  g_autofree char *out = g_strconcat (in, ".f32", NULL);
  const char *args[] = { "normalize", in, mask_path, out, NULL };
  g_autofree char *stdout_ = msc_imaging_test_python ("cv-enhance.py", args);
  if (stdout_ == NULL)
    return;
  g_autoptr (MscPlane) ref = msc_imaging_test_read_f32 (out, msc_plane_get_width (src),
                                                        msc_plane_get_height (src));
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) ours = msc_enhance_normalize (src, mask, &error);
  g_assert_no_error (error);
  /* Both compute in double and round once to float; the sums differ in
   * order (numpy pairwise) by ~1e-13 relative, so at most one float ulp
   * on values of magnitude < 8: 1e-6 covers it. */
  msc_imaging_test_assert_close (ours, ref, 1e-6, 0);
}

static void
test_normalize (void)
{
  g_autoptr (MscPlane) img = msc_imaging_test_mias (13);
  g_autoptr (MscPlane) dcm = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (img == NULL || dcm == NULL)
    return;
  g_autoptr (MscPlane) mask = simple_mask (img, 20);
  check_normalize (img, mask);
  check_normalize (img, NULL);
  g_autoptr (MscPlane) dmask = simple_mask (dcm, 320);
  check_normalize (dcm, dmask);
}

static void
test_normalize_degenerate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) flat = filled (MSC_PLANE_U16, 10000, 1, 0);
  for (guint i = 0; i < 10000; i++)
    msc_plane_u16 (flat)[i] = 4095;
  g_autoptr (MscPlane) z = msc_enhance_normalize (flat, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 10000; i++)
    g_assert_cmpfloat (msc_plane_peek_f32 (z)[i], ==, 0.0f);

  /* F32 input with NaN, inf and extremes: output finite everywhere */
  g_autoptr (MscPlane) f = msc_plane_new (MSC_PLANE_F32, 4, 1, &error);
  float *v = msc_plane_f32 (f);
  v[0] = NAN; v[1] = INFINITY; v[2] = -3e38f; v[3] = 3e38f;
  g_autoptr (MscPlane) out = msc_enhance_normalize (f, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    g_assert_true (isfinite (msc_plane_peek_f32 (out)[i]));
  g_assert_cmpfloat (msc_plane_peek_f32 (out)[0], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (msc_plane_peek_f32 (out)[3], 1.0f, 1e-6);

  g_autoptr (MscPlane) one = filled (MSC_PLANE_U8, 1, 1, 9);
  g_autoptr (MscPlane) o1 = msc_enhance_normalize (one, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (msc_plane_peek_f32 (o1)[0], ==, 0.0f);

  g_autoptr (MscPlane) empty = msc_plane_new (MSC_PLANE_U8, 1, 1, &error);
  g_assert_null (msc_enhance_normalize (one, empty, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "normalize"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/enhance/clahe/mias-u8", test_clahe_mias_u8);
  g_test_add_func ("/imaging/enhance/clahe/dicom-u16", test_clahe_dicom_u16);
  g_test_add_func ("/imaging/enhance/clahe/u16-arbitrary", test_clahe_u16_arbitrary);
  g_test_add_func ("/imaging/enhance/clahe/large-u16", test_clahe_large_u16);
  g_test_add_func ("/imaging/enhance/clahe/degenerate", test_clahe_degenerate);
  g_test_add_func ("/imaging/enhance/clahe/errors", test_clahe_errors);
  g_test_add_func ("/imaging/enhance/stretch/reference", test_stretch);
  g_test_add_func ("/imaging/enhance/stretch/errors", test_stretch_errors);
  g_test_add_func ("/imaging/enhance/normalize/reference", test_normalize);
  g_test_add_func ("/imaging/enhance/normalize/degenerate", test_normalize_degenerate);
  return g_test_run ();
}
