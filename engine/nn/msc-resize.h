/* engine/nn/msc-resize.h — bilinear resize of NCHW planes to any size, the
 * same as PyTorch F.interpolate (mode='bilinear', align_corners=False, size
 * given): half-pixel centres, source coordinates below 0 clamped to 0.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 n, c;
  gint64 in_h, in_w;      /* x: (N, C, in_h, in_w) */
  gint64 out_h, out_w;    /* y: (N, C, out_h, out_w) */
} MscResizeParams;

gboolean msc_resize_check    (const MscResizeParams *p, GError **error);
void     msc_resize_forward  (const MscResizeParams *p, const float *x, float *y);
/* Scatters dy back onto the (at most four) source pixels of each output. */
void     msc_resize_backward (const MscResizeParams *p, const float *dy, float *dx);

G_END_DECLS
