/* engine/nn/msc-dense.h — fully connected layer, y = x W^T + b.
 *
 * Classification heads use it after global pooling; forward and backward
 * are single msc_sgemm calls, no scratch.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* x: (n, in); w: (out, in) as in PyTorch's nn.Linear; b: (out); y: (n, out). */
typedef struct {
  gint64 n, in, out;
} MscDenseParams;

/* MSC_NN_ERROR_INVALID for sizes < 1, _SHAPE for sizes that overflow. */
gboolean msc_dense_params_check (const MscDenseParams *p, GError **error);

/* y = x w^T + b; b may be NULL. y is overwritten. */
void     msc_dense_forward      (const MscDenseParams *p,
                                 const float *x,   /* (n, in) */
                                 const float *w,   /* (out, in) */
                                 const float *b,   /* (out) or NULL */
                                 float *y);        /* (n, out) */

/* Accumulates dL/dx, dL/dw, dL/db (each nullable) from dy. */
void     msc_dense_backward     (const MscDenseParams *p,
                                 const float *x,   /* (n, in) */
                                 const float *w,   /* (out, in) */
                                 const float *dy,  /* (n, out) */
                                 float *dx,        /* (n, in) or NULL */
                                 float *dw,        /* (out, in) or NULL */
                                 float *db);       /* (out) or NULL */

G_END_DECLS
