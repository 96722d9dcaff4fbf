/* engine/train/msc-metrics.c — segmentation overlap, ROC/PR curves, AUC
 * with a bootstrap interval, confusion matrices, FROC and fold summaries.
 * Curves are swept over scores sorted once; areas are summed in whole
 * counts and divided once, so AUC is exactly U / (n_pos n_neg).
 */
#include "msc-metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc-i18n.h"

/* ---- Counts ------------------------------------------------------------ */

double
msc_metrics_sensitivity (const MscCounts *c)
{
  if (c->tp + c->fn == 0)
    return c->fp == 0 ? 1.0 : 0.0;
  return (double) c->tp / (double) (c->tp + c->fn);
}

double
msc_metrics_specificity (const MscCounts *c)
{
  if (c->tn + c->fp == 0)
    return 1.0;
  return (double) c->tn / (double) (c->tn + c->fp);
}

double
msc_metrics_precision (const MscCounts *c)
{
  if (c->tp + c->fp == 0)
    return c->fn == 0 ? 1.0 : 0.0;
  return (double) c->tp / (double) (c->tp + c->fp);
}

double
msc_metrics_f1 (const MscCounts *c)
{
  double p = msc_metrics_precision (c), r = msc_metrics_sensitivity (c);
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

/* ---- Segmentation ------------------------------------------------------ */

static gboolean
check_mask_pair (const MscPlane *a, const MscPlane *truth, GError **error)
{
  if (msc_plane_get_format (truth) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("ground-truth mask must be 8-bit"));
      return FALSE;
    }
  if (msc_plane_get_width (a) != msc_plane_get_width (truth)
      || msc_plane_get_height (a) != msc_plane_get_height (truth))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("prediction is %u x %u pixels but the ground truth is %u x %u"),
                   msc_plane_get_width (a), msc_plane_get_height (a),
                   msc_plane_get_width (truth), msc_plane_get_height (truth));
      return FALSE;
    }
  return TRUE;
}

static void
overlap_finish (MscOverlap *out)
{
  const MscCounts *c = &out->counts;
  guint64 denom = 2 * c->tp + c->fp + c->fn;
  /* Both masks empty: the prediction is exactly right, so 1 (not NaN),
   * which keeps per-image means over lesion-free images meaningful. */
  out->dice = denom ? 2.0 * (double) c->tp / (double) denom : 1.0;
  out->iou = denom ? (double) c->tp / (double) (c->tp + c->fp + c->fn) : 1.0;
  out->precision = msc_metrics_precision (c);
  out->recall = msc_metrics_sensitivity (c);
  out->f1 = msc_metrics_f1 (c);
}

static void
count_pixel (MscCounts *c, gboolean pred, gboolean truth)
{
  if (pred)
    truth ? c->tp++ : c->fp++;
  else
    truth ? c->fn++ : c->tn++;
}

gboolean
msc_metrics_mask_overlap (const MscPlane *predicted, const MscPlane *truth,
                          MscOverlap *out, GError **error)
{
  g_return_val_if_fail (predicted != NULL && truth != NULL && out != NULL, FALSE);

  if (msc_plane_get_format (predicted) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("predicted mask must be 8-bit"));
      return FALSE;
    }
  if (!check_mask_pair (predicted, truth, error))
    return FALSE;

  const guint8 *p = msc_plane_peek_u8 (predicted), *t = msc_plane_peek_u8 (truth);
  gsize n = msc_plane_get_n_pixels (truth);
  *out = (MscOverlap) { 0 };
  for (gsize i = 0; i < n; i++)
    count_pixel (&out->counts, p[i] != 0, t[i] != 0);
  overlap_finish (out);
  return TRUE;
}

gboolean
msc_metrics_prob_overlap (const MscPlane *probability, double threshold,
                          const MscPlane *truth, MscOverlap *out, GError **error)
{
  g_return_val_if_fail (probability != NULL && truth != NULL && out != NULL, FALSE);

  if (msc_plane_get_format (probability) != MSC_PLANE_F32)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("probability map must be a float plane"));
      return FALSE;
    }
  if (isnan (threshold))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("threshold is NaN"));
      return FALSE;
    }
  if (!check_mask_pair (probability, truth, error))
    return FALSE;

  const float *p = msc_plane_peek_f32 (probability);
  const guint8 *t = msc_plane_peek_u8 (truth);
  guint width = msc_plane_get_width (truth);
  gsize n = msc_plane_get_n_pixels (truth);
  *out = (MscOverlap) { 0 };
  for (gsize i = 0; i < n; i++)
    {
      if (isnan (p[i]))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("probability map is NaN at pixel (%u, %u)"),
                       (guint) (i % width), (guint) (i / width));
          return FALSE;
        }
      count_pixel (&out->counts, (double) p[i] >= threshold, t[i] != 0);
    }
  overlap_finish (out);
  return TRUE;
}

