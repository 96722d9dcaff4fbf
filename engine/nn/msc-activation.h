/* engine/nn/msc-activation.h — pointwise activations (ReLU, SiLU, sigmoid)
 * over n floats of any shape, and softmax over the channels of NCHW
 * (dim = 1), forward and backward. Backward accumulates into dx.
 */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

/* x, y, dy, dx: (n) — any shape, flattened. y may alias x in forward. */
void msc_relu_forward     (const float *x, float *y, gsize n);
/* Gradient 0 at x == 0, like PyTorch. */
void msc_relu_backward    (const float *x, const float *dy, float *dx, gsize n);

/* silu(x) = x * sigmoid(x); backward needs x. */
void msc_silu_forward     (const float *x, float *y, gsize n);
void msc_silu_backward    (const float *x, const float *dy, float *dx, gsize n);

/* Backward needs the forward output y. */
void msc_sigmoid_forward  (const float *x, float *y, gsize n);
void msc_sigmoid_backward (const float *y, const float *dy, float *dx, gsize n);

typedef struct {
  gint64 n, c, h, w;      /* x, y: (N, C, H, W); softmax over C */
} MscSoftmaxParams;

gboolean msc_softmax_check    (const MscSoftmaxParams *p, GError **error);
/* x, y: (N, C, H, W); y must not alias x. */
void     msc_softmax_forward  (const MscSoftmaxParams *p, const float *x, float *y);
/* y: forward output, dy, dx: (N, C, H, W). */
void     msc_softmax_backward (const MscSoftmaxParams *p, const float *y, const float *dy, float *dx);

/* Stable helpers shared with the losses. */
static inline float
msc_sigmoidf (float x)
{
  /* Never exponentiate a large positive number: exp(-|x|) is in (0, 1]. */
  float e = expf (-fabsf (x));
  return x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

G_END_DECLS
