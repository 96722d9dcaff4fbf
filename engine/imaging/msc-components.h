/* engine/imaging/msc-components.h — connected-component labelling of U8
 * masks with per-component statistics (area, bounding box, centroid), as
 * cv2.connectedComponentsWithStats, and largest-component selection.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"

G_BEGIN_DECLS

typedef struct {
  guint64 area;                       /* pixels */
  guint x, y, width, height;          /* bounding box */
  double centroid_x, centroid_y;
} MscComponent;

typedef struct _MscLabels MscLabels;

/* Labels the non-zero pixels of a U8 mask, connectivity 4 or 8; labels are
 * 1..n in raster order of each component's first pixel, 0 is background. */
MscLabels          *msc_components_label   (const MscPlane *mask, guint connectivity, GError **error);
void                msc_labels_free        (MscLabels *self);                 /* NULL-safe */
guint               msc_labels_get_n       (const MscLabels *self);           /* components, background excluded */
const MscComponent *msc_labels_get         (const MscLabels *self, guint label); /* 1..n */
const guint32      *msc_labels_peek        (const MscLabels *self);           /* width x height labels */
guint               msc_labels_largest     (const MscLabels *self);           /* 0 when n == 0 */
MscPlane           *msc_labels_mask        (const MscLabels *self, guint label, GError **error); /* U8 0/255 */
/* U8 mask of the largest 8-connected component of mask (all zero if none). */
MscPlane           *msc_components_largest (const MscPlane *mask, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscLabels, msc_labels_free)

G_END_DECLS