/* ---- Scored cases ------------------------------------------------------ */

typedef struct {
  double score;
  gboolean positive;
} Case;

static int
case_cmp_desc (const void *a, const void *b)
{
  double sa = ((const Case *) a)->score, sb = ((const Case *) b)->score;
  return (sa < sb) - (sa > sb);
}

/* Checks scores and labels and counts the classes; need_both asks for at
 * least one case of each class (every curve does). */
static gboolean
check_cases (const double *scores, const guint8 *labels, gsize n, gboolean need_both,
             gsize *n_pos, gsize *n_neg, GError **error)
{
  if (n == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("no cases to evaluate"));
      return FALSE;
    }
  g_return_val_if_fail (scores != NULL && labels != NULL, FALSE);
  gsize pos = 0;
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (scores[i]))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("score of case %lu is %g; scores must be finite"),
                       (gulong) i, scores[i]);
          return FALSE;
        }
      pos += labels[i] != 0;
    }
  if (need_both && (pos == 0 || pos == n))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                   _("a curve needs positive and negative cases; got %lu positive and %lu negative"),
                   (gulong) pos, (gulong) (n - pos));
      return FALSE;
    }
  *n_pos = pos;
  *n_neg = n - pos;
  return TRUE;
}

static Case *
sorted_cases (const double *scores, const guint8 *labels, gsize n)
{
  Case *cases = g_new (Case, n);   /* g_new checks n * sizeof for overflow */
  for (gsize i = 0; i < n; i++)
    cases[i] = (Case) { scores[i], labels[i] != 0 };
  qsort (cases, n, sizeof *cases, case_cmp_desc);
  return cases;
}

/* Visits the cumulative (tp, fp) after each group of equal scores, in
 * decreasing score order; returns the number of groups. */
typedef void (*GroupFunc) (guint64 tp, guint64 fp, double threshold, gpointer data);

static gsize
sweep_groups (const Case *cases, gsize n, GroupFunc func, gpointer data)
{
  guint64 tp = 0, fp = 0;
  gsize groups = 0;
  for (gsize i = 0; i < n;)
    {
      double s = cases[i].score;
      for (; i < n && cases[i].score == s; i++)
        cases[i].positive ? tp++ : fp++;
      if (func)
        func (tp, fp, s, data);
      groups++;
    }
  return groups;
}

/* AUC of sorted cases: trapezoids in whole counts, fp steps times the mean
 * tp height, doubled to stay integral, so ties give exactly U. */
static double
auc_sorted (const Case *cases, gsize n, gsize n_pos, gsize n_neg)
{
  guint64 tp = 0, fp = 0;
  double twice_area = 0;
  for (gsize i = 0; i < n;)
    {
      double s = cases[i].score;
      guint64 tp0 = tp, fp0 = fp;
      for (; i < n && cases[i].score == s; i++)
        cases[i].positive ? tp++ : fp++;
      twice_area += (double) (fp - fp0) * (double) (tp + tp0);
    }
  return twice_area / (2.0 * (double) n_pos * (double) n_neg);
}

/* ---- ROC --------------------------------------------------------------- */

void
msc_metrics_roc_free (MscRoc *roc)
{
  if (roc == NULL)
    return;
  g_free (roc->fpr);
  g_free (roc->tpr);
  g_free (roc->thresholds);
  g_free (roc);
}

static MscRoc *
roc_alloc (gsize n_points)
{
  MscRoc *roc = g_new0 (MscRoc, 1);
  roc->n_points = n_points;
  roc->fpr = g_new (double, n_points);
  roc->tpr = g_new (double, n_points);
  roc->thresholds = g_new (double, n_points);
  return roc;
}

static void
roc_add_point (guint64 tp, guint64 fp, double threshold, gpointer data)
{
  MscRoc *roc = data;
  gsize k = roc->n_points++;
  roc->fpr[k] = (double) fp / (double) roc->n_neg;
  roc->tpr[k] = (double) tp / (double) roc->n_pos;
  roc->thresholds[k] = threshold;
}

