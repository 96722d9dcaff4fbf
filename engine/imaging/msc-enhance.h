/* engine/imaging/msc-enhance.h — contrast enhancement of mammograms.
 *
 * Percentile stretching, CLAHE (bit-exact with OpenCV 4.6 for U8 and U16),
 * the two enhancement combinations radiologists graded best (morphological
 * and unsharp masking, each followed by a stretch inside the breast) and
 * zero-mean / unit-variance normalisation for the models.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-threadpool.h"

G_BEGIN_DECLS

/* Linear stretch: the low/high percentiles of the pixels (inside mask,
 * nullable) map to 0 and max; U8/U16, same format out. Percentiles are in
 * [0, 100] with low < high; mask is a U8 plane of the same size. An empty
 * mask fails with INVALID; a flat selection (low value == high value) maps
 * values below it to 0, above it to max and keeps it (all-black and
 * all-white images come back unchanged). (transfer full) */
MscPlane *msc_enhance_stretch       (const MscPlane *src, const MscPlane *mask, double low_percent,
                                     double high_percent, GError **error);
/* CLAHE as cv2.createCLAHE(clip_limit, (tiles_x, tiles_y)).apply: U8 (256
 * bins) or U16 (65536 bins), bit-identical to OpenCV 4.6. clip_limit <= 0
 * (or NaN) means no clipping, as OpenCV. tiles_x/tiles_y in 1..256 (INVALID
 * otherwise); a grid that does not divide the size, even one with more
 * tiles than pixels, pads as OpenCV does (reflect-101). TOO_LARGE when the
 * tile tables (tiles x value range x 4 bytes) would exceed 1 GiB. U16
 * results span 0..65535 (bits 16) whatever the input bits. (transfer full) */
MscPlane *msc_enhance_clahe         (const MscPlane *src, double clip_limit, guint tiles_x, guint tiles_y,
                                     MscThreadPool *pool, GError **error);
/* Morphological enhancement (src + top-hat - black-hat with a disc of
 * radius) then stretch inside mask (nullable; 0.5 / 99.5 percentiles).
 * U8/U16; the sum saturates at the plane's max value, then the difference
 * at 0 (cv2.add then cv2.subtract). Flat images come back unchanged; an
 * empty mask fails with INVALID. (transfer full) */
MscPlane *msc_enhance_morphological (const MscPlane *src, const MscPlane *mask, guint radius,
                                     MscThreadPool *pool, GError **error);
/* Unsharp masking (msc_filter_unsharp) then stretch inside mask (nullable;
 * 0.5 / 99.5 percentiles). U8/U16; errors as those two. (transfer full) */
MscPlane *msc_enhance_unsharp       (const MscPlane *src, const MscPlane *mask, double sigma, double amount,
                                     MscThreadPool *pool, GError **error);
/* F32: (src - mean) / std over the pixels inside mask (nullable = all); 0
 * outside the mask; finite always (std 0 -> all 0). An empty mask fails
 * with INVALID. (transfer full) */
MscPlane *msc_enhance_normalize     (const MscPlane *src, const MscPlane *mask, GError **error);

G_END_DECLS
