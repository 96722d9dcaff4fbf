/* engine/imaging/msc-plane.c — greyscale rasters: allocation, conversion,
 * PNG output. The pixel block is 64-byte aligned (one AVX-512 vector) so
 * the filters' inner loops vectorise without peeling.
 */
#include "msc-plane.h"
#include "msc-plane-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "msc-i18n.h"
#include "msc-imaging-error.h"
#include "msc-png.h"

struct _MscPlane {
  MscPlaneFormat format;
  guint width;
  guint height;
  guint bits;
  gpointer data;            /* width * height * format bytes, aligned */
};

MscPlane *
msc_plane_new (MscPlaneFormat format, guint width, guint height, GError **error)
{
  MscPlane *self = msc_plane_new_uninitialised (format, width, height, error);
  if (self != NULL)
    memset (self->data, 0, msc_plane_get_n_pixels (self) * format);
  return self;
}

MscPlane *
msc_plane_new_uninitialised (MscPlaneFormat format, guint width, guint height, GError **error)
{
  g_return_val_if_fail (format == MSC_PLANE_U8 || format == MSC_PLANE_U16 ||
                        format == MSC_PLANE_F32, NULL);

  if (width == 0 || height == 0)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("image of %u x %u pixels is empty"), width, height);
      return NULL;
    }
  guint64 n = (guint64) width * height;
  if (n > MSC_PLANE_MAX_PIXELS)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE,
                   _("image of %u x %u pixels is above the limit of %lu pixels"),
                   width, height, (gulong) MSC_PLANE_MAX_PIXELS);
      return NULL;
    }
  /* Round up to the alignment so aligned_alloc's size rule holds. */
  gsize bytes = ((gsize) n * format + 63) & ~(gsize) 63;
  gpointer data = aligned_alloc (64, bytes);
  if (data == NULL)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE,
                   _("out of memory for an image of %u x %u pixels"), width, height);
      return NULL;
    }
#ifdef MADV_HUGEPAGE
  /* Large planes are fresh mmap()ed memory: ask for 2 MiB pages (as numpy
   * does from 4 MiB), or first-touch page faults cost a filter as much as
   * its arithmetic. Only whole huge pages inside the block are advised. */
  if (bytes >= 4 << 20)
    {
      guintptr lo = ((guintptr) data + (2 << 20) - 1) & ~(guintptr) ((2 << 20) - 1);
      guintptr hi = ((guintptr) data + bytes) & ~(guintptr) ((2 << 20) - 1);
      if (hi > lo)
        madvise ((gpointer) lo, hi - lo, MADV_HUGEPAGE);    /* advice only: errors do not matter */
    }
#endif

  MscPlane *self = g_new0 (MscPlane, 1);
  self->format = format;
  self->width = width;
  self->height = height;
  self->bits = format == MSC_PLANE_U8 ? 8 : format == MSC_PLANE_U16 ? 16 : 0;
  self->data = data;
  return self;
}

MscPlane *
msc_plane_new_from_image (const MscImage *image, gboolean to_u8, GError **error)
{
  g_return_val_if_fail (image != NULL, NULL);

  guint w = msc_image_get_width (image), h = msc_image_get_height (image);
  guint bits = msc_image_get_bits_stored (image);
  const guint16 *src = msc_image_get_pixels (image);
  gboolean u8 = to_u8 && bits <= 8;

  g_autoptr (MscPlane) plane = msc_plane_new (u8 ? MSC_PLANE_U8 : MSC_PLANE_U16, w, h, error);
  if (plane == NULL)
    return NULL;
  gsize n = (gsize) w * h;
  if (u8)
    {
      guint8 *dst = plane->data;
      for (gsize i = 0; i < n; i++)
        dst[i] = (guint8) MIN (src[i], 255);
    }
  else
    memcpy (plane->data, src, n * sizeof (guint16));
  plane->bits = CLAMP (bits, 1, u8 ? 8 : 16);
  return g_steal_pointer (&plane);
}

MscPlane *
msc_plane_copy (const MscPlane *self, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  MscPlane *copy = msc_plane_new (self->format, self->width, self->height, error);
  if (copy == NULL)
    return NULL;
  memcpy (copy->data, self->data, msc_plane_get_n_pixels (self) * self->format);
  copy->bits = self->bits;
  return copy;
}

void
msc_plane_free (MscPlane *self)
{
  if (self == NULL)
    return;
  free (self->data);
  g_free (self);
}

MscPlaneFormat msc_plane_get_format (const MscPlane *self) { return self->format; }
guint msc_plane_get_width (const MscPlane *self) { return self->width; }
guint msc_plane_get_height (const MscPlane *self) { return self->height; }
gsize msc_plane_get_n_pixels (const MscPlane *self) { return (gsize) self->width * self->height; }
guint msc_plane_get_bits (const MscPlane *self) { return self->bits; }

void
msc_plane_set_bits (MscPlane *self, guint bits)
{
  g_return_if_fail (self->format != MSC_PLANE_F32);
  g_return_if_fail (bits >= 1 && bits <= (self->format == MSC_PLANE_U8 ? 8u : 16u));
  self->bits = bits;
}