MscRoc *
msc_metrics_roc (const double *scores, const guint8 *labels, gsize n, GError **error)
{
  gsize n_pos, n_neg;
  if (!check_cases (scores, labels, n, TRUE, &n_pos, &n_neg, error))
    return NULL;

  g_autofree Case *cases = sorted_cases (scores, labels, n);
  gsize groups = sweep_groups (cases, n, NULL, NULL);
  g_autoptr (MscRoc) roc = roc_alloc (groups + 1);
  roc->n_pos = n_pos;
  roc->n_neg = n_neg;
  roc->n_points = 0;
  roc_add_point (0, 0, INFINITY, roc);
  sweep_groups (cases, n, roc_add_point, roc);
  roc->auc = auc_sorted (cases, n, n_pos, n_neg);
  return g_steal_pointer (&roc);
}

gboolean
msc_metrics_auc (const double *scores, const guint8 *labels, gsize n, double *auc,
                 GError **error)
{
  gsize n_pos, n_neg;
  if (!check_cases (scores, labels, n, TRUE, &n_pos, &n_neg, error))
    return FALSE;
  g_autofree Case *cases = sorted_cases (scores, labels, n);
  *auc = auc_sorted (cases, n, n_pos, n_neg);
  return TRUE;
}

/* tpr of a ROC curve at false positive rate f on its piecewise linear
 * curve; on a vertical step the top is taken (the last point with that
 * fpr, since tpr never decreases along the curve). */
static double
roc_tpr_at (const MscRoc *roc, double f)
{
  gsize k = 0;
  while (k + 1 < roc->n_points && roc->fpr[k + 1] <= f)
    k++;
  if (k + 1 >= roc->n_points || roc->fpr[k] >= f)
    return roc->tpr[k];
  double t = (f - roc->fpr[k]) / (roc->fpr[k + 1] - roc->fpr[k]);
  return roc->tpr[k] + t * (roc->tpr[k + 1] - roc->tpr[k]);
}

MscRoc *
msc_metrics_roc_average (const MscRoc *const *rocs, gsize n_rocs, gsize n_grid,
                         GError **error)
{
  if (n_rocs == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("no ROC curves to average"));
      return NULL;
    }
  if (n_grid < 2 || n_grid > (1u << 20))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("ROC average grid of %lu points; use 2 to 1048576"),
                   (gulong) n_grid);
      return NULL;
    }
  g_return_val_if_fail (rocs != NULL, NULL);

  g_autoptr (MscRoc) mean = roc_alloc (n_grid);
  for (gsize g = 0; g < n_grid; g++)
    {
      double f = (double) g / (double) (n_grid - 1), sum = 0;
      for (gsize r = 0; r < n_rocs; r++)
        {
          sum += roc_tpr_at (rocs[r], f);
          mean->n_pos += g == 0 ? rocs[r]->n_pos : 0;
          mean->n_neg += g == 0 ? rocs[r]->n_neg : 0;
        }
      mean->fpr[g] = f;
      mean->tpr[g] = sum / (double) n_rocs;
      mean->thresholds[g] = NAN;
    }
  double area = 0;
  for (gsize g = 1; g < n_grid; g++)
    area += (mean->fpr[g] - mean->fpr[g - 1]) * (mean->tpr[g] + mean->tpr[g - 1]) / 2;
  mean->auc = area;
  return g_steal_pointer (&mean);
}

gboolean
msc_metrics_sensitivity_at_specificity (const MscRoc *roc, double target,
                                        double *sensitivity, double *threshold,
                                        GError **error)
{
  g_return_val_if_fail (roc != NULL && roc->n_points > 0 && sensitivity != NULL, FALSE);
  if (!(target >= 0 && target <= 1))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("specificity target %g is outside 0..1"), target);
      return FALSE;
    }
  /* The tolerance absorbs rounding in 1 - fp / n_neg (1 - 0.2 is not
   * exactly 0.8), far below one case's step of 1 / n_neg. */
  gsize best = 0;
  for (gsize k = 0; k < roc->n_points; k++)
    if (1.0 - roc->fpr[k] >= target - 1e-12 && roc->tpr[k] >= roc->tpr[best])
      best = k;
  *sensitivity = roc->tpr[best];
  if (threshold)
    *threshold = roc->thresholds[best];
  return TRUE;
}

/* ---- Bootstrap --------------------------------------------------------- */

static int
double_cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Quantile p of sorted values, linear between order statistics (numpy's
 * default "linear" method). */
static double
quantile_sorted (const double *v, gsize n, double p)
{
  double h = p * (double) (n - 1);
  gsize lo = (gsize) floor (h);
  if (lo + 1 >= n)
    return v[n - 1];
  return v[lo] + (h - (double) lo) * (v[lo + 1] - v[lo]);
}

