/* engine/imaging/msc-pectoral.h — pectoral muscle detection on MLO views.
 *
 * The muscle is the bright triangle at the top of the chest wall. The
 * result always says how sure it is: callers must not remove tissue when
 * confidence is low (a missed muscle costs less than cut-away breast).
 */
#pragma once

#include <glib.h>
#include "msc-plane.h"
#include "msc-breast.h"
#include "msc-contour.h"       /* MscPoint */
#include "msc-edge.h"          /* MscLine */

G_BEGIN_DECLS

typedef struct {
  gboolean found;
  double confidence;           /* 0..1: how sure; low confidence -> callers must not remove tissue */
  GArray *polygon;             /* MscPoint polygon of the muscle in image pixels; empty when !found */
  MscLine boundary;            /* the fitted boundary line (image pixels, as cv2.HoughLines) */
  double area_fraction;        /* muscle area / breast area */
} MscPectoral;

/* MLO views only; src U8 or U16 (bright = dense), breast from
 * msc_breast_segment on the same src. Not finding a muscle is not an
 * error (found FALSE, confidence 0). (transfer full) */
MscPectoral *msc_pectoral_detect (const MscPlane *src, const MscBreast *breast, GError **error);
void         msc_pectoral_free   (MscPectoral *self);                     /* NULL-safe */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscPectoral, msc_pectoral_free)

G_END_DECLS
