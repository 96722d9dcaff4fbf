/* engine/imaging/msc-enhance-combo.c — the two enhancement combinations
 * radiologists graded best: morphological (top-hat / black-hat) and unsharp
 * masking, each followed by a percentile stretch inside the breast. Kept
 * apart from msc-enhance.c because they build on msc-morph and msc-filter.
 */
#include "msc-enhance.h"

#include "msc-filter.h"
#include "msc-i18n.h"
#include "msc-imaging-error.h"
#include "msc-morph.h"

/* Percentiles of the final stretch: 0.5 % of the breast may saturate at
 * each end so a few outliers (clips, calcifications at full scale) do not
 * compress the contrast of the rest. */
#define COMBO_LOW_PERCENT 0.5
#define COMBO_HIGH_PERCENT 99.5

static gboolean
combo_check (const char *step, const MscPlane *src, const MscPlane *mask, GError **error)
{
  MscPlaneFormat f = msc_plane_get_format (src);
  if (f != MSC_PLANE_U8 && f != MSC_PLANE_U16)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("%s: pixel format F32 is not U8 or U16"), step);
      return FALSE;
    }
  /* The mask is checked here, before the filtering work, not only in
   * the stretch at the end. */
  if (mask != NULL && (msc_plane_get_format (mask) != MSC_PLANE_U8 ||
                       msc_plane_get_width (mask) != msc_plane_get_width (src) ||
                       msc_plane_get_height (mask) != msc_plane_get_height (src)))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("%s: mask is not a U8 plane of %u x %u"), step,
                   msc_plane_get_width (src), msc_plane_get_height (src));
      return FALSE;
    }
  return TRUE;
}

/* dst = max (min (src + tophat, max) - blackhat, 0): the saturating
 * cv2.add then cv2.subtract of the usual OpenCV recipe, saturating at the
 * plane's max value (4095 for 12-bit data) rather than the type's. */
#define DEFINE_COMBINE(name, T)                                                     \
  static void                                                                       \
  name (const T *s, const T *top, const T *black, T *d, gsize n, gint32 max)        \
  {                                                                                 \
    for (gsize i = 0; i < n; i++)                                                   \
      {                                                                             \
        gint32 v = (gint32) s[i] + top[i];                                          \
        v = v < max ? v : max;                                                      \
        v -= black[i];                                                              \
        d[i] = (T) (v > 0 ? v : 0);                                                 \
      }                                                                             \
  }

DEFINE_COMBINE (combine_u8, guint8)
DEFINE_COMBINE (combine_u16, guint16)

MscPlane *
msc_enhance_morphological (const MscPlane *src, const MscPlane *mask, guint radius,
                           MscThreadPool *pool, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);
  if (!combo_check ("morphological enhancement", src, mask, error))
    return NULL;
  g_autoptr (MscPlane) top = msc_morph_apply (src, MSC_MORPH_TOPHAT, MSC_MORPH_ELLIPSE, radius, pool, error);
  if (top == NULL)
    return NULL;
  g_autoptr (MscPlane) black = msc_morph_apply (src, MSC_MORPH_BLACKHAT, MSC_MORPH_ELLIPSE, radius, pool, error);
  if (black == NULL)
    return NULL;
  g_autoptr (MscPlane) sum = msc_plane_copy (src, error);
  if (sum == NULL)
    return NULL;
  gsize n = msc_plane_get_n_pixels (src);
  gint32 max = (gint32) msc_plane_get_max_value (src);
  if (msc_plane_get_format (src) == MSC_PLANE_U8)
    combine_u8 (msc_plane_peek_u8 (src), msc_plane_peek_u8 (top), msc_plane_peek_u8 (black),
                msc_plane_u8 (sum), n, max);
  else
    combine_u16 (msc_plane_peek_u16 (src), msc_plane_peek_u16 (top), msc_plane_peek_u16 (black),
                 msc_plane_u16 (sum), n, max);
  return msc_enhance_stretch (sum, mask, COMBO_LOW_PERCENT, COMBO_HIGH_PERCENT, error);
}

MscPlane *
msc_enhance_unsharp (const MscPlane *src, const MscPlane *mask, double sigma, double amount,
                     MscThreadPool *pool, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);
  if (!combo_check ("unsharp enhancement", src, mask, error))
    return NULL;
  g_autoptr (MscPlane) sharp = msc_filter_unsharp (src, sigma, amount, pool, error);
  if (sharp == NULL)
    return NULL;
  return msc_enhance_stretch (sharp, mask, COMBO_LOW_PERCENT, COMBO_HIGH_PERCENT, error);
}
