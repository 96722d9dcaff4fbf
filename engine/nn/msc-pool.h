/* engine/nn/msc-pool.h — 2-D max pooling (argmax saved for backward, ties to
 * the first element in row-major window order like PyTorch), average pooling
 * (padding counted in the divisor, PyTorch's default) and global average
 * pooling. Output size uses floor division (ceil_mode = False).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 n, c, h, w;      /* x: (N, C, H, W); y: (N, C, OH, OW) */
  int kh, kw;             /* window, >= 1 */
  int sh, sw;             /* stride, >= 1 */
  int ph, pw;             /* zero/-inf padding, <= half the window */
} MscPool2dParams;

/* OH = (H + 2 ph - kh) / sh + 1, likewise OW. */
gboolean msc_pool2d_check     (const MscPool2dParams *p, GError **error);
gint64   msc_pool2d_out_h     (const MscPool2dParams *p);
gint64   msc_pool2d_out_w     (const MscPool2dParams *p);

/* argmax: (N, C, OH, OW), index of the chosen input within its H*W plane. */
void msc_max_pool2d_forward  (const MscPool2dParams *p, const float *x, float *y, gint32 *argmax);
void msc_max_pool2d_backward (const MscPool2dParams *p, const gint32 *argmax, const float *dy, float *dx);

void msc_avg_pool2d_forward  (const MscPool2dParams *p, const float *x, float *y);
void msc_avg_pool2d_backward (const MscPool2dParams *p, const float *dy, float *dx);

typedef struct {
  gint64 n, c, h, w;      /* x: (N, C, H, W); y: (N, C) = (N, C, 1, 1) */
} MscGlobalPoolParams;

gboolean msc_global_avg_pool_check    (const MscGlobalPoolParams *p, GError **error);
void     msc_global_avg_pool_forward  (const MscGlobalPoolParams *p, const float *x, float *y);
void     msc_global_avg_pool_backward (const MscGlobalPoolParams *p, const float *dy, float *dx);

G_END_DECLS
