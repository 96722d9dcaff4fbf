/* engine/nn/msc-resize.c — bilinear interpolation with PyTorch's
 * align_corners=False sampling. Source positions and weights are computed
 * per output row/column on the fly (no scratch) in float, as PyTorch does.
 */
#include "msc-resize.h"
#include "msc-nn-error.h"
#include "msc-tensor.h"

typedef struct {
  gint64 i0, i1;          /* source indices, i1 = i0 or i0 + 1 */
  float l0, l1;           /* their weights, summing to 1 */
} Tap;

static inline Tap
source_tap (gint64 dst, gint64 in_size, gint64 out_size)
{
  float scale = (float) in_size / (float) out_size;
  /* Half-pixel centres; negative positions (upsampling, first pixels) are
   * clamped to 0 rather than extrapolated. */
  float src = scale * ((float) dst + 0.5f) - 0.5f;
  if (src < 0.0f)
    src = 0.0f;
  Tap t;
  t.i0 = (gint64) src;
  if (t.i0 > in_size - 1)
    t.i0 = in_size - 1;
  t.i1 = t.i0 + (t.i0 < in_size - 1 ? 1 : 0);
  t.l1 = src - (float) t.i0;
  t.l0 = 1.0f - t.l1;
  return t;
}

gboolean
msc_resize_check (const MscResizeParams *p, GError **error)
{
  gint64 d[] = { p->n, p->c, p->in_h, p->in_w, p->out_h, p->out_w };
  static const char *names[] = { "N", "C", "in_h", "in_w", "out_h", "out_w" };
  for (int i = 0; i < 6; i++)
    if (d[i] < 1)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                     "bilinear resize: %s is %" G_GINT64_FORMAT ", must be >= 1", names[i], d[i]);
        return FALSE;
      }
  gint64 in_shape[] = { p->n, p->c, p->in_h, p->in_w }, out_shape[] = { p->n, p->c, p->out_h, p->out_w };
  gint64 numel;
  if (!msc_shape_numel (in_shape, 4, &numel) || !msc_shape_numel (out_shape, 4, &numel))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "bilinear resize: shape too large");
      return FALSE;
    }
  return TRUE;
}

void
msc_resize_forward (const MscResizeParams *p, const float *x, float *y)
{
  gint64 ihw = p->in_h * p->in_w, ohw = p->out_h * p->out_w;
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    {
      const float *xp = x + plane * ihw;
      float *yp = y + plane * ohw;
      for (gint64 oy = 0; oy < p->out_h; oy++)
        {
          Tap ty = source_tap (oy, p->in_h, p->out_h);
          const float *r0 = xp + ty.i0 * p->in_w, *r1 = xp + ty.i1 * p->in_w;
          for (gint64 ox = 0; ox < p->out_w; ox++)
            {
              Tap tx = source_tap (ox, p->in_w, p->out_w);
              yp[oy * p->out_w + ox] = ty.l0 * (tx.l0 * r0[tx.i0] + tx.l1 * r0[tx.i1])
                                       + ty.l1 * (tx.l0 * r1[tx.i0] + tx.l1 * r1[tx.i1]);
            }
        }
    }
}

void
msc_resize_backward (const MscResizeParams *p, const float *dy, float *dx)
{
  if (dx == NULL)
    return;
  gint64 ihw = p->in_h * p->in_w, ohw = p->out_h * p->out_w;
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    {
      float *dxp = dx + plane * ihw;
      const float *dyp = dy + plane * ohw;
      for (gint64 oy = 0; oy < p->out_h; oy++)
        {
          Tap ty = source_tap (oy, p->in_h, p->out_h);
          float *r0 = dxp + ty.i0 * p->in_w, *r1 = dxp + ty.i1 * p->in_w;
          for (gint64 ox = 0; ox < p->out_w; ox++)
            {
              Tap tx = source_tap (ox, p->in_w, p->out_w);
              float g = dyp[oy * p->out_w + ox];
              /* i0 == i1 at the border: both weights land on one pixel. */
              r0[tx.i0] += ty.l0 * tx.l0 * g;
              r0[tx.i1] += ty.l0 * tx.l1 * g;
              r1[tx.i0] += ty.l1 * tx.l0 * g;
              r1[tx.i1] += ty.l1 * tx.l1 * g;
            }
        }
    }
}
