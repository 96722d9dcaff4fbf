/* engine/nn/msc-loss.c — losses on logits. Log-probabilities come from
 * softplus / log-sum-exp forms that never exponentiate large positive
 * numbers, so extreme logits give finite losses and gradients.
 */
#include "msc-loss.h"
#include "msc-activation.h"
#include "msc-nn-error.h"

#include <math.h>

/* log(1 + exp(x)) without overflow. */
static inline double
softplus (double x)
{
  return fmax (x, 0.0) + log1p (exp (-fabs (x)));
}

static gboolean
check_positive (const char *op, const char *what, gint64 v, GError **error)
{
  if (v < 1)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "%s: %s is %" G_GINT64_FORMAT ", must be >= 1", op, what, v);
      return FALSE;
    }
  return TRUE;
}

gboolean
msc_dice_check (const MscDiceParams *p, GError **error)
{
  if (!check_positive ("dice loss", "N", p->n, error)
      || !check_positive ("dice loss", "per-image size", p->per_image, error))
    return FALSE;
  if (!(p->smooth >= 0.0f) || !isfinite (p->smooth))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "dice loss: smoothing %g must be finite and >= 0", (double) p->smooth);
      return FALSE;
    }
  return TRUE;
}

double
msc_dice_loss (const MscDiceParams *p, const float *logits, const float *targets, float *dlogits)
{
  double total = 0.0;
  gint64 m = p->per_image;
  for (gint64 n = 0; n < p->n; n++)
    {
      const float *x = logits + n * m, *t = targets + n * m;
      double inter = 0.0, sum_p = 0.0, sum_t = 0.0;
      for (gint64 i = 0; i < m; i++)
        {
          double s = msc_sigmoidf (x[i]);
          inter += s * t[i];
          sum_p += s;
          sum_t += t[i];
        }
      double num = 2.0 * inter + p->smooth, den = sum_p + sum_t + p->smooth;
      if (den <= 0.0)     /* smooth 0, empty prediction and target: perfect */
        continue;
      total += 1.0 - num / den;
      if (dlogits == NULL)
        continue;
      /* d/ds_i (1 - num/den) = -(2 t_i den - num) / den^2, times s (1 - s),
       * averaged over the N images. */
      double k = 1.0 / ((double) p->n * den * den);
      for (gint64 i = 0; i < m; i++)
        {
          double s = msc_sigmoidf (x[i]);
          dlogits[n * m + i] += (float) (-(2.0 * t[i] * den - num) * k * s * (1.0 - s));
        }
    }
  return total / (double) p->n;
}

gboolean
msc_bce_check (const MscBceParams *p, GError **error)
{
  if (!check_positive ("binary cross-entropy", "element count", p->count, error))
    return FALSE;
  if (!(p->pos_weight >= 0.0f) || !isfinite (p->pos_weight))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "binary cross-entropy: pos_weight %g must be finite and >= 0", (double) p->pos_weight);
      return FALSE;
    }
  return TRUE;
}

double
msc_bce_loss (const MscBceParams *p, const float *logits, const float *targets,
              const float *weight, float *dlogits)
{
  double total = 0.0, pw = p->pos_weight, inv_n = 1.0 / (double) p->count;
  for (gint64 i = 0; i < p->count; i++)
    {
      double x = logits[i], t = targets[i], w = weight ? weight[i] : 1.0;
      /* -log s(x) = softplus(-x), -log(1 - s(x)) = softplus(x). */
      total += w * (pw * t * softplus (-x) + (1.0 - t) * softplus (x));
      if (dlogits)
        {
          double s = msc_sigmoidf ((float) x);
          dlogits[i] += (float) (w * (-pw * t * (1.0 - s) + (1.0 - t) * s) * inv_n);
        }
    }
  return total * inv_n;
}

