/* engine/imaging/msc-enhance.c — contrast stretching and normalisation
 * inside the breast, and the two enhancement combinations (morphological,
 * unsharp masking) followed by a stretch. CLAHE is in msc-enhance-clahe.c.
 */
#include "msc-enhance.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"
#include "msc-plane-private.h"

/* Histogram of a U8/U16 plane (65536 bins for U16 whatever its bits, so an
 * out-of-range value cannot index outside) inside mask; returns the count. */
static guint64
histogram (const MscPlane *src, const MscPlane *mask, guint32 *hist)
{
  gsize n = msc_plane_get_n_pixels (src);
  const guint8 *m = mask ? msc_plane_peek_u8 (mask) : NULL;
  guint64 count = 0;
  /* the mask adds 0 or 1 so the loop has no branch; separate loops keep
   * the no-mask case free of the test */
  if (msc_plane_get_format (src) == MSC_PLANE_U8)
    {
      const guint8 *s = msc_plane_peek_u8 (src);
      if (m)
        for (gsize i = 0; i < n; i++)
          hist[s[i]] += m[i] != 0;
      else
        for (gsize i = 0; i < n; i++)
          hist[s[i]]++;
    }
  else
    {
      const guint16 *s = msc_plane_peek_u16 (src);
      if (m)
        for (gsize i = 0; i < n; i++)
          hist[s[i]] += m[i] != 0;
      else
        for (gsize i = 0; i < n; i++)
          hist[s[i]]++;
    }
  for (guint i = 0; i < (msc_plane_get_format (src) == MSC_PLANE_U8 ? 256u : 65536u); i++)
    count += hist[i];
  return count;
}

/* The smallest value whose cumulative count exceeds (strictly when
 * strict, else reaches) fraction * count: with fraction 0 (strict) the
 * minimum, with fraction 1 (not strict) the maximum. */
static guint
percentile (const guint32 *hist, guint bins, guint64 count, double fraction, gboolean strict)
{
  double target = fraction * (double) count;
  guint64 cum = 0;
  for (guint v = 0; v < bins; v++)
    {
      cum += hist[v];
      if (hist[v] && (strict ? (double) cum > target : (double) cum >= target))
        return v;
    }
  return bins - 1;
}

static gboolean
check_stretch (const MscPlane *src, const MscPlane *mask, double low, double high, GError **error)
{
  MscPlaneFormat f = msc_plane_get_format (src);
  if (f != MSC_PLANE_U8 && f != MSC_PLANE_U16)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("stretch: pixel format F32 is not U8 or U16"));
      return FALSE;
    }
  if (!(low >= 0 && low < high && high <= 100))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("stretch: percentiles %g and %g are not 0 <= low < high <= 100"), low, high);
      return FALSE;
    }
  return msc_plane_check_mask (src, mask, "stretch", error);
}

/* lut[v] = round ((v - lo) * max / (hi - lo)) clamped to 0..max, in
 * double with half away from zero (floor (x + 0.5)). A flat selection
 * (lo == hi) has no range to stretch: values below it become 0, above it
 * max, and the value itself is kept (an all-black or all-white image is
 * returned unchanged). */
static void
stretch_lut (guint lo, guint hi, guint max, guint bins, guint16 *lut)
{
  for (guint v = 0; v < bins; v++)
    {
      double y;
      if (hi == lo)
        y = v < lo ? 0 : v > lo ? max : v;
      else
        y = floor (((double) v - lo) * max / ((double) hi - lo) + 0.5);
      lut[v] = (guint16) CLAMP (y, 0, (double) max);
    }
}

MscPlane *
msc_enhance_stretch (const MscPlane *src, const MscPlane *mask, double low_percent,
                     double high_percent, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);
  if (!check_stretch (src, mask, low_percent, high_percent, error))
    return NULL;

  gboolean u8 = msc_plane_get_format (src) == MSC_PLANE_U8;
  guint bins = u8 ? 256 : 65536;
  g_autofree guint32 *hist = g_new0 (guint32, bins);
  guint64 count = histogram (src, mask, hist);
  if (count == 0)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("stretch: the mask selects no pixels"));
      return NULL;
    }
  guint lo = percentile (hist, bins, count, low_percent / 100, TRUE);
  guint hi = percentile (hist, bins, count, high_percent / 100, FALSE);
  hi = MAX (hi, lo);
  g_autofree guint16 *lut = g_new (guint16, bins);
  stretch_lut (lo, hi, msc_plane_get_max_value (src), bins, lut);

  g_autoptr (MscPlane) dst = msc_plane_copy (src, error);
  if (dst == NULL)
    return NULL;
  gsize n = msc_plane_get_n_pixels (src);
  if (u8)
    {
      guint8 *d = msc_plane_u8 (dst);
      for (gsize i = 0; i < n; i++)
        d[i] = (guint8) lut[d[i]];
    }
  else
    {
      guint16 *d = msc_plane_u16 (dst);
      for (gsize i = 0; i < n; i++)
        d[i] = lut[d[i]];
    }
  return g_steal_pointer (&dst);
}

