/* engine/nn/msc-pool.c — max, average and global average pooling over NCHW
 * planes. Window bounds are clipped to the image once per output row and
 * column, so the inner loops never test for padding.
 */
#include "msc-pool.h"
#include "msc-nn-error.h"
#include "msc-tensor.h"

#include <math.h>

gboolean
msc_pool2d_check (const MscPool2dParams *p, GError **error)
{
  gint64 d[] = { p->n, p->c, p->h, p->w };
  for (int i = 0; i < 4; i++)
    if (d[i] < 1)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                     "pool2d: input dimension %d is %" G_GINT64_FORMAT ", must be >= 1", i, d[i]);
        return FALSE;
      }
  gint64 numel;
  if (!msc_shape_numel (d, 4, &numel) || p->h + 2 * (gint64) p->ph > G_MAXINT32 || p->w + 2 * (gint64) p->pw > G_MAXINT32)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "pool2d: input shape too large");
      return FALSE;
    }
  if (p->kh < 1 || p->kw < 1 || p->sh < 1 || p->sw < 1 || p->ph < 0 || p->pw < 0)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "pool2d: kernel %dx%d, stride %dx%d, padding %dx%d: kernel and stride must be >= 1, padding >= 0",
                   p->kh, p->kw, p->sh, p->sw, p->ph, p->pw);
      return FALSE;
    }
  /* Larger padding would allow windows made only of padding. */
  if (p->ph > p->kh / 2 || p->pw > p->kw / 2)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "pool2d: padding %dx%d exceeds half the kernel %dx%d", p->ph, p->pw, p->kh, p->kw);
      return FALSE;
    }
  if (p->h + 2 * p->ph < p->kh || p->w + 2 * p->pw < p->kw)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "pool2d: kernel %dx%d is larger than the padded input %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
                   p->kh, p->kw, p->h + 2 * p->ph, p->w + 2 * p->pw);
      return FALSE;
    }
  if (p->h * p->w > G_MAXINT32)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "pool2d: plane too large for 32-bit argmax");
      return FALSE;
    }
  return TRUE;
}

gint64
msc_pool2d_out_h (const MscPool2dParams *p)
{
  return (p->h + 2 * p->ph - p->kh) / p->sh + 1;
}

gint64
msc_pool2d_out_w (const MscPool2dParams *p)
{
  return (p->w + 2 * p->pw - p->kw) / p->sw + 1;
}

void
msc_max_pool2d_forward (const MscPool2dParams *p, const float *x, float *y, gint32 *argmax)
{
  gint64 oh = msc_pool2d_out_h (p), ow = msc_pool2d_out_w (p), hw = p->h * p->w;
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    {
      const float *xp = x + plane * hw;
      float *yp = y + plane * oh * ow;
      gint32 *ap = argmax + plane * oh * ow;
      for (gint64 oy = 0; oy < oh; oy++)
        {
          gint64 y0 = MAX (oy * p->sh - p->ph, 0), y1 = MIN (oy * p->sh - p->ph + p->kh, p->h);
          for (gint64 ox = 0; ox < ow; ox++)
            {
              gint64 x0 = MAX (ox * p->sw - p->pw, 0), x1 = MIN (ox * p->sw - p->pw + p->kw, p->w);
              float best = -INFINITY;
              gint64 best_i = y0 * p->w + x0;
              for (gint64 iy = y0; iy < y1; iy++)
                for (gint64 ix = x0; ix < x1; ix++)
                  {
                    float v = xp[iy * p->w + ix];
                    /* Strict > keeps the first maximum; NaN wins and stays, as in PyTorch. */
                    if (v > best || isnan (v))
                      {
                        best = v;
                        best_i = iy * p->w + ix;
                        if (isnan (v))
                          goto done;
                      }
                  }
            done:
              yp[oy * ow + ox] = best;
              ap[oy * ow + ox] = (gint32) best_i;
            }
        }
    }
}