gboolean
msc_cross_entropy_check (const MscCrossEntropyParams *p, const gint32 *targets, GError **error)
{
  if (!check_positive ("cross-entropy", "N", p->n, error)
      || !check_positive ("cross-entropy", "C", p->c, error)
      || !check_positive ("cross-entropy", "H * W", p->hw, error))
    return FALSE;
  if (p->c > G_MAXINT32)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE, "cross-entropy: too many classes");
      return FALSE;
    }
  if (p->weight)
    for (gint64 k = 0; k < p->c; k++)
      if (!(p->weight[k] >= 0.0f) || !isfinite (p->weight[k]))
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                       "cross-entropy: weight of class %" G_GINT64_FORMAT " is %g, must be finite and >= 0",
                       k, (double) p->weight[k]);
          return FALSE;
        }
  if (targets == NULL)
    return TRUE;
  double wsum = 0.0;
  for (gint64 i = 0; i < p->n * p->hw; i++)
    {
      if (targets[i] < 0 || targets[i] >= p->c)
        {
          g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                       "cross-entropy: target %" G_GINT64_FORMAT " is class %d, outside [0, %" G_GINT64_FORMAT ")",
                       i, targets[i], p->c);
          return FALSE;
        }
      wsum += p->weight ? p->weight[targets[i]] : 1.0;
    }
  if (wsum <= 0.0)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_NUMERIC,
                   "cross-entropy: every target has class weight 0, the weighted mean is undefined");
      return FALSE;
    }
  return TRUE;
}

double
msc_cross_entropy_loss (const MscCrossEntropyParams *p, const float *logits,
                        const gint32 *targets, float *dlogits)
{
  gint64 C = p->c, hw = p->hw;
  double total = 0.0, wsum = 0.0;
  for (gint64 i = 0; i < p->n * hw; i++)
    wsum += p->weight ? p->weight[targets[i]] : 1.0;
  double inv_w = 1.0 / wsum;
  for (gint64 n = 0; n < p->n; n++)
    for (gint64 j = 0; j < hw; j++)
      {
        /* Class k of pixel j of image n sits at stride hw. */
        const float *x = logits + n * C * hw + j;
        gint32 t = targets[n * hw + j];
        double w = p->weight ? p->weight[t] : 1.0;
        double mx = x[0];
        for (gint64 k = 1; k < C; k++)
          mx = fmax (mx, x[k * hw]);
        double se = 0.0;
        for (gint64 k = 0; k < C; k++)
          se += exp (x[k * hw] - mx);
        double lse = mx + log (se);
        total += w * (lse - x[t * hw]);
        if (dlogits && w != 0.0)
          {
            float *g = dlogits + n * C * hw + j;
            for (gint64 k = 0; k < C; k++)
              {
                double sm = exp (x[k * hw] - lse);
                g[k * hw] += (float) (w * inv_w * (sm - (k == t ? 1.0 : 0.0)));
              }
          }
      }
  return total * inv_w;
}

gboolean
msc_focal_check (const MscFocalParams *p, GError **error)
{
  if (!check_positive ("focal loss", "element count", p->count, error))
    return FALSE;
  if (!(p->gamma >= 0.0f) || !isfinite (p->gamma) || !(p->alpha <= 1.0f) || isnan (p->alpha))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "focal loss: gamma %g must be finite and >= 0, alpha %g <= 1 (negative disables it)",
                   (double) p->gamma, (double) p->alpha);
      return FALSE;
    }
  return TRUE;
}

double
msc_focal_loss (const MscFocalParams *p, const float *logits, const float *targets, float *dlogits)
{
  double total = 0.0, g = p->gamma, inv_n = 1.0 / (double) p->count;
  gboolean use_alpha = p->alpha >= 0.0f;
  for (gint64 i = 0; i < p->count; i++)
    {
      double x = logits[i], t = targets[i];
      double s = msc_sigmoidf ((float) x);
      double ce = softplus (x) - t * x;                 /* BCE with logits */
      double q = 1.0 - (s * t + (1.0 - s) * (1.0 - t)); /* 1 - p_t */
      double a = use_alpha ? p->alpha * t + (1.0 - p->alpha) * (1.0 - t) : 1.0;
      double mod = g == 0.0 ? 1.0 : pow (q, g);
      total += a * ce * mod;
      if (dlogits)
        {
          /* d ce/dx = s - t; d q/dx = -(2t - 1) s (1 - s). */
          double dq = -(2.0 * t - 1.0) * s * (1.0 - s);
          double dmod = (g == 0.0 || q <= 0.0) ? 0.0 : g * pow (q, g - 1.0) * dq;
          dlogits[i] += (float) (a * ((s - t) * mod + ce * dmod) * inv_n);
        }
    }
  return total * inv_n;
}
