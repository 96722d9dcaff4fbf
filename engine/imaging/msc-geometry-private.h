/* engine/imaging/msc-geometry-private.h — helpers shared by msc-geometry.c
 * (resize, crop, flips) and msc-geometry-warp.c (affine warps); internal to
 * engine/imaging.
 */
#pragma once

#include "msc-geometry.h"
#include "msc-imaging-error.h"

G_BEGIN_DECLS

/* Sets a MSC_IMAGING_ERROR and returns NULL. */
gpointer  msc_geometry_fail       (GError **error, MscImagingError code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* Non-NULL U8/U16/F32 source, else INVALID/FORMAT naming step. */
gboolean  msc_geometry_check_src  (const MscPlane *src, const char *step, GError **error);
/* Zeroed plane of src's format and bits. */
MscPlane *msc_geometry_new_like   (const MscPlane *src, guint width, guint height, const char *step, GError **error);
/* Keys' cubic weights (a = -0.75) at fraction x, as OpenCV's interpolateCubic. */
void      msc_geometry_cubic_coeffs (float x, float c[4]);
/* band (ctx, y0, y1) over [0, rows) split into bands over the pool (inline when NULL). */
void      msc_geometry_run_bands  (MscThreadPool *pool, guint rows, gpointer ctx,
                                   void (*band) (gpointer ctx, guint y0, guint y1));

static inline const void *
peek_row (const MscPlane *p, guint y)
{
  gsize bpp = msc_plane_get_format (p);
  const guint8 *base = msc_plane_get_format (p) == MSC_PLANE_U8 ? (const guint8 *) msc_plane_peek_u8 (p)
                     : msc_plane_get_format (p) == MSC_PLANE_U16 ? (const guint8 *) msc_plane_peek_u16 (p)
                     : (const guint8 *) msc_plane_peek_f32 (p);
  return base + (gsize) y * msc_plane_get_width (p) * bpp;
}

static inline void *
row_ptr (MscPlane *p, guint y)
{
  return (void *) peek_row (p, y);
}

G_END_DECLS