guint
msc_plane_get_max_value (const MscPlane *self)
{
  return self->format == MSC_PLANE_F32 ? 0 : (1u << self->bits) - 1;
}

guint8 *
msc_plane_u8 (MscPlane *self)
{
  g_return_val_if_fail (self != NULL && self->format == MSC_PLANE_U8, NULL);
  return self->data;
}

guint16 *
msc_plane_u16 (MscPlane *self)
{
  g_return_val_if_fail (self != NULL && self->format == MSC_PLANE_U16, NULL);
  return self->data;
}

float *
msc_plane_f32 (MscPlane *self)
{
  g_return_val_if_fail (self != NULL && self->format == MSC_PLANE_F32, NULL);
  return self->data;
}

const guint8 *msc_plane_peek_u8 (const MscPlane *self) { return msc_plane_u8 ((MscPlane *) self); }
const guint16 *msc_plane_peek_u16 (const MscPlane *self) { return msc_plane_u16 ((MscPlane *) self); }
const float *msc_plane_peek_f32 (const MscPlane *self) { return msc_plane_f32 ((MscPlane *) self); }

void
msc_plane_invert (MscPlane *self)
{
  g_return_if_fail (self != NULL && self->format != MSC_PLANE_F32);

  gsize n = msc_plane_get_n_pixels (self);
  guint max = msc_plane_get_max_value (self);
  if (self->format == MSC_PLANE_U8)
    {
      guint8 *p = self->data;
      for (gsize i = 0; i < n; i++)
        p[i] = (guint8) (max - MIN (p[i], max));
    }
  else
    {
      guint16 *p = self->data;
      for (gsize i = 0; i < n; i++)
        p[i] = (guint16) (max - MIN (p[i], max));
    }
}

static float
plane_value (const MscPlane *self, gsize i)
{
  switch (self->format)
    {
    case MSC_PLANE_U8: return ((const guint8 *) self->data)[i];
    case MSC_PLANE_U16: return ((const guint16 *) self->data)[i];
    case MSC_PLANE_F32: default: return ((const float *) self->data)[i];
    }
}

MscPlane *
msc_plane_convert (const MscPlane *self, MscPlaneFormat format, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (format == self->format)
    return msc_plane_copy (self, error);

  g_autoptr (MscPlane) out = msc_plane_new (format, self->width, self->height, error);
  if (out == NULL)
    return NULL;
  gsize n = msc_plane_get_n_pixels (self);

  if (self->format == MSC_PLANE_U16 && format == MSC_PLANE_U8)
    {
      /* Scale the significant range onto 0..255 with rounding. */
      const guint16 *src = self->data;
      guint8 *dst = out->data;
      guint max = msc_plane_get_max_value (self);
      for (gsize i = 0; i < n; i++)
        dst[i] = (guint8) ((MIN (src[i], max) * 255u + max / 2) / max);
      return g_steal_pointer (&out);
    }
  if (self->format == MSC_PLANE_U8 && format == MSC_PLANE_U16)
    {
      const guint8 *src = self->data;
      guint16 *dst = out->data;
      for (gsize i = 0; i < n; i++)
        dst[i] = src[i];
      out->bits = self->bits;
      return g_steal_pointer (&out);
    }
  if (format == MSC_PLANE_F32)
    {
      float *dst = out->data;
      for (gsize i = 0; i < n; i++)
        dst[i] = plane_value (self, i);
      return g_steal_pointer (&out);
    }

  /* F32 -> integer: round and clamp; NaN becomes 0 rather than undefined. */
  const float *src = self->data;
  float max = format == MSC_PLANE_U8 ? 255.0f : 65535.0f;
  for (gsize i = 0; i < n; i++)
    {
      float v = src[i];
      v = isnan (v) ? 0.0f : v < 0.0f ? 0.0f : v > max ? max : v;
      if (format == MSC_PLANE_U8)
        ((guint8 *) out->data)[i] = (guint8) lrintf (v);
      else
        ((guint16 *) out->data)[i] = (guint16) lrintf (v);
    }
  return g_steal_pointer (&out);
}

gboolean
msc_plane_save_png (const MscPlane *self, const char *path, GError **error)
{
  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  if (self->format == MSC_PLANE_F32)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("%s: a float image cannot be written as PNG; convert it first"), path);
      return FALSE;
    }
  if (self->format == MSC_PLANE_U8)
    return msc_png_save_grey (path, self->width, self->height, 8, self->data, NULL, error);
  return msc_png_save_grey (path, self->width, self->height, 16, NULL, self->data, error);
}

gboolean
msc_plane_check_mask (const MscPlane *src, const MscPlane *mask, const char *step, GError **error)
{
  if (mask == NULL)
    return TRUE;
  if (mask->format != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("%s: the mask must be an 8-bit plane"), step);
      return FALSE;
    }
  if (mask->width != src->width || mask->height != src->height)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("%s: mask is %u x %u, image is %u x %u"), step,
                   mask->width, mask->height, src->width, src->height);
      return FALSE;
    }
  return TRUE;
}
