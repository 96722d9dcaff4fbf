/* engine/imaging/msc-contour.h — polygons from probability maps and masks
 * (marching squares), Douglas-Peucker simplification, rasterisation of
 * annotation polygons, and polygon measures in millimetres.
 *
 * Polygons are GArrays of MscPoint in pixel coordinates (pixel centres at
 * integers), implicitly closed (the last point is not repeated).
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"

G_BEGIN_DECLS

typedef struct { double x, y; } MscPoint;

/* Iso-contours of a plane (F32 probability map, or a U8/U16 mask) at
 * threshold by marching squares with linear interpolation along cell edges;
 * closed polygons in pixel coordinates. Pixels outside the image count as
 * below the threshold (so contours close along the border) and so does NaN.
 * Orientation is not part of the contract (measures take absolute values);
 * holes come out as separate polygons, so even-odd rasterisation of the
 * whole set reproduces the region. (transfer full) GPtrArray of GArray of
 * MscPoint */
GPtrArray *msc_contour_trace        (const MscPlane *map, double threshold, GError **error);
/* Douglas-Peucker simplification of a closed polygon, tolerance in pixels. (transfer full) */
GArray    *msc_contour_simplify     (const GArray *polygon, double tolerance);
/* U8 mask (0/255) of width x height: pixels whose centres lie inside any of
 * the polygons (even-odd rule). */
MscPlane  *msc_contour_rasterize    (const GPtrArray *polygons, guint width, guint height, GError **error);
/* Area (mm^2, non-negative) and perimeter (mm) with row_mm between rows and
 * col_mm between columns. */
double     msc_contour_area_mm2     (const GArray *polygon, double row_mm, double col_mm);
double     msc_contour_perimeter_mm (const GArray *polygon, double row_mm, double col_mm);
/* Even-odd point-in-polygon test. */
gboolean   msc_contour_contains     (const GArray *polygon, double x, double y);

G_END_DECLS
