/* ui/msc-overlay.h — what the model found, drawn over an image view:
 * the probability map as a colour heatmap, contours of the findings at a
 * movable threshold and a marker with its score at each finding centre.
 * Not a widget: the image view calls msc_overlay_snapshot with its own
 * transform, so the overlay follows pan, zoom and mirroring exactly.
 */
#pragma once

#include <gtk/gtk.h>
#include "msc-analyze.h"
#include "msc-view-transform.h"

G_BEGIN_DECLS

#define MSC_TYPE_OVERLAY (msc_overlay_get_type ())
G_DECLARE_FINAL_TYPE (MscOverlay, msc_overlay, MSC, OVERLAY, GObject)

MscOverlay        *msc_overlay_new          (void);
/* (transfer full) (nullable): the overlay frees the analysis. */
void               msc_overlay_set_analysis (MscOverlay *self, MscAnalysis *analysis);
/* (nullable) (transfer none) */
const MscAnalysis *msc_overlay_get_analysis (MscOverlay *self);
/* Findings at the current threshold, highest score first. While findings
 * for a new threshold are being computed these are the previous ones. */
guint              msc_overlay_get_n_findings (MscOverlay *self);
/* (transfer none) valid until the threshold or the analysis changes. */
const MscFinding  *msc_overlay_get_finding  (MscOverlay *self, guint index);
/* TRUE while findings for the current threshold are being extracted on a
 * worker thread (property "busy"; "changed" fires when they arrive). */
gboolean           msc_overlay_get_busy     (MscOverlay *self);

/* Draws in widget coordinates through t (heatmap texture under the view's
 * transform, contours and markers with cairo over the widget rectangle). */
void               msc_overlay_snapshot     (MscOverlay *self, GtkSnapshot *snapshot,
                                             const MscViewTransform *t);

/* The contour colour (sRGB 0..1), for tests looking for it in renderings. */
#define MSC_OVERLAY_CONTOUR_R 0.0
#define MSC_OVERLAY_CONTOUR_G 1.0
#define MSC_OVERLAY_CONTOUR_B 1.0

/* Properties: "threshold" (double 0..1, default 0.5), "heatmap-opacity"
 * (double 0..1, default 0.5), "show-heatmap", "show-contours",
 * "show-markers" (bool, default TRUE); "busy" (bool, read-only).
 * Signal "changed" (no arguments): any property, the analysis or the
 * findings changed, so views redraw. */

G_END_DECLS
