/* engine/imaging/msc-breast.c — breast mask, artefact removal, orientation.
 *
 * Method (chosen on the 238 MIAS images with tools/pectoral-study.py): 5x5
 * median, threshold a little above the background level, an opening to cut
 * thin bridges to labels, the largest 8-connected component, holes filled.
 */
#include "msc-breast.h"

#include "msc-components.h"
#include "msc-filter.h"
#include "msc-i18n.h"
#include "msc-imaging-error.h"
#include "msc-morph.h"
#include "msc-threshold.h"

#include <string.h>

/* Outline simplification tolerance in pixels: keeps the skin line within 2
 * pixels of the mask border while cutting the staircase to a few hundred
 * vertices. */
#define SKIN_LINE_TOLERANCE 2.0

void
msc_breast_free (MscBreast *self)
{
  if (self == NULL)
    return;
  msc_plane_free (self->mask);
  if (self->skin_line != NULL)
    g_array_unref (self->skin_line);
  g_free (self);
}

/* The foreground threshold: the background is the most common value
 * below Otsu's threshold (film base or detector offset), and the breast
 * starts a quarter of the way from there to Otsu's threshold, at least 4
 * grey levels of 8 bits above it. Otsu alone cuts off the thin skin-line
 * fat (mask area median 0.29 vs 0.36 of the image on MIAS); a fixed level
 * does not carry over to 12-bit or other detectors. */
static gboolean
background_threshold (const MscPlane *med, guint *threshold, GError **error)
{
  guint otsu = 0;
  if (!msc_threshold_otsu (med, NULL, &otsu, error))
    return FALSE;
  guint max_value = msc_plane_get_max_value (med);
  gsize n = msc_plane_get_n_pixels (med);
  g_autofree guint32 *hist = g_new0 (guint32, (gsize) max_value + 1);
  /* One loop per format so each is a plain vectorisable pass. */
  if (msc_plane_get_format (med) == MSC_PLANE_U8)
    {
      const guint8 *p = msc_plane_peek_u8 (med);
      for (gsize i = 0; i < n; i++)
        hist[p[i]]++;
    }
  else
    {
      const guint16 *p = msc_plane_peek_u16 (med);
      for (gsize i = 0; i < n; i++)
        hist[MIN (p[i], max_value)]++;         /* values above bits are clipped */
    }
  guint lo = 0, hi = max_value;
  while (lo < max_value && hist[lo] == 0)
    lo++;
  while (hi > 0 && hist[hi] == 0)
    hi--;
  if (lo == hi)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_NOT_FOUND,
                   _("breast: the image is uniform (every pixel is %u)"), lo);
      return FALSE;
    }
  guint bg = lo;
  for (guint v = lo; v < otsu && v <= max_value; v++)
    if (hist[v] > hist[bg])
      bg = v;
  /* Scale 8-bit grey levels to the plane's bits so a 12-bit plane of 16 x
   * an 8-bit image gets 16 x its threshold and the same mask. */
  double scale = (max_value + 1) / 256.0;
  double margin = MAX (4.0 * scale, (otsu > bg ? otsu - bg : 0) / 4.0);
  *threshold = bg + (guint) margin;
  return TRUE;
}

/* Largest 8-connected component of the opened threshold mask, holes filled. */
static MscPlane *
breast_mask (const MscPlane *med, guint threshold, MscThreadPool *pool, GError **error)
{
  g_autoptr (MscPlane) fg = msc_threshold_apply (med, threshold, error);
  if (fg == NULL)
    return NULL;
  /* A radius-3 disc opening cuts the thin bridges by which labels and
   * markers touch the breast, and removes speckle; the breast itself is
   * hundreds of pixels wide. */
  g_autoptr (MscPlane) opened = msc_morph_apply (fg, MSC_MORPH_OPEN, MSC_MORPH_ELLIPSE, 3, pool, error);
  if (opened == NULL)
    return NULL;
  g_autoptr (MscPlane) largest = msc_components_largest (opened, error);
  if (largest == NULL)
    return NULL;
  return msc_morph_fill_holes (largest, error);
}

/* Chest wall side: the breast is widest at the chest wall and tapers to
 * the nipple, so the half with more breast pixels holds the chest wall
 * (agrees with MIAS laterality on 236 of 238 images; the two others
 * fill the whole width). */
static gboolean
chest_wall_left (const MscPlane *mask)
{
  guint w = msc_plane_get_width (mask), h = msc_plane_get_height (mask);
  const guint8 *m = msc_plane_peek_u8 (mask);
  guint64 left = 0, right = 0;
  for (guint y = 0; y < h; y++)
    {
      const guint8 *row = m + (gsize) y * w;
      for (guint x = 0; x < w / 2; x++)
        left += row[x] != 0;
      for (guint x = w - w / 2; x < w; x++)
        right += row[x] != 0;
    }
  return left >= right;
}

