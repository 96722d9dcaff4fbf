/* engine/imaging/msc-threshold.c — Otsu's threshold, fixed and adaptive
 * thresholds. Numerics follow OpenCV 4.6 closely enough that the Otsu
 * value and the mean adaptive threshold are bit-identical to cv2's (the
 * tests check this on all MIAS images).
 */
#include "msc-threshold.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"
#include "msc-plane-private.h"

/* Several partial histograms: consecutive equal pixels (large flat areas
 * of a mammogram) would otherwise serialise on one counter through
 * store-to-load forwarding. */
#define OTSU_PARTS_U8 4
#define OTSU_PARTS_U16 2

/* hist (n_bins) := histogram of src (only where mask != 0); returns the
 * number of pixels counted. */
static guint64
histogram_u8 (const guint8 *src, const guint8 *mask, gsize n, guint32 *hist)
{
  g_autofree guint32 *part = g_new0 (guint32, OTSU_PARTS_U8 * 256);
  gsize i = 0;
  if (mask == NULL)
    {
      for (; i + 4 <= n; i += 4)
        {
          part[src[i]]++;
          part[256 + src[i + 1]]++;
          part[512 + src[i + 2]]++;
          part[768 + src[i + 3]]++;
        }
      for (; i < n; i++)
        part[src[i]]++;
    }
  else
    {
      /* Branch-free: a masked-out pixel adds 0. */
      for (; i + 4 <= n; i += 4)
        {
          part[src[i]] += mask[i] != 0;
          part[256 + src[i + 1]] += mask[i + 1] != 0;
          part[512 + src[i + 2]] += mask[i + 2] != 0;
          part[768 + src[i + 3]] += mask[i + 3] != 0;
        }
      for (; i < n; i++)
        part[src[i]] += mask[i] != 0;
    }
  guint64 count = 0;
  for (guint b = 0; b < 256; b++)
    {
      hist[b] = part[b] + part[256 + b] + part[512 + b] + part[768 + b];
      count += hist[b];
    }
  return count;
}

static guint64
histogram_u16 (const guint16 *src, const guint8 *mask, gsize n, guint32 *hist)
{
  g_autofree guint32 *part = g_new0 (guint32, (gsize) OTSU_PARTS_U16 * 65536);
  guint32 *p0 = part, *p1 = part + 65536;
  gsize i = 0;
  if (mask == NULL)
    {
      for (; i + 2 <= n; i += 2)
        {
          p0[src[i]]++;
          p1[src[i + 1]]++;
        }
      for (; i < n; i++)
        p0[src[i]]++;
    }
  else
    {
      for (; i + 2 <= n; i += 2)
        {
          p0[src[i]] += mask[i] != 0;
          p1[src[i + 1]] += mask[i + 1] != 0;
        }
      for (; i < n; i++)
        p0[src[i]] += mask[i] != 0;
    }
  guint64 count = 0;
  for (guint b = 0; b < 65536; b++)
    {
      hist[b] = p0[b] + p1[b];
      count += hist[b];
    }
  return count;
}

/* Otsu's maximisation of the between-class variance q1 q2 (mu1 - mu2)^2
 * over thresholds t (class 1 = values <= t). The recurrence and the
 * FLT_EPSILON guard are those of OpenCV 4.6's getThreshVal_Otsu, kept
 * operation for operation so that the chosen bin is identical even where
 * two thresholds are within rounding of each other. */
static guint
otsu_from_histogram (const guint32 *hist, guint n_bins, guint64 count)
{
  double scale = 1.0 / (double) count;
  double mu = 0;
  guint first = n_bins, last = 0;
  for (guint i = 0; i < n_bins; i++)
    if (hist[i] != 0)
      {
        first = MIN (first, i);
        last = i;
        mu += i * (double) hist[i];
      }
  mu *= scale;

  /* Bins before the first non-empty one leave q1 = 0 and bins after the
   * last one leave q2 = 0: both are skipped by the guard anyway. */
  double mu1 = 0, q1 = 0, max_sigma = 0;
  guint best = 0;
  for (guint i = first; i <= last && i < n_bins; i++)
    {
      double p_i = hist[i] * scale;
      mu1 *= q1;
      q1 += p_i;
      double q2 = 1.0 - q1;
      if (MIN (q1, q2) < FLT_EPSILON || MAX (q1, q2) > 1.0 - FLT_EPSILON)
        continue;
      mu1 = (mu1 + i * p_i) / q1;
      double mu2 = (mu - q1 * mu1) / q2;
      double sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
      if (sigma > max_sigma)
        {
          max_sigma = sigma;
          best = i;
        }
    }
  return best;
}

