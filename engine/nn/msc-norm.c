/* engine/nn/msc-norm.c — batch and group normalisation. Statistics are
 * accumulated in double (a channel can hold 10^6 pixels) with a two-pass
 * mean/variance, which stays accurate when the mean is large.
 */
#include "msc-norm.h"
#include "msc-nn-error.h"
#include "msc-tensor.h"

#include <math.h>

static gboolean
check_nchw (const char *op, gint64 n, gint64 c, gint64 h, gint64 w, float eps, GError **error)
{
  gint64 d[] = { n, c, h, w };
  gint64 numel;
  for (int i = 0; i < 4; i++)
    if (d[i] < 1)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                     "%s: shape (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                     ", %" G_GINT64_FORMAT ") has a dimension < 1", op, n, c, h, w);
        return FALSE;
      }
  if (!msc_shape_numel (d, 4, &numel) || numel > G_MAXINT64 / 4)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "%s: shape too large", op);
      return FALSE;
    }
  if (!(eps > 0.0f) || !isfinite (eps))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID, "%s: eps %g must be positive", op, (double) eps);
      return FALSE;
    }
  return TRUE;
}

gboolean
msc_batch_norm_check (const MscBatchNormParams *p, gboolean training, GError **error)
{
  if (!check_nchw ("batch norm", p->n, p->c, p->h, p->w, p->eps, error))
    return FALSE;
  if (!(p->momentum >= 0.0f && p->momentum <= 1.0f))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "batch norm: momentum %g is outside [0, 1]", (double) p->momentum);
      return FALSE;
    }
  if (training && p->n * p->h * p->w < 2)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "batch norm: training needs more than one value per channel, got (%" G_GINT64_FORMAT
                   ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                   p->n, p->c, p->h, p->w);
      return FALSE;
    }
  return TRUE;
}

gsize
msc_batch_norm_scratch_floats (const MscBatchNormParams *p)
{
  return (gsize) (2 * p->c);
}

void
msc_batch_norm_forward_train (const MscBatchNormParams *p, const float *x,
                              const float *gamma, const float *beta,
                              float *running_mean, float *running_var,
                              float *y, float *saved)
{
  msc_batch_norm_forward_train_channels (p, 0, p->c, x, gamma, beta, running_mean, running_var,
                                         y, saved);
}

void
msc_batch_norm_forward_train_channels (const MscBatchNormParams *p, gint64 c0, gint64 c1,
                                       const float *x, const float *gamma, const float *beta,
                                       float *running_mean, float *running_var,
                                       float *y, float *saved)
{
  gint64 hw = p->h * p->w, C = p->c;
  double m = (double) (p->n * hw);
  float *mean_s = saved, *invstd_s = saved + C;
  for (gint64 c = c0; c < c1; c++)
    {
      double sum = 0.0;
      for (gint64 n = 0; n < p->n; n++)
        {
          const float *xc = x + (n * C + c) * hw;
          for (gint64 i = 0; i < hw; i++)
            sum += xc[i];
        }
      double mean = sum / m, ss = 0.0;
      for (gint64 n = 0; n < p->n; n++)
        {
          const float *xc = x + (n * C + c) * hw;
          for (gint64 i = 0; i < hw; i++)
            {
              double d = xc[i] - mean;
              ss += d * d;
            }
        }
      double var = ss / m;
      double invstd = 1.0 / sqrt (var + p->eps);
      mean_s[c] = (float) mean;
      invstd_s[c] = (float) invstd;
      if (running_mean)
        running_mean[c] = (float) ((1.0 - p->momentum) * running_mean[c] + p->momentum * mean);
      if (running_var)
        running_var[c] = (float) ((1.0 - p->momentum) * running_var[c] + p->momentum * ss / (m - 1.0));
      float a = (float) invstd * gamma[c];
      float b = beta[c] - (float) mean * a;
      for (gint64 n = 0; n < p->n; n++)
        {
          const float *xc = x + (n * C + c) * hw;
          float *yc = y + (n * C + c) * hw;
          for (gint64 i = 0; i < hw; i++)
            yc[i] = xc[i] * a + b;
        }
    }
}