/* Negative log-likelihood of the Platt targets under (A, B). */
static double
platt_nll (const double *x, const double *t, gsize n, double A, double B)
{
  double f = 0;
  for (gsize i = 0; i < n; i++)
    {
      double z = A * x[i] + B;
      /* log (1 + e^z) - t z, written to stay finite for large |z| */
      f += (z > 0 ? z + log1p (exp (-z)) : log1p (exp (z))) - t[i] * z;
    }
  return f;
}

gboolean
msc_metrics_platt_fit (const double *probabilities, const guint8 *labels, gsize n, double *a,
                       double *b, GError **error)
{
  gsize n_pos = 0, n_neg = 0;
  if (!check_cases (probabilities, labels, n, TRUE, &n_pos, &n_neg, error))
    return FALSE;
  double hi = (n_pos + 1.0) / (n_pos + 2.0), lo = 1.0 / (n_neg + 2.0);
  g_autofree double *x = g_new (double, n);
  g_autofree double *t = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    {
      double p = CLAMP (probabilities[i], 1e-6, 1 - 1e-6);
      x[i] = log (p / (1 - p));
      t[i] = labels[i] ? hi : lo;
    }
  /* Newton's method with a backtracking line search (the plain method
   * overshoots when most scores sit at the clamp). */
  double A = 1.0, B = 0.0, f = platt_nll (x, t, n, A, B);
  for (guint iter = 0; iter < 200; iter++)
    {
      double ga = 0, gb = 0, haa = 1e-12, hab = 0, hbb = 1e-12;
      for (gsize i = 0; i < n; i++)
        {
          double q = 1.0 / (1.0 + exp (-(A * x[i] + B))), w = q * (1 - q);
          ga += (q - t[i]) * x[i];
          gb += q - t[i];
          haa += w * x[i] * x[i];
          hab += w * x[i];
          hbb += w;
        }
      double det = haa * hbb - hab * hab;
      if (!(det > 0) || (fabs (ga) < 1e-9 && fabs (gb) < 1e-9))
        break;
      double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
      double step = 1.0, f_new = f;
      for (; step > 1e-10; step /= 2)
        {
          f_new = platt_nll (x, t, n, A - step * da, B - step * db);
          if (f_new <= f - 1e-4 * step * (ga * da + gb * db))
            break;
        }
      if (step <= 1e-10)
        break;
      A -= step * da;
      B -= step * db;
      f = f_new;
    }
  if (!isfinite (A) || !isfinite (B))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("calibration did not converge"));
      return FALSE;
    }
  *a = A;
  *b = B;
  return TRUE;
}

gboolean
msc_metrics_auc_bootstrap (const double *scores, const guint8 *labels, gsize n,
                           guint n_boot, double level, MscRng *rng,
                           double *lower, double *upper, GError **error)
{
  g_return_val_if_fail (rng != NULL && lower != NULL && upper != NULL, FALSE);
  gsize n_pos, n_neg;
  if (!check_cases (scores, labels, n, TRUE, &n_pos, &n_neg, error))
    return FALSE;
  if (n_boot < 2 || !(level > 0 && level < 1))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("bootstrap needs at least 2 resamples and a level in (0, 1); got %u and %g"),
                   n_boot, level);
      return FALSE;
    }

  g_autofree double *pos = g_new (double, n_pos);
  g_autofree double *neg = g_new (double, n_neg);
  for (gsize i = 0, p = 0, q = 0; i < n; i++)
    labels[i] ? (pos[p++] = scores[i]) : (neg[q++] = scores[i]);

  g_autofree Case *cases = g_new (Case, n);
  g_autofree double *aucs = g_new (double, n_boot);
  for (guint b = 0; b < n_boot; b++)
    {
      /* Positives then negatives, each drawn with replacement in turn, so
       * the stream of random numbers is fixed by the seed alone. */
      for (gsize i = 0; i < n_pos; i++)
        cases[i] = (Case) { pos[msc_rng_below (rng, n_pos)], TRUE };
      for (gsize i = 0; i < n_neg; i++)
        cases[n_pos + i] = (Case) { neg[msc_rng_below (rng, n_neg)], FALSE };
      qsort (cases, n, sizeof *cases, case_cmp_desc);
      aucs[b] = auc_sorted (cases, n, n_pos, n_neg);
    }
  qsort (aucs, n_boot, sizeof *aucs, double_cmp);
  *lower = quantile_sorted (aucs, n_boot, (1 - level) / 2);
  *upper = quantile_sorted (aucs, n_boot, 1 - (1 - level) / 2);
  return TRUE;
}

/* ---- Precision-recall -------------------------------------------------- */

void
msc_metrics_pr_free (MscPrCurve *pr)
{
  if (pr == NULL)
    return;
  g_free (pr->recall);
  g_free (pr->precision);
  g_free (pr->thresholds);
  g_free (pr);
}