gboolean
msc_threshold_otsu (const MscPlane *src, const MscPlane *mask, guint *threshold, GError **error)
{
  g_return_val_if_fail (src != NULL && threshold != NULL, FALSE);

  MscPlaneFormat format = msc_plane_get_format (src);
  if (format == MSC_PLANE_F32)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("otsu: float images have no histogram; convert to 8 or 16 bits"));
      return FALSE;
    }
  if (!msc_plane_check_mask (src, mask, "otsu", error))
    return FALSE;

  gsize n = msc_plane_get_n_pixels (src);
  const guint8 *m = mask ? msc_plane_peek_u8 (mask) : NULL;
  /* A U16 plane may hold values above 2^bits - 1 (bits is advisory), so
   * its histogram always has 65536 bins; empty top bins do not change
   * the result, and the O(bins) scan stops at the last non-empty one. */
  guint n_bins = format == MSC_PLANE_U8 ? 256 : 65536;
  g_autofree guint32 *hist = g_new (guint32, n_bins);
  guint64 count = format == MSC_PLANE_U8
    ? histogram_u8 (msc_plane_peek_u8 (src), m, n, hist)
    : histogram_u16 (msc_plane_peek_u16 (src), m, n, hist);
  if (count == 0)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("otsu: the mask selects no pixels"));
      return FALSE;
    }
  *threshold = otsu_from_histogram (hist, n_bins, count);
  return TRUE;
}

MscPlane *
msc_threshold_apply (const MscPlane *src, double threshold, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);

  if (isnan (threshold))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("threshold: the threshold is NaN"));
      return NULL;
    }
  g_autoptr (MscPlane) out = msc_plane_new (MSC_PLANE_U8, msc_plane_get_width (src),
                                            msc_plane_get_height (src), error);
  if (out == NULL)
    return NULL;
  gsize n = msc_plane_get_n_pixels (src);
  guint8 *dst = msc_plane_u8 (out);

  switch (msc_plane_get_format (src))
    {
    case MSC_PLANE_U8:
      {
        /* For integers v > t <=> v > floor(t); clamp so the cut fits. */
        int cut = (int) floor (CLAMP (threshold, -1.0, 255.0));
        const guint8 *s = msc_plane_peek_u8 (src);
        for (gsize i = 0; i < n; i++)
          dst[i] = (int) s[i] > cut ? 255 : 0;
        break;
      }
    case MSC_PLANE_U16:
      {
        int cut = (int) floor (CLAMP (threshold, -1.0, 65535.0));
        const guint16 *s = msc_plane_peek_u16 (src);
        for (gsize i = 0; i < n; i++)
          dst[i] = (int) s[i] > cut ? 255 : 0;
        break;
      }
    case MSC_PLANE_F32:
    default:
      {
        /* NaN pixels compare false: background. */
        const float *s = msc_plane_peek_f32 (src);
        for (gsize i = 0; i < n; i++)
          dst[i] = (double) s[i] > threshold ? 255 : 0;
        break;
      }
    }
  return g_steal_pointer (&out);
}

/* ---- adaptive threshold ------------------------------------------------ */

/* Rounded box mean (block x block, borders replicated) of a U8 plane into
 * mean: round (sum / block^2), which is what cv2.boxFilter(normalize=True)
 * gives for every block size (checked against it on MIAS). block^2 is odd,
 * so sum / block^2 is at least 1 / (2 block^2) away from a half and the
 * double product sum * (1 / block^2) rounds the same as the exact quotient.
 * Column sums first (vectorised over x), then a running sum along the row. */
static void
box_mean_u8 (const guint8 *src, guint w, guint h, guint block, guint8 *mean)
{
  int r = (int) block / 2;
  double inv = 1.0 / ((double) block * block);
  g_autofree guint32 *col = g_new0 (guint32, w);
  for (int k = -r; k <= r; k++)
    {
      const guint8 *s = src + (gsize) CLAMP (k, 0, (int) h - 1) * w;
      for (guint x = 0; x < w; x++)
        col[x] += s[x];
    }
  for (guint y = 0; y < h; y++)
    {
      guint8 *m = mean + (gsize) y * w;
      guint32 sum = 0;
      for (int k = -r; k <= r; k++)
        sum += col[CLAMP (k, 0, (int) w - 1)];
      for (guint x = 0; x < w; x++)
        {
          m[x] = (guint8) (sum * inv + 0.5);
          sum += col[MIN ((int) x + r + 1, (int) w - 1)] - col[MAX ((int) x - r, 0)];
        }
      const guint8 *add = src + (gsize) MIN ((int) y + r + 1, (int) h - 1) * w;
      const guint8 *sub = src + (gsize) MAX ((int) y - r, 0) * w;
      for (guint x = 0; x < w; x++)
        col[x] += (guint32) add[x] - sub[x];
    }
}

