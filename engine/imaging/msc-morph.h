/* engine/imaging/msc-morph.h — grey-level and binary mathematical
 * morphology (erode, dilate, open, close, top-hat, black-hat) with OpenCV's
 * structuring elements, and hole filling for breast masks.
 * Matches cv2.morphologyEx; tests/engine/imaging/test-morph.c.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-threadpool.h"

G_BEGIN_DECLS

typedef enum { MSC_MORPH_RECT, MSC_MORPH_ELLIPSE, MSC_MORPH_CROSS } MscMorphShape;  /* as cv2.getStructuringElement */
typedef enum { MSC_MORPH_ERODE, MSC_MORPH_DILATE, MSC_MORPH_OPEN, MSC_MORPH_CLOSE,
               MSC_MORPH_TOPHAT, MSC_MORPH_BLACKHAT } MscMorphOp;

/* Grey-level morphology (U8 or U16; masks are U8) with a (2 radius + 1)^2
 * structuring element; pixels outside the image do not take part (OpenCV's
 * default border). radius 0 returns a copy. (transfer full) */
MscPlane *msc_morph_apply      (const MscPlane *src, MscMorphOp op, MscMorphShape shape, guint radius,
                                MscThreadPool *pool, GError **error);
/* Fills the holes of a U8 mask: 0-regions not 4-connected to the image border
 * become 255. (transfer full) */
MscPlane *msc_morph_fill_holes (const MscPlane *mask, GError **error);

G_END_DECLS
