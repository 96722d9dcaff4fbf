/* engine/imaging/msc-edge.h — Canny edge detection (as cv2.Canny with a
 * 3x3 Sobel aperture) and the standard Hough line transform (as
 * cv2.HoughLines), used to find the pectoral muscle border on MLO views.
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"

G_BEGIN_DECLS

/* Canny edges of a U8 plane (3x3 Sobel, L1 or L2 gradient magnitude, hysteresis), as cv2.Canny; U8 0/255 out. */
MscPlane *msc_edge_canny       (const MscPlane *src, double low, double high, gboolean l2_gradient, GError **error);

typedef struct { double rho, theta; guint votes; } MscLine;  /* x cos(theta) + y sin(theta) = rho, as cv2.HoughLines */

/* Standard Hough transform of a U8 edge mask, theta in [theta_min, theta_max),
 * lines with >= threshold votes after 3x3 non-maximum suppression in the
 * accumulator, strongest first, at most max_lines. (transfer full) GArray of MscLine */
GArray   *msc_edge_hough_lines (const MscPlane *edges, double rho_step, double theta_step,
                                double theta_min, double theta_max, guint threshold, guint max_lines,
                                GError **error);

G_END_DECLS
