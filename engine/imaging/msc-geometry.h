/* engine/imaging/msc-geometry.h — resizing, resampling to a pixel spacing,
 * letterboxing, cropping, flips, rotation and generic affine warps.
 *
 * Every step can report the affine map from source pixel centres to result
 * pixel centres, so a model's output can be mapped back to the original
 * pixels exactly (msc_affine_invert, msc_affine_then).
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-threadpool.h"

G_BEGIN_DECLS

/* Affine map between pixel coordinates (pixel centres at integers):
 * x' = m[0] x + m[1] y + m[2], y' = m[3] x + m[4] y + m[5]. */
typedef struct { double m[6]; } MscAffine;

void      msc_affine_identity (MscAffine *a);
void      msc_affine_then     (MscAffine *a, const MscAffine *next);   /* a := next ∘ a */
/* FALSE (inverse untouched) when the map is singular or not finite. */
gboolean  msc_affine_invert   (const MscAffine *a, MscAffine *inverse);
void      msc_affine_apply    (const MscAffine *a, double x, double y, double *out_x, double *out_y);

typedef enum {
  MSC_INTERP_NEAREST,
  MSC_INTERP_LINEAR,
  MSC_INTERP_CUBIC,               /* Keys a = -0.75, as OpenCV */
  MSC_INTERP_AREA,                /* pixel-area averaging; bilinear when enlarging, as OpenCV */
} MscInterp;

/* Every geometry step takes an optional `MscAffine *transform` (nullable,
 * out): the map from source pixels to result pixels, so results chain with
 * msc_affine_then and invert back exactly. Formats U8, U16 and F32; the
 * result has the source's format and bits, and U8/U16 values are rounded
 * (half to even, as OpenCV) and clamped to 2^bits - 1. NaN in an F32 source
 * spreads to the result pixels that read it. Steps taking a pool split the
 * result rows into bands over it; the result does not depend on the pool. */

/* As cv2.resize (half-pixel centre alignment; NEAREST samples
 * floor (x * src / dst), so its transform aligns pixel corners; AREA when
 * enlarging is OpenCV's bilinear variant). Bit-exact with OpenCV 4.6 for
 * NEAREST, AREA and U8/U16 LINEAR shrinking on the tested images; CUBIC
 * within one level. width/height 0 -> INVALID. */
MscPlane *msc_geometry_resize    (const MscPlane *src, guint width, guint height, MscInterp interp,
                                  MscThreadPool *pool, MscAffine *transform, GError **error);
/* Resamples from the source pixel spacing (row_mm between rows, col_mm
 * between columns) to target_mm (square pixels): AREA when shrinking,
 * up_interp (LINEAR or CUBIC) when enlarging. Result size rounds to the
 * nearest pixel (at least 1). */
MscPlane *msc_geometry_resample  (const MscPlane *src, double row_mm, double col_mm, double target_mm,
                                  MscInterp up_interp, MscThreadPool *pool, MscAffine *transform,
                                  GError **error);
/* Aspect-preserving resize to fit width x height, zero padding right/bottom. */
MscPlane *msc_geometry_letterbox (const MscPlane *src, guint width, guint height, MscInterp interp,
                                  MscThreadPool *pool, MscAffine *transform, GError **error);
/* The width x height block at (x, y); INVALID unless it lies inside the image. */
MscPlane *msc_geometry_crop      (const MscPlane *src, guint x, guint y, guint width, guint height,
                                  MscAffine *transform, GError **error);
/* Bounding box of the non-zero pixels of a U8 mask grown by margin and
 * clipped to the image; FALSE if the mask is empty. */
gboolean  msc_geometry_mask_bbox (const MscPlane *mask, guint margin, guint *x, guint *y,
                                  guint *width, guint *height);
MscPlane *msc_geometry_flip      (const MscPlane *src, gboolean horizontal, gboolean vertical,
                                  MscAffine *transform, GError **error);
/* Rotation by degrees (counter-clockwise, as cv2.getRotationMatrix2D about
 * the centre ((w-1)/2, (h-1)/2)), same size, zero border, as cv2.warpAffine.
 * interp NEAREST, LINEAR or CUBIC. */
MscPlane *msc_geometry_rotate    (const MscPlane *src, double degrees, MscInterp interp,
                                  MscAffine *transform, GError **error);
/* dst(x, y) = src(inverse(src_to_dst)(x, y)) on a width x height grid, zero
 * outside. interp NEAREST, LINEAR or CUBIC; INVALID for a singular map. */
MscPlane *msc_geometry_warp      (const MscPlane *src, const MscAffine *src_to_dst, guint width,
                                  guint height, MscInterp interp, MscThreadPool *pool, GError **error);

G_END_DECLS
