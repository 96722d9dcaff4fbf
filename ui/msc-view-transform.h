/* ui/msc-view-transform.h — where an image lies inside a view widget.
 *
 * The image view computes one of these per frame and hands it to whatever
 * draws on top of the image (overlays, rulers), so everyone maps image
 * pixels to widget points the same way, mirroring included. Image
 * coordinates: top-down rows, pixel (x, y) covers [x, x+1) x [y, y+1).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint image_width, image_height;  /* stored image, pixels */
  double scale;                     /* widget points per image pixel, > 0 */
  double origin_x, origin_y;        /* widget point of the displayed image's top-left corner */
  gboolean mirror;                  /* displayed flipped left-right */
  double widget_width, widget_height;
} MscViewTransform;

/* Image pixel coordinates -> widget points (and back). */
void     msc_view_transform_to_widget (const MscViewTransform *t, double image_x, double image_y,
                                       double *widget_x, double *widget_y);
void     msc_view_transform_to_image  (const MscViewTransform *t, double widget_x, double widget_y,
                                       double *image_x, double *image_y);
/* TRUE when the widget point lies on the image. */
gboolean msc_view_transform_contains  (const MscViewTransform *t, double widget_x, double widget_y);

G_END_DECLS