void
msc_batch_norm_backward_train (const MscBatchNormParams *p, const float *x,
                               const float *gamma, const float *saved, const float *dy,
                               float *dx, float *dgamma, float *dbeta)
{
  msc_batch_norm_backward_train_channels (p, 0, p->c, x, gamma, saved, dy, dx, dgamma, dbeta);
}

void
msc_batch_norm_backward_train_channels (const MscBatchNormParams *p, gint64 c0, gint64 c1,
                                        const float *x, const float *gamma, const float *saved,
                                        const float *dy, float *dx, float *dgamma, float *dbeta)
{
  gint64 hw = p->h * p->w, C = p->c;
  double m = (double) (p->n * hw);
  const float *mean_s = saved, *invstd_s = saved + C;
  for (gint64 c = c0; c < c1; c++)
    {
      double mean = mean_s[c], invstd = invstd_s[c];
      /* sum dy and sum dy * xhat, both over the channel's N*H*W values. */
      double sdy = 0.0, sdyx = 0.0;
      for (gint64 n = 0; n < p->n; n++)
        {
          const float *xc = x + (n * C + c) * hw, *dyc = dy + (n * C + c) * hw;
          for (gint64 i = 0; i < hw; i++)
            {
              sdy += dyc[i];
              sdyx += dyc[i] * ((xc[i] - mean) * invstd);
            }
        }
      if (dgamma)
        dgamma[c] += (float) sdyx;
      if (dbeta)
        dbeta[c] += (float) sdy;
      if (dx == NULL)
        continue;
      /* dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)): the mean and
       * the variance both depend on every x of the channel. */
      float k = (float) (gamma[c] * invstd);
      float mdy = (float) (sdy / m), mdyx = (float) (sdyx / m);
      for (gint64 n = 0; n < p->n; n++)
        {
          const float *xc = x + (n * C + c) * hw, *dyc = dy + (n * C + c) * hw;
          float *dxc = dx + (n * C + c) * hw;
          for (gint64 i = 0; i < hw; i++)
            {
              float xhat = (xc[i] - (float) mean) * (float) invstd;
              dxc[i] += k * (dyc[i] - mdy - xhat * mdyx);
            }
        }
    }
}

void
msc_batch_norm_forward_eval (const MscBatchNormParams *p, const float *x,
                             const float *gamma, const float *beta,
                             const float *running_mean, const float *running_var, float *y)
{
  gint64 hw = p->h * p->w, C = p->c;
  for (gint64 n = 0; n < p->n; n++)
    for (gint64 c = 0; c < C; c++)
      {
        float a = gamma[c] / sqrtf (running_var[c] + p->eps);
        float b = beta[c] - running_mean[c] * a;
        const float *xc = x + (n * C + c) * hw;
        float *yc = y + (n * C + c) * hw;
        for (gint64 i = 0; i < hw; i++)
          yc[i] = xc[i] * a + b;
      }
}

void
msc_batch_norm_backward_eval (const MscBatchNormParams *p, const float *x,
                              const float *gamma, const float *running_mean,
                              const float *running_var, const float *dy,
                              float *dx, float *dgamma, float *dbeta)
{
  gint64 hw = p->h * p->w, C = p->c;
  for (gint64 c = 0; c < C; c++)
    {
      /* Statistics are constants here, so the op is affine per channel. */
      float invstd = 1.0f / sqrtf (running_var[c] + p->eps);
      double sdy = 0.0, sdyx = 0.0;
      for (gint64 n = 0; n < p->n; n++)
        {
          const float *xc = x + (n * C + c) * hw, *dyc = dy + (n * C + c) * hw;
          float *dxc = dx ? dx + (n * C + c) * hw : NULL;
          for (gint64 i = 0; i < hw; i++)
            {
              sdy += dyc[i];
              sdyx += dyc[i] * ((xc[i] - running_mean[c]) * invstd);
            }
          if (dxc)
            for (gint64 i = 0; i < hw; i++)
              dxc[i] += dyc[i] * gamma[c] * invstd;
        }
      if (dgamma)
        dgamma[c] += (float) sdyx;
      if (dbeta)
        dbeta[c] += (float) sdy;
    }
}