void
msc_max_pool2d_backward (const MscPool2dParams *p, const gint32 *argmax, const float *dy, float *dx)
{
  if (dx == NULL)
    return;
  gint64 ohw = msc_pool2d_out_h (p) * msc_pool2d_out_w (p), hw = p->h * p->w;
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    for (gint64 o = 0; o < ohw; o++)
      dx[plane * hw + argmax[plane * ohw + o]] += dy[plane * ohw + o];
}

void
msc_avg_pool2d_forward (const MscPool2dParams *p, const float *x, float *y)
{
  gint64 oh = msc_pool2d_out_h (p), ow = msc_pool2d_out_w (p), hw = p->h * p->w;
  /* count_include_pad: padding zeros count, so the divisor is always the
   * window size (ceil_mode off means no window leaves the padded image). */
  float inv = 1.0f / (float) (p->kh * p->kw);
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    {
      const float *xp = x + plane * hw;
      float *yp = y + plane * oh * ow;
      for (gint64 oy = 0; oy < oh; oy++)
        {
          gint64 y0 = MAX (oy * p->sh - p->ph, 0), y1 = MIN (oy * p->sh - p->ph + p->kh, p->h);
          for (gint64 ox = 0; ox < ow; ox++)
            {
              gint64 x0 = MAX (ox * p->sw - p->pw, 0), x1 = MIN (ox * p->sw - p->pw + p->kw, p->w);
              float s = 0.0f;
              for (gint64 iy = y0; iy < y1; iy++)
                for (gint64 ix = x0; ix < x1; ix++)
                  s += xp[iy * p->w + ix];
              yp[oy * ow + ox] = s * inv;
            }
        }
    }
}

void
msc_avg_pool2d_backward (const MscPool2dParams *p, const float *dy, float *dx)
{
  if (dx == NULL)
    return;
  gint64 oh = msc_pool2d_out_h (p), ow = msc_pool2d_out_w (p), hw = p->h * p->w;
  float inv = 1.0f / (float) (p->kh * p->kw);
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    {
      float *dxp = dx + plane * hw;
      const float *dyp = dy + plane * oh * ow;
      for (gint64 oy = 0; oy < oh; oy++)
        {
          gint64 y0 = MAX (oy * p->sh - p->ph, 0), y1 = MIN (oy * p->sh - p->ph + p->kh, p->h);
          for (gint64 ox = 0; ox < ow; ox++)
            {
              gint64 x0 = MAX (ox * p->sw - p->pw, 0), x1 = MIN (ox * p->sw - p->pw + p->kw, p->w);
              float g = dyp[oy * ow + ox] * inv;
              for (gint64 iy = y0; iy < y1; iy++)
                for (gint64 ix = x0; ix < x1; ix++)
                  dxp[iy * p->w + ix] += g;
            }
        }
    }
}

gboolean
msc_global_avg_pool_check (const MscGlobalPoolParams *p, GError **error)
{
  gint64 d[] = { p->n, p->c, p->h, p->w };
  for (int i = 0; i < 4; i++)
    if (d[i] < 1)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                     "global avg pool: input dimension %d is %" G_GINT64_FORMAT ", must be >= 1", i, d[i]);
        return FALSE;
      }
  gint64 numel;
  if (!msc_shape_numel (d, 4, &numel))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "global avg pool: input shape too large");
      return FALSE;
    }
  return TRUE;
}

void
msc_global_avg_pool_forward (const MscGlobalPoolParams *p, const float *x, float *y)
{
  gint64 hw = p->h * p->w;
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    {
      double s = 0.0;   /* a plane can be a whole mammogram */
      for (gint64 i = 0; i < hw; i++)
        s += x[plane * hw + i];
      y[plane] = (float) (s / (double) hw);
    }
}

void
msc_global_avg_pool_backward (const MscGlobalPoolParams *p, const float *dy, float *dx)
{
  if (dx == NULL)
    return;
  gint64 hw = p->h * p->w;
  for (gint64 plane = 0; plane < p->n * p->c; plane++)
    {
      float g = dy[plane] / (float) hw;
      for (gint64 i = 0; i < hw; i++)
        dx[plane * hw + i] += g;
    }
}
