/* ui/msc-overlay-controls.h — the side-panel controls of the overlay:
 * threshold and heatmap-opacity sliders that show their values and three
 * switches (heatmap, contours, markers). Its properties have MscOverlay's
 * names and ranges so the window binds them one to one with
 * g_object_bind_property (..., G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MSC_TYPE_OVERLAY_CONTROLS (msc_overlay_controls_get_type ())
G_DECLARE_FINAL_TYPE (MscOverlayControls, msc_overlay_controls, MSC, OVERLAY_CONTROLS, GtkWidget)

GtkWidget *msc_overlay_controls_new (void);

/* Properties: "threshold" (double, slider 0.05..0.95 step 0.01, default 0.5),
 * "heatmap-opacity" (double 0..1, default 0.5), "show-heatmap",
 * "show-contours", "show-markers" (bool, default TRUE). */

G_END_DECLS
