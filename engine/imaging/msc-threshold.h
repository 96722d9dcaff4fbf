/* engine/imaging/msc-threshold.h — global and local thresholds: Otsu's
 * method (8 and 16-bit histograms, optional mask), a fixed threshold and
 * adaptive (local mean) thresholding, each as its cv2 counterpart does.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"

G_BEGIN_DECLS

/* Otsu's threshold over a U8 or U16 plane's full histogram (2^bits bins),
 * optionally only where mask (U8, nullable) is non-zero. Pixels > *threshold
 * are foreground, as cv2.threshold(THRESH_BINARY | THRESH_OTSU). FALSE + INVALID
 * when there are no pixels. */
gboolean  msc_threshold_otsu     (const MscPlane *src, const MscPlane *mask, guint *threshold, GError **error);
/* U8 mask: 255 where src > threshold (any format). */
MscPlane *msc_threshold_apply    (const MscPlane *src, double threshold, GError **error);

typedef enum { MSC_ADAPTIVE_MEAN, MSC_ADAPTIVE_GAUSSIAN } MscAdaptiveMethod;
/* U8 mask: 255 where src > (local mean of a block x block window, block odd >= 3) - c;
 * as cv2.adaptiveThreshold THRESH_BINARY (borders replicated). */
MscPlane *msc_threshold_adaptive (const MscPlane *src, MscAdaptiveMethod method, guint block, double c, GError **error);

G_END_DECLS