/* F32: mean and population standard deviation over the finite pixels
 * inside mask, two passes in double (no cancellation from sum of squares). */
static guint64
mean_std (const MscPlane *src, const MscPlane *mask, double *mean, double *std)
{
  gsize n = msc_plane_get_n_pixels (src);
  const guint8 *m = mask ? msc_plane_peek_u8 (mask) : NULL;
  guint64 count = 0;
  double sum = 0;
  for (gsize i = 0; i < n; i++)
    {
      double v = msc_plane_peek_f32 (src)[i];
      if ((m == NULL || m[i]) && isfinite (v))
        {
          sum += v;
          count++;
        }
    }
  if (count == 0)
    return 0;
  *mean = sum / (double) count;
  double ss = 0;
  for (gsize i = 0; i < n; i++)
    {
      double v = msc_plane_peek_f32 (src)[i];
      if ((m == NULL || m[i]) && isfinite (v))
        ss += (v - *mean) * (v - *mean);
    }
  *std = sqrt (ss / (double) count);
  return count;
}

/* U8/U16: the statistics from the masked histogram (exact integer counts,
 * one pass) and the output through a 2^bits-entry float table. */
static gboolean
normalize_integer (const MscPlane *src, const MscPlane *mask, float *d, GError **error)
{
  gboolean u8 = msc_plane_get_format (src) == MSC_PLANE_U8;
  guint bins = u8 ? 256 : 65536;
  g_autofree guint32 *hist = g_new0 (guint32, bins);
  guint64 count = histogram (src, mask, hist);
  if (count == 0)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("normalize: the mask selects no pixels"));
      return FALSE;
    }
  double sum = 0, ss = 0;
  for (guint v = 0; v < bins; v++)
    sum += (double) hist[v] * v;
  double mean = sum / (double) count;
  for (guint v = 0; v < bins; v++)
    ss += (double) hist[v] * (v - mean) * (v - mean);
  double std = sqrt (ss / (double) count);
  if (!(std > 0))
    return TRUE;                      /* flat: all 0, never NaN */
  g_autofree float *lut = g_new (float, bins);
  for (guint v = 0; v < bins; v++)
    lut[v] = (float) ((v - mean) / std);
  gsize n = msc_plane_get_n_pixels (src);
  const guint8 *m = mask ? msc_plane_peek_u8 (mask) : NULL;
  if (u8)
    {
      const guint8 *s8 = msc_plane_peek_u8 (src);
      for (gsize i = 0; i < n; i++)
        d[i] = lut[s8[i]];
    }
  else
    {
      const guint16 *s16 = msc_plane_peek_u16 (src);
      for (gsize i = 0; i < n; i++)
        d[i] = lut[s16[i]];
    }
  if (m != NULL)
    for (gsize i = 0; i < n; i++)     /* branch-free select: vectorises */
      d[i] = m[i] ? d[i] : 0.0f;
  return TRUE;
}

MscPlane *
msc_enhance_normalize (const MscPlane *src, const MscPlane *mask, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);
  if (!msc_plane_check_mask (src, mask, "normalize", error))
    return NULL;
  g_autoptr (MscPlane) dst = msc_plane_new (MSC_PLANE_F32, msc_plane_get_width (src),
                                            msc_plane_get_height (src), error);
  if (dst == NULL)
    return NULL;
  if (msc_plane_get_format (src) != MSC_PLANE_F32)
    return normalize_integer (src, mask, msc_plane_f32 (dst), error) ? g_steal_pointer (&dst) : NULL;

  double mean = 0, std = 0;
  if (mean_std (src, mask, &mean, &std) == 0)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("normalize: the mask selects no pixels with a finite value"));
      return NULL;
    }
  /* std 0 (flat selection) or not finite (F32 extremes): everything 0
   * rather than NaN or inf, as the contract promises finite output. */
  if (!(std > 0) || !isfinite (std))
    return g_steal_pointer (&dst);
  float *d = msc_plane_f32 (dst);
  const float *s = msc_plane_peek_f32 (src);
  const guint8 *m = mask ? msc_plane_peek_u8 (mask) : NULL;
  gsize n = msc_plane_get_n_pixels (src);
  double inv = 1.0 / std;
  for (gsize i = 0; i < n; i++)
    {
      double v = ((double) s[i] - mean) * inv;
      d[i] = (m == NULL || m[i]) && isfinite (v) ? (float) CLAMP (v, -FLT_MAX, FLT_MAX) : 0.0f;
    }
  return g_steal_pointer (&dst);
}