gboolean
msc_group_norm_check (const MscGroupNormParams *p, GError **error)
{
  if (!check_nchw ("group norm", p->n, p->c, p->h, p->w, p->eps, error))
    return FALSE;
  if (p->groups < 1 || p->c % p->groups != 0)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "group norm: %" G_GINT64_FORMAT " groups do not divide %" G_GINT64_FORMAT " channels",
                   p->groups, p->c);
      return FALSE;
    }
  return TRUE;
}

gsize
msc_group_norm_scratch_floats (const MscGroupNormParams *p)
{
  return (gsize) (2 * p->n * p->groups);
}

void
msc_group_norm_forward (const MscGroupNormParams *p, const float *x,
                        const float *gamma, const float *beta, float *y, float *saved)
{
  gint64 G = p->groups, cg = p->c / G, hw = p->h * p->w;
  gint64 len = cg * hw;   /* a group is one contiguous run in NCHW */
  float *mean_s = saved, *invstd_s = saved + p->n * G;
  for (gint64 n = 0; n < p->n; n++)
    for (gint64 g = 0; g < G; g++)
      {
        const float *xg = x + (n * p->c + g * cg) * hw;
        float *yg = y + (n * p->c + g * cg) * hw;
        double sum = 0.0, ss = 0.0;
        for (gint64 i = 0; i < len; i++)
          sum += xg[i];
        double mean = sum / (double) len;
        for (gint64 i = 0; i < len; i++)
          {
            double d = xg[i] - mean;
            ss += d * d;
          }
        /* Biased variance, as GroupNorm in PyTorch. */
        double invstd = 1.0 / sqrt (ss / (double) len + p->eps);
        mean_s[n * G + g] = (float) mean;
        invstd_s[n * G + g] = (float) invstd;
        for (gint64 k = 0; k < cg; k++)
          {
            gint64 c = g * cg + k;
            float a = (float) invstd * gamma[c];
            float b = beta[c] - (float) mean * a;
            for (gint64 i = 0; i < hw; i++)
              yg[k * hw + i] = xg[k * hw + i] * a + b;
          }
      }
}

void
msc_group_norm_backward (const MscGroupNormParams *p, const float *x,
                         const float *gamma, const float *saved, const float *dy,
                         float *dx, float *dgamma, float *dbeta)
{
  gint64 G = p->groups, cg = p->c / G, hw = p->h * p->w;
  double len = (double) (cg * hw);
  const float *mean_s = saved, *invstd_s = saved + p->n * G;
  for (gint64 n = 0; n < p->n; n++)
    for (gint64 g = 0; g < G; g++)
      {
        const float *xg = x + (n * p->c + g * cg) * hw, *dyg = dy + (n * p->c + g * cg) * hw;
        float mean = mean_s[n * G + g], invstd = invstd_s[n * G + g];
        /* With dxhat = dy * gamma[c]: sums of dxhat and dxhat * xhat over
         * the group give the gradient through the group's statistics. */
        double sdxh = 0.0, sdxhx = 0.0;
        for (gint64 k = 0; k < cg; k++)
          {
            gint64 c = g * cg + k;
            double sdy = 0.0, sdyx = 0.0;
            for (gint64 i = 0; i < hw; i++)
              {
                float xhat = (xg[k * hw + i] - mean) * invstd;
                sdy += dyg[k * hw + i];
                sdyx += dyg[k * hw + i] * xhat;
              }
            if (dgamma)
              dgamma[c] += (float) sdyx;
            if (dbeta)
              dbeta[c] += (float) sdy;
            sdxh += gamma[c] * sdy;
            sdxhx += gamma[c] * sdyx;
          }
        if (dx == NULL)
          continue;
        float mdxh = (float) (sdxh / len), mdxhx = (float) (sdxhx / len);
        float *dxg = dx + (n * p->c + g * cg) * hw;
        for (gint64 k = 0; k < cg; k++)
          {
            float gc = gamma[g * cg + k];
            for (gint64 i = 0; i < hw; i++)
              {
                float xhat = (xg[k * hw + i] - mean) * invstd;
                dxg[k * hw + i] += invstd * (dyg[k * hw + i] * gc - mdxh - xhat * mdxhx);
              }
          }
      }
}
