/* ui/msc-image-view-private.h — the image view's rendering kernels, apart
 * from the widget so the benchmark and tests can time and check them:
 * a mean pyramid of stored values and the LUT mapping into textures.
 */
#pragma once

#include <gtk/gtk.h>

#include "msc-image.h"
#include "msc-image-view.h"

G_BEGIN_DECLS

#define MSC_VIEW_PYRAMID_MAX_LEVELS 8

/* Level 0 is the image itself (borrowed); level k is a 2x2 mean of level
 * k-1, (w + 1) / 2 x (h + 1) / 2, computed the first time it is asked for. */
typedef struct _MscViewPyramid MscViewPyramid;

MscViewPyramid *msc_view_pyramid_new          (MscImage *image);   /* refs image */
void            msc_view_pyramid_free         (MscViewPyramid *self);  /* NULL-safe */
guint           msc_view_pyramid_get_n_levels (MscViewPyramid *self);
/* (transfer none) The level's stored values, row-major; fills in width/height. */
const guint16  *msc_view_pyramid_get_level    (MscViewPyramid *self, guint level,
                                               guint *width, guint *height);
/* The level through lut (n_lut entries; larger values take the last) as
 * an opaque grey GdkMemoryTexture (transfer full). */
GdkTexture     *msc_view_pyramid_map          (MscViewPyramid *self, guint level,
                                               const guint8 *lut, gsize n_lut);

/* The display table the view maps stored values through now (n entries,
 * 2^bits_stored), or NULL without an image. (transfer none) For tests. */
const guint8   *msc_image_view_peek_lut       (MscImageView *self, gsize *n);

/* Zooms by factor keeping the image point under widget point (x, y) in
 * place: what the wheel and pinch do, callable from tests. */
void            msc_image_view_zoom_about     (MscImageView *self, double factor, double x, double y);

G_END_DECLS
