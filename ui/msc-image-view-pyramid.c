/* ui/msc-image-view-pyramid.c — stored values to screen texture for the
 * image view: a lazily built 2x2 mean pyramid (so a zoomed-out view maps a
 * quarter or a sixteenth of the pixels) and the LUT mapping itself.
 */
#include "msc-image-view-private.h"

#include "msc-display.h"

/* Coarser levels stop here: below it GPU scaling of the level above is
 * already cheap and a thumbnail would lose too much. */
#define MIN_LEVEL_SIDE 64

struct _MscViewPyramid
{
  MscImage *image;
  guint n_levels;
  guint width[MSC_VIEW_PYRAMID_MAX_LEVELS], height[MSC_VIEW_PYRAMID_MAX_LEVELS];
  guint16 *levels[MSC_VIEW_PYRAMID_MAX_LEVELS];   /* [0] unused: the image's pixels */
};

MscViewPyramid *
msc_view_pyramid_new (MscImage *image)
{
  MscViewPyramid *self = g_new0 (MscViewPyramid, 1);
  self->image = msc_image_ref (image);
  self->width[0] = msc_image_get_width (image);
  self->height[0] = msc_image_get_height (image);
  self->n_levels = 1;
  while (self->n_levels < MSC_VIEW_PYRAMID_MAX_LEVELS)
    {
      guint k = self->n_levels;
      guint w = (self->width[k - 1] + 1) / 2, h = (self->height[k - 1] + 1) / 2;
      if (MIN (w, h) < MIN_LEVEL_SIDE)
        break;
      self->width[k] = w;
      self->height[k] = h;
      self->n_levels++;
    }
  return self;
}

void
msc_view_pyramid_free (MscViewPyramid *self)
{
  if (!self)
    return;
  for (guint i = 1; i < MSC_VIEW_PYRAMID_MAX_LEVELS; i++)
    g_free (self->levels[i]);
  msc_image_unref (self->image);
  g_free (self);
}

guint
msc_view_pyramid_get_n_levels (MscViewPyramid *self)
{
  return self->n_levels;
}

/* dst (dw x dh) = 2x2 means of src (sw x sh), rounded; an odd last column
 * or row repeats its edge pixel so means stay means. */
static void
halve (const guint16 *src, guint sw, guint sh, guint16 *dst, guint dw, guint dh)
{
  for (guint y = 0; y < dh; y++)
    {
      const guint16 *r0 = src + (gsize) (2 * y) * sw;
      const guint16 *r1 = src + (gsize) MIN (2 * y + 1, sh - 1) * sw;
      guint16 *out = dst + (gsize) y * dw;
      guint full = sw / 2;      /* columns with both neighbours */
      for (guint x = 0; x < full; x++)
        out[x] = (guint16) (((guint32) r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2) >> 2);
      if (full < dw)
        out[full] = (guint16) (((guint32) r0[sw - 1] + r1[sw - 1] + 1) >> 1);
    }
}

const guint16 *
msc_view_pyramid_get_level (MscViewPyramid *self, guint level, guint *width, guint *height)
{
  g_return_val_if_fail (level < self->n_levels, NULL);
  *width = self->width[level];
  *height = self->height[level];
  if (level == 0)
    return msc_image_get_pixels (self->image);
  if (!self->levels[level])
    {
      guint sw, sh;
      const guint16 *src = msc_view_pyramid_get_level (self, level - 1, &sw, &sh);
      self->levels[level] = g_new (guint16, (gsize) self->width[level] * self->height[level]);
      halve (src, sw, sh, self->levels[level], self->width[level], self->height[level]);
    }
  return self->levels[level];
}

GdkTexture *
msc_view_pyramid_map (MscViewPyramid *self, guint level, const guint8 *lut, gsize n_lut)
{
  guint w, h;
  const guint16 *src = msc_view_pyramid_get_level (self, level, &w, &h);
  gsize n = (gsize) w * h;
  guint16 top = (guint16) (n_lut - 1);
  /* Three bytes a pixel: GDK_MEMORY_R8G8B8 uploads without conversion in
   * GTK 4.8's GL renderer, and 4.8 has no single-channel format. */
  guint8 *rgb = g_malloc (n * 3);
  guint8 *p = rgb;
  for (gsize i = 0; i < n; i++, p += 3)
    {
      guint8 g = lut[MIN (src[i], top)];
      p[0] = p[1] = p[2] = g;
    }
  g_autoptr (GBytes) bytes = g_bytes_new_take (rgb, n * 3);
  return gdk_memory_texture_new ((int) w, (int) h, GDK_MEMORY_R8G8B8, bytes, (gsize) w * 3);
}