/* The longest traced outline of the mask, simplified. */
static GArray *
skin_line (const MscPlane *mask, GError **error)
{
  g_autoptr (GPtrArray) contours = msc_contour_trace (mask, 127.5, error);
  if (contours == NULL)
    return NULL;
  GArray *best = NULL;
  for (guint i = 0; i < contours->len; i++)
    {
      GArray *c = g_ptr_array_index (contours, i);
      if (best == NULL || c->len > best->len)
        best = c;
    }
  if (best == NULL)
    return g_array_new (FALSE, FALSE, sizeof (MscPoint));
  return msc_contour_simplify (best, SKIN_LINE_TOLERANCE);
}

MscBreast *
msc_breast_segment (const MscPlane *src, MscThreadPool *pool, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (msc_plane_get_format (src) == MSC_PLANE_F32)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("breast: F32 planes are not taken (U8 or U16 mammograms)"));
      return NULL;
    }
  /* Below 5 x 5 pixels there is no median window and no breast to find. */
  if (msc_plane_get_width (src) < 5 || msc_plane_get_height (src) < 5)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_NOT_FOUND,
                   _("breast: a %ux%u image is too small to hold a breast"),
                   msc_plane_get_width (src), msc_plane_get_height (src));
      return NULL;
    }
  g_autoptr (MscPlane) med = msc_filter_median (src, 5, pool, error);
  if (med == NULL)
    return NULL;
  guint threshold = 0;
  if (!background_threshold (med, &threshold, error))
    return NULL;

  g_autoptr (MscBreast) self = g_new0 (MscBreast, 1);
  self->threshold = threshold;
  self->mask = breast_mask (med, threshold, pool, error);
  if (self->mask == NULL)
    return NULL;
  if (!msc_geometry_mask_bbox (self->mask, 0, &self->x, &self->y, &self->width, &self->height))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_NOT_FOUND,
                   _("breast: nothing above the background threshold %u"), threshold);
      return NULL;
    }
  self->chest_wall_left = chest_wall_left (self->mask);
  self->skin_line = skin_line (self->mask, error);
  if (self->skin_line == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

static gboolean
check_same_size (const char *step, const MscPlane *src, const MscBreast *breast, GError **error)
{
  if (msc_plane_get_width (src) == msc_plane_get_width (breast->mask) &&
      msc_plane_get_height (src) == msc_plane_get_height (breast->mask))
    return TRUE;
  g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
               _("%s: image is %ux%u but the breast mask is %ux%u"), step,
               msc_plane_get_width (src), msc_plane_get_height (src),
               msc_plane_get_width (breast->mask), msc_plane_get_height (breast->mask));
  return FALSE;
}

MscPlane *
msc_breast_remove_artefacts (const MscPlane *src, const MscBreast *breast, GError **error)
{
  g_return_val_if_fail (src != NULL && breast != NULL, NULL);
  if (!check_same_size ("remove artefacts", src, breast, error))
    return NULL;
  g_autoptr (MscPlane) out = msc_plane_copy (src, error);
  if (out == NULL)
    return NULL;
  const guint8 *m = msc_plane_peek_u8 (breast->mask);
  gsize n = msc_plane_get_n_pixels (out);
  /* Branch-free selects so the loops vectorise. */
  switch (msc_plane_get_format (out))
    {
    case MSC_PLANE_U8:
      {
        guint8 *p = msc_plane_u8 (out);
        for (gsize i = 0; i < n; i++)
          p[i] &= m[i];                   /* mask is 0 or 255 */
        break;
      }
    case MSC_PLANE_U16:
      {
        guint16 *p = msc_plane_u16 (out);
        for (gsize i = 0; i < n; i++)
          p[i] = m[i] ? p[i] : 0;
        break;
      }
    case MSC_PLANE_F32:
      {
        float *p = msc_plane_f32 (out);
        for (gsize i = 0; i < n; i++)
          p[i] = m[i] ? p[i] : 0.0f;
        break;
      }
    }
  return g_steal_pointer (&out);
}

MscPlane *
msc_breast_orient (const MscPlane *src, const MscBreast *breast, gboolean *flipped,
                   MscAffine *transform, GError **error)
{
  g_return_val_if_fail (src != NULL && breast != NULL, NULL);
  if (!check_same_size ("orient", src, breast, error))
    return NULL;
  gboolean flip = !breast->chest_wall_left;
  MscPlane *out = msc_geometry_flip (src, flip, FALSE, transform, error);
  if (out != NULL && flipped != NULL)
    *flipped = flip;
  return out;
}
