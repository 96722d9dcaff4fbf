/* engine/imaging/msc-filter.h — neighbourhood filters on planes: median
 * (speckle and salt-and-pepper removal), Gaussian blur and unsharp masking
 * (the enhancement radiologists graded best together with a stretch).
 * Each matches its OpenCV 4.6 counterpart; tests/engine/imaging/test-filter.c.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-threadpool.h"

G_BEGIN_DECLS

/* Median of a ksize x ksize window (ksize 3 or 5), U8 or U16, borders
 * replicated as cv2.medianBlur does. Same format out. (transfer full) */
MscPlane *msc_filter_median   (const MscPlane *src, guint ksize, MscThreadPool *pool, GError **error);
/* Separable Gaussian blur; sigma in pixels (> 0); ksize odd, or 0 to derive
 * it from sigma the way cv2.GaussianBlur does; border reflect-101 (OpenCV
 * default). U8, U16 (rounded, as OpenCV) or F32; same format out.
 * (transfer full) */
MscPlane *msc_filter_gaussian (const MscPlane *src, double sigma, guint ksize, MscThreadPool *pool, GError **error);
/* src + amount * (src - gaussian (src, sigma)), clamped to the format's range
 * (0..max_value for U8/U16; F32 is not clamped). (transfer full) */
MscPlane *msc_filter_unsharp  (const MscPlane *src, double sigma, double amount, MscThreadPool *pool, GError **error);

G_END_DECLS
