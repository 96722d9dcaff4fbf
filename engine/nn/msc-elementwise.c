/* engine/nn/msc-elementwise.c — add, multiply, channel scale, concat and
 * dropout kernels: contiguous loops, no allocation.
 */
#include "msc-elementwise.h"
#include "msc-nn-error.h"
#include "msc-tensor.h"

static gboolean
check_dims (const char *op, const gint64 *dims, int n_dims, GError **error)
{
  for (int i = 0; i < n_dims; i++)
    if (dims[i] < 1)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                     "%s: dimension %d is %" G_GINT64_FORMAT ", must be >= 1", op, i, dims[i]);
        return FALSE;
      }
  gint64 numel;
  if (!msc_shape_numel (dims, (guint) n_dims, &numel))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "%s: shape too large", op);
      return FALSE;
    }
  return TRUE;
}

void
msc_add_forward (const float *a, const float *b, float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = a[i] + b[i];
}

void
msc_add_backward (const float *dy, float *da, float *db, gsize n)
{
  if (da)
    for (gsize i = 0; i < n; i++)
      da[i] += dy[i];
  if (db)
    for (gsize i = 0; i < n; i++)
      db[i] += dy[i];
}

void
msc_mul_forward (const float *a, const float *b, float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = a[i] * b[i];
}

void
msc_mul_backward (const float *a, const float *b, const float *dy, float *da, float *db, gsize n)
{
  if (da)
    for (gsize i = 0; i < n; i++)
      da[i] += dy[i] * b[i];
  if (db)
    for (gsize i = 0; i < n; i++)
      db[i] += dy[i] * a[i];
}

gboolean
msc_channel_scale_check (const MscChannelScaleParams *p, GError **error)
{
  gint64 d[] = { p->n, p->c, p->h, p->w };
  return check_dims ("channel scale", d, 4, error);
}

void
msc_channel_scale_forward (const MscChannelScaleParams *p, const float *x, const float *s, float *y)
{
  gint64 hw = p->h * p->w, nc = p->n * p->c;
  for (gint64 j = 0; j < nc; j++)
    {
      float sj = s[j];
      for (gint64 i = 0; i < hw; i++)
        y[j * hw + i] = x[j * hw + i] * sj;
    }
}

void
msc_channel_scale_backward (const MscChannelScaleParams *p, const float *x, const float *s,
                            const float *dy, float *dx, float *ds)
{
  gint64 hw = p->h * p->w, nc = p->n * p->c;
  for (gint64 j = 0; j < nc; j++)
    {
      const float *xj = x + j * hw, *dyj = dy + j * hw;
      if (dx)
        for (gint64 i = 0; i < hw; i++)
          dx[j * hw + i] += dyj[i] * s[j];
      if (ds)
        {
          /* The scale sees a whole plane: accumulate in double. */
          double acc = 0.0;
          for (gint64 i = 0; i < hw; i++)
            acc += (double) dyj[i] * xj[i];
          ds[j] += (float) acc;
        }
    }
}

gboolean
msc_concat_check (const MscConcatParams *p, GError **error)
{
  gint64 d[] = { p->n, p->h, p->w };
  if (!check_dims ("concat", d, 3, error))
    return FALSE;
  if (p->k < 1 || p->channels == NULL)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "concat: needs at least one input");
      return FALSE;
    }
  for (guint i = 0; i < p->k; i++)
    if (p->channels[i] < 1)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                     "concat: input %u has %" G_GINT64_FORMAT " channels, must be >= 1", i, p->channels[i]);
        return FALSE;
      }
  gint64 c_out = 0, numel;
  for (guint i = 0; i < p->k; i++)
    if (__builtin_add_overflow (c_out, p->channels[i], &c_out))
      break;
  gint64 out_shape[] = { p->n, c_out, p->h, p->w };
  if (!msc_shape_numel (out_shape, 4, &numel))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "concat: output shape too large");
      return FALSE;
    }
  return TRUE;
}

gint64
msc_concat_out_channels (const MscConcatParams *p)
{
  gint64 c = 0;
  for (guint i = 0; i < p->k; i++)
    c += p->channels[i];
  return c;
}

void
msc_concat_forward (const MscConcatParams *p, const float *const *xs, float *y)
{
  gint64 hw = p->h * p->w, c_out = msc_concat_out_channels (p);
  /* In NCHW each image of input i is one contiguous run of channels[i] * hw
   * floats, so concat is k block copies per image. */
  for (gint64 n = 0; n < p->n; n++)
    {
      float *yn = y + n * c_out * hw;
      for (guint i = 0; i < p->k; i++)
        {
          gint64 len = p->channels[i] * hw;
          const float *src = xs[i] + n * len;
          for (gint64 j = 0; j < len; j++)
            yn[j] = src[j];
          yn += len;
        }
    }
}

void
msc_concat_backward (const MscConcatParams *p, const float *dy, float *const *dxs)
{
  gint64 hw = p->h * p->w, c_out = msc_concat_out_channels (p);
  for (gint64 n = 0; n < p->n; n++)
    {
      const float *dyn = dy + n * c_out * hw;
      for (guint i = 0; i < p->k; i++)
        {
          gint64 len = p->channels[i] * hw;
          if (dxs[i])
            {
              float *dst = dxs[i] + n * len;
              for (gint64 j = 0; j < len; j++)
                dst[j] += dyn[j];
            }
          dyn += len;
        }
    }
}

gboolean
msc_dropout_check (const MscDropoutParams *p, GError **error)
{
  if (!(p->p >= 0.0f && p->p <= 1.0f))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "dropout: probability %g is outside [0, 1]", (double) p->p);
      return FALSE;
    }
  return TRUE;
}

void
msc_dropout_forward (const MscDropoutParams *p, MscRng *rng, const float *x, float *y, float *mask)
{
  if (!p->training || p->p == 0.0f)
    {
      for (gsize i = 0; i < p->n; i++)
        y[i] = x[i];
      if (p->training && mask)
        for (gsize i = 0; i < p->n; i++)
          mask[i] = 1.0f;
      return;
    }
  /* p == 1 would scale by infinity; PyTorch returns zeros, so do we. */
  float scale = p->p >= 1.0f ? 0.0f : 1.0f / (1.0f - p->p);
  for (gsize i = 0; i < p->n; i++)
    mask[i] = msc_rng_uniform (rng) < p->p ? 0.0f : scale;
  for (gsize i = 0; i < p->n; i++)
    y[i] = x[i] * mask[i];
}

void
msc_dropout_backward (const MscDropoutParams *p, const float *mask, const float *dy, float *dx)
{
  if (dx == NULL)
    return;
  if (!p->training || mask == NULL)
    {
      for (gsize i = 0; i < p->n; i++)
        dx[i] += dy[i];
      return;
    }
  for (gsize i = 0; i < p->n; i++)
    dx[i] += dy[i] * mask[i];
}