static void
pr_add_point (guint64 tp, guint64 fp, double threshold, gpointer data)
{
  MscPrCurve *pr = data;
  gsize k = pr->n_points++;
  pr->recall[k] = (double) tp / (double) pr->n_pos;
  pr->precision[k] = tp + fp ? (double) tp / (double) (tp + fp) : 1.0;
  pr->thresholds[k] = threshold;
  if (k > 0)
    pr->average_precision += (pr->recall[k] - pr->recall[k - 1]) * pr->precision[k];
}

MscPrCurve *
msc_metrics_pr (const double *scores, const guint8 *labels, gsize n, GError **error)
{
  gsize n_pos, n_neg;
  if (!check_cases (scores, labels, n, TRUE, &n_pos, &n_neg, error))
    return NULL;

  g_autofree Case *cases = sorted_cases (scores, labels, n);
  gsize groups = sweep_groups (cases, n, NULL, NULL);
  g_autoptr (MscPrCurve) pr = g_new0 (MscPrCurve, 1);
  pr->recall = g_new (double, groups + 1);
  pr->precision = g_new (double, groups + 1);
  pr->thresholds = g_new (double, groups + 1);
  pr->n_pos = n_pos;
  pr->n_neg = n_neg;
  pr_add_point (0, 0, INFINITY, pr);
  sweep_groups (cases, n, pr_add_point, pr);
  return g_steal_pointer (&pr);
}

/* ---- Confusion matrices ------------------------------------------------ */

gboolean
msc_metrics_confusion_binary (const double *scores, const guint8 *labels, gsize n,
                              double threshold, MscCounts *out, GError **error)
{
  gsize n_pos, n_neg;
  g_return_val_if_fail (out != NULL, FALSE);
  if (!check_cases (scores, labels, n, FALSE, &n_pos, &n_neg, error))
    return FALSE;
  if (isnan (threshold))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("threshold is NaN"));
      return FALSE;
    }
  *out = (MscCounts) { 0 };
  for (gsize i = 0; i < n; i++)
    count_pixel (out, scores[i] >= threshold, labels[i] != 0);
  return TRUE;
}

gboolean
msc_metrics_confusion_argmax (const double *probabilities, const guint *truth, gsize n,
                              guint n_classes, guint64 *counts, GError **error)
{
  g_return_val_if_fail (counts != NULL, FALSE);
  if (n_classes < 2 || n_classes > 16)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%u classes; a confusion matrix needs 2 to 16"), n_classes);
      return FALSE;
    }
  if (n == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("no cases to evaluate"));
      return FALSE;
    }
  g_return_val_if_fail (probabilities != NULL && truth != NULL, FALSE);

  memset (counts, 0, sizeof *counts * n_classes * n_classes);
  for (gsize i = 0; i < n; i++)
    {
      const double *p = probabilities + i * n_classes;
      if (truth[i] >= n_classes)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("case %lu has class %u; classes are 0 to %u"),
                       (gulong) i, truth[i], n_classes - 1);
          return FALSE;
        }
      guint best = 0;
      for (guint c = 0; c < n_classes; c++)
        {
          if (isnan (p[c]))
            {
              g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                           _("probability %u of case %lu is NaN"), c, (gulong) i);
              return FALSE;
            }
          if (p[c] > p[best])   /* strict: ties keep the lower class */
            best = c;
        }
      counts[truth[i] * n_classes + best]++;
    }
  return TRUE;
}

/* ---- Summary ----------------------------------------------------------- */

gboolean
msc_metrics_summarize (const double *values, gsize n, MscSummary *out, GError **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (n == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("no values to summarize"));
      return FALSE;
    }
  g_return_val_if_fail (values != NULL, FALSE);
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  for (gsize i = 0; i < n; i++)
    {
      if (isnan (values[i]))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("value %lu is NaN"), (gulong) i);
          return FALSE;
        }
      sum += values[i];
      lo = MIN (lo, values[i]);
      hi = MAX (hi, values[i]);
    }
  double mean = sum / (double) n, ss = 0;
  /* Two passes: the squared deviations from the mean, not E[x^2] - E[x]^2,
   * which cancels badly when the spread is small next to the mean. */
  for (gsize i = 0; i < n; i++)
    ss += (values[i] - mean) * (values[i] - mean);
  *out = (MscSummary) {
    .n = n, .mean = mean, .min = lo, .max = hi,
    .sd = n > 1 ? sqrt (ss / (double) (n - 1)) : NAN,
  };
  return TRUE;
}
