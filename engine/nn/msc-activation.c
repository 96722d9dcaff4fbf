/* engine/nn/msc-activation.c — pointwise activations and channel softmax.
 * Plain loops over contiguous floats so the compiler can vectorise them.
 */
#include "msc-activation.h"
#include "msc-nn-error.h"
#include "msc-tensor.h"

#include <math.h>

void
msc_relu_forward (const float *x, float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void
msc_relu_backward (const float *x, const float *dy, float *dx, gsize n)
{
  if (dx == NULL)
    return;
  /* Load dy unconditionally: a load inside the ?: is conditional in C and
   * blocks vectorisation. */
  for (gsize i = 0; i < n; i++)
    {
      float g = dy[i];
      dx[i] += x[i] > 0.0f ? g : 0.0f;
    }
}

void
msc_silu_forward (const float *x, float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = x[i] * msc_sigmoidf (x[i]);
}

void
msc_silu_backward (const float *x, const float *dy, float *dx, gsize n)
{
  if (dx == NULL)
    return;
  /* d/dx x s(x) = s (1 + x (1 - s)). */
  for (gsize i = 0; i < n; i++)
    {
      float s = msc_sigmoidf (x[i]);
      dx[i] += dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

void
msc_sigmoid_forward (const float *x, float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = msc_sigmoidf (x[i]);
}

void
msc_sigmoid_backward (const float *y, const float *dy, float *dx, gsize n)
{
  if (dx == NULL)
    return;
  for (gsize i = 0; i < n; i++)
    dx[i] += dy[i] * y[i] * (1.0f - y[i]);
}

gboolean
msc_softmax_check (const MscSoftmaxParams *p, GError **error)
{
  gint64 shape[] = { p->n, p->c, p->h, p->w };
  for (int i = 0; i < 4; i++)
    if (shape[i] < 1)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                     "softmax: shape (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                     ", %" G_GINT64_FORMAT ") has a dimension < 1", p->n, p->c, p->h, p->w);
        return FALSE;
      }
  gint64 numel;
  if (!msc_shape_numel (shape, 4, &numel))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "softmax: shape too large");
      return FALSE;
    }
  return TRUE;
}

void
msc_softmax_forward (const MscSoftmaxParams *p, const float *x, float *y)
{
  gint64 hw = p->h * p->w, c = p->c;
  for (gint64 n = 0; n < p->n; n++)
    {
      const float *xn = x + n * c * hw;
      float *yn = y + n * c * hw;
      /* Channel-outer loops keep the inner loop contiguous over pixels;
       * y holds the running max, then the exponentials. */
      for (gint64 i = 0; i < hw; i++)
        yn[i] = xn[i];
      for (gint64 k = 1; k < c; k++)
        for (gint64 i = 0; i < hw; i++)
          yn[i] = fmaxf (yn[i], xn[k * hw + i]);
      /* Subtracting the max keeps exp() <= 1 (no overflow). Process channels
       * from last to first so the max in yn[0..hw) is read before it is
       * overwritten by channel 0's exponential. */
      for (gint64 k = c - 1; k >= 0; k--)
        for (gint64 i = 0; i < hw; i++)
          yn[k * hw + i] = expf (xn[k * hw + i] - yn[i]);
      /* Every term is in (0, 1] and one is exactly 1, so a float sum over
       * the (few) channels cannot lose the result. */
      for (gint64 i = 0; i < hw; i++)
        {
          float s = 0.0f;
          for (gint64 k = 0; k < c; k++)
            s += yn[k * hw + i];
          float inv = 1.0f / s;
          for (gint64 k = 0; k < c; k++)
            yn[k * hw + i] *= inv;
        }
    }
}

void
msc_softmax_backward (const MscSoftmaxParams *p, const float *y, const float *dy, float *dx)
{
  if (dx == NULL)
    return;
  gint64 hw = p->h * p->w, c = p->c;
  /* dx_k = y_k (dy_k - sum_j y_j dy_j). */
  for (gint64 n = 0; n < p->n; n++)
    {
      const float *yn = y + n * c * hw, *dyn = dy + n * c * hw;
      float *dxn = dx + n * c * hw;
      for (gint64 i = 0; i < hw; i++)
        {
          float dot = 0.0f;
          for (gint64 k = 0; k < c; k++)
            dot += yn[k * hw + i] * dyn[k * hw + i];
          for (gint64 k = 0; k < c; k++)
            dxn[k * hw + i] += yn[k * hw + i] * (dyn[k * hw + i] - dot);
        }
    }
}
