/* engine/imaging/msc-breast.h — breast segmentation, artefact removal and
 * orientation on mammograms (bright = dense, U8 or U16).
 *
 * The mask is the breast including the pectoral muscle with holes filled and
 * without labels, tags or markers; everything else in engine/imaging that
 * needs "inside the breast" takes this mask.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-threadpool.h"
#include "msc-geometry.h"      /* MscAffine */
#include "msc-contour.h"       /* MscPoint */

G_BEGIN_DECLS

typedef struct {
  MscPlane *mask;              /* U8 0/255: breast incl. pectoral muscle, holes filled; no labels/markers */
  guint threshold;             /* foreground threshold used (in src's units: pixels > threshold) */
  gboolean chest_wall_left;    /* chest wall on the image's left edge */
  guint x, y, width, height;   /* bounding box of the mask */
  GArray *skin_line;           /* MscPoint polygon: breast outline (simplified), image pixels */
} MscBreast;

/* Segments the breast of a U8 or U16 mammogram. NOT_FOUND when there is no
 * breast (empty or uniform image). (transfer full) */
MscBreast *msc_breast_segment          (const MscPlane *src, MscThreadPool *pool, GError **error);
void       msc_breast_free             (MscBreast *self);                 /* NULL-safe */
/* src with every pixel outside breast->mask set to 0 (labels, markers,
 * film edge). Same size and format as src. (transfer full) */
MscPlane  *msc_breast_remove_artefacts (const MscPlane *src, const MscBreast *breast, GError **error);
/* Flips horizontally when needed so the chest wall is on the left; *flipped
 * (nullable) says whether it did; transform (nullable) maps src -> result
 * (flip back for display with its inverse). (transfer full) */
MscPlane  *msc_breast_orient           (const MscPlane *src, const MscBreast *breast, gboolean *flipped,
                                        MscAffine *transform, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscBreast, msc_breast_free)

G_END_DECLS
