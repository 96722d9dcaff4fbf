/* ui/msc-view-transform.c — image pixels <-> widget points for one view
 * (see msc-view-transform.h). Mirroring flips x about the image's centre
 * line, so the displayed left edge is the stored right edge. */
#include "msc-view-transform.h"

void
msc_view_transform_to_widget (const MscViewTransform *t, double image_x, double image_y,
                              double *widget_x, double *widget_y)
{
  double x = t->mirror ? (double) t->image_width - image_x : image_x;
  *widget_x = t->origin_x + x * t->scale;
  *widget_y = t->origin_y + image_y * t->scale;
}

void
msc_view_transform_to_image (const MscViewTransform *t, double widget_x, double widget_y,
                             double *image_x, double *image_y)
{
  double x = (widget_x - t->origin_x) / t->scale;
  *image_x = t->mirror ? (double) t->image_width - x : x;
  *image_y = (widget_y - t->origin_y) / t->scale;
}

gboolean
msc_view_transform_contains (const MscViewTransform *t, double widget_x, double widget_y)
{
  double x, y;
  msc_view_transform_to_image (t, widget_x, widget_y, &x, &y);
  return x >= 0 && y >= 0 && x < t->image_width && y < t->image_height;
}
