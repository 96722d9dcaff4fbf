/* ui/msc-image-view.h — one mammogram on screen.
 *
 * MscImageView window/levels the 16-bit stored values through a lookup
 * table into a texture that GTK scales on the GPU; it pans, zooms (fit,
 * 1:1, true size in mm), measures (ruler), magnifies (loupe) and hosts an
 * MscOverlay drawn in the same image -> widget transform.
 */
#pragma once

#include <gtk/gtk.h>

#include "msc-image.h"
#include "msc-view-transform.h"

G_BEGIN_DECLS

/* The overlay module (ui/msc-overlay.h) owns this type; the view only
 * holds one and draws it. */
typedef struct _MscOverlay MscOverlay;

typedef enum {
  MSC_VIEW_TOOL_PAN = 0,    /* left-drag pans (default) */
  MSC_VIEW_TOOL_RULER,      /* left-drag measures a line in mm */
  MSC_VIEW_TOOL_LOUPE,      /* a 3x magnifier follows the pointer */
} MscViewTool;

GType msc_view_tool_get_type (void) G_GNUC_CONST;
#define MSC_TYPE_VIEW_TOOL (msc_view_tool_get_type ())

#define MSC_TYPE_IMAGE_VIEW (msc_image_view_get_type ())
G_DECLARE_FINAL_TYPE (MscImageView, msc_image_view, MSC, IMAGE_VIEW, GtkWidget)

GtkWidget *msc_image_view_new (void);

/* (nullable) Takes a ref; resets the window to the image's default and the
 * zoom to fit. Clears any error set before. */
void       msc_image_view_set_image  (MscImageView *self, MscImage *image);
/* (transfer none) (nullable) */
MscImage  *msc_image_view_get_image  (MscImageView *self);
/* (nullable) An inline error drawn instead of an image (a file that could
 * not be read); NULL removes it. */
void       msc_image_view_set_error  (MscImageView *self, const char *message);
/* (nullable) The corner label, e.g. "R-CC". */
void       msc_image_view_set_label  (MscImageView *self, const char *label);
/* (nullable) Drawn over the image; the view redraws on its "changed". */
void       msc_image_view_set_overlay (MscImageView *self, MscOverlay *overlay);

/* Window in stored-value units (DICOM LINEAR semantics, or the image
 * preset's function while a preset is applied). */
void       msc_image_view_set_window (MscImageView *self, double center, double width);
/* Centre, width and function at once: a user preset is plain LINEAR
 * whatever function the image's own preset used. */
void       msc_image_view_set_window_function (MscImageView *self, double center, double width,
                                               MscVoiFunction function);
/* TRUE while the image is shown through its VOI LUT (no window yet). */
gboolean   msc_image_view_get_shows_voi_lut (MscImageView *self);
void       msc_image_view_get_window (MscImageView *self, double *center, double *width);
/* Back to the image's default window (msc_display_default_window). */
void       msc_image_view_reset_window (MscImageView *self);
/* The image's DICOM windows followed by "Full range"; 0 without image. */
guint      msc_image_view_get_n_presets (MscImageView *self);
/* (transfer full) (nullable) A translated name for the preset. */
char      *msc_image_view_dup_preset_name (MscImageView *self, guint index);
void       msc_image_view_apply_preset (MscImageView *self, guint index);

void       msc_image_view_zoom_fit (MscImageView *self);
/* 1 image pixel = 1 screen (device) pixel. */
void       msc_image_view_zoom_actual_pixels (MscImageView *self);
/* 1 mm = 1 mm on the monitor, from the pixel spacing and the monitor's
 * physical size (96 dpi when unknown). */
void       msc_image_view_zoom_true_size (MscImageView *self);
/* The current image -> widget mapping; all zero when there is no image. */
void       msc_image_view_get_transform (MscImageView *self, MscViewTransform *out);
/* The cursor readout for image point (x, y) in stored-image pixels: pixel,
 * modality value (stored + value offset) and the position in mm when the
 * image has a spacing; NULL off the image. (transfer full) */
char      *msc_image_view_dup_readout (MscImageView *self, double x, double y);

/* Properties: "image" (pointer to MscImage, read-only; use set_image),
 * "window-center", "window-width" (double, stored values), "invert" (bool),
 * "mirror" (bool: displayed flipped left-right), "zoom" (double: widget
 * points per image pixel; setting it leaves fit mode), "fit" (bool: zoom
 * follows the widget size), "center-x", "center-y" (double 0..1: the point
 * of the DISPLAYED image (after mirroring) at the widget's centre), "tool"
 * (MscViewTool).
 * Signal "cursor-moved" (double image_x, double image_y, gboolean inside). */

G_END_DECLS