/* The 1-D kernel cv2.getGaussianKernel(block, 0) gives: fixed binomial
 * kernels up to 7 taps, otherwise sigma = 0.3 ((block - 1) / 2 - 1) + 0.8. */
static void
gaussian_kernel (guint block, float *k)
{
  static const float k3[] = { 0.25f, 0.5f, 0.25f };
  static const float k5[] = { 0.0625f, 0.25f, 0.375f, 0.25f, 0.0625f };
  static const float k7[] = { 0.03125f, 0.109375f, 0.21875f, 0.28125f, 0.21875f, 0.109375f, 0.03125f };
  if (block <= 7)
    {
      memcpy (k, block == 3 ? k3 : block == 5 ? k5 : k7, block * sizeof (float));
      return;
    }
  double sigma = 0.3 * ((block - 1) * 0.5 - 1) + 0.8, sum = 0;
  g_autofree double *t = g_new (double, block);
  for (guint i = 0; i < block; i++)
    {
      double x = (double) i - (block - 1) * 0.5;
      t[i] = exp (-x * x / (2 * sigma * sigma));
      sum += t[i];
    }
  for (guint i = 0; i < block; i++)
    k[i] = (float) (t[i] / sum);
}

/* Rounded Gaussian-weighted local mean, separable, borders replicated.
 * OpenCV uses a bit-exact fixed-point filter here; float differs from it
 * by at most one grey level after rounding (see the test's tolerance). */
static void
gaussian_mean_u8 (const guint8 *src, guint w, guint h, guint block, guint8 *mean)
{
  int r = (int) block / 2;
  g_autofree float *k = g_new (float, block);
  gaussian_kernel (block, k);
  g_autofree float *rows = g_new (float, (gsize) w * h);
  for (guint y = 0; y < h; y++)
    {
      const guint8 *s = src + (gsize) y * w;
      float *o = rows + (gsize) y * w;
      for (guint x = 0; x < w; x++)
        {
          float acc = 0;
          for (int t = -r; t <= r; t++)
            acc += k[t + r] * s[CLAMP ((int) x + t, 0, (int) w - 1)];
          o[x] = acc;
        }
    }
  g_autofree float *acc = g_new (float, w);
  for (guint y = 0; y < h; y++)
    {
      memset (acc, 0, w * sizeof (float));
      for (int t = -r; t <= r; t++)
        {
          const float *o = rows + (gsize) CLAMP ((int) y + t, 0, (int) h - 1) * w;
          float kt = k[t + r];
          for (guint x = 0; x < w; x++)
            acc[x] += kt * o[x];
        }
      guint8 *m = mean + (gsize) y * w;
      for (guint x = 0; x < w; x++)
        m[x] = (guint8) CLAMP (lrintf (acc[x]), 0, 255);
    }
}

MscPlane *
msc_threshold_adaptive (const MscPlane *src, MscAdaptiveMethod method, guint block, double c,
                        GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);

  if (msc_plane_get_format (src) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("adaptive threshold: only 8-bit images are supported"));
      return NULL;
    }
  if (block < 3 || block % 2 == 0 || block > 4095)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("adaptive threshold: block size %u is not odd and in 3..4095"), block);
      return NULL;
    }
  if (method != MSC_ADAPTIVE_MEAN && method != MSC_ADAPTIVE_GAUSSIAN)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("adaptive threshold: unknown method %d"), (int) method);
      return NULL;
    }
  if (!isfinite (c))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("adaptive threshold: offset c is not finite"));
      return NULL;
    }

  guint w = msc_plane_get_width (src), h = msc_plane_get_height (src);
  g_autoptr (MscPlane) out = msc_plane_new (MSC_PLANE_U8, w, h, error);
  if (out == NULL)
    return NULL;
  const guint8 *s = msc_plane_peek_u8 (src);
  guint8 *dst = msc_plane_u8 (out);
  /* The mean goes into the output plane, then is overwritten in place. */
  if (method == MSC_ADAPTIVE_MEAN)
    box_mean_u8 (s, w, h, block, dst);
  else
    gaussian_mean_u8 (s, w, h, block, dst);

  /* src > mean - c with an integer mean: src - mean > -ceil(c). */
  int idelta = (int) CLAMP (ceil (c), -512.0, 512.0);
  gsize n = (gsize) w * h;
  for (gsize i = 0; i < n; i++)
    dst[i] = (int) s[i] - (int) dst[i] > -idelta ? 255 : 0;
  return g_steal_pointer (&out);
}
