/* tests/engine/train/test-metrics.c — evaluation metrics on hand-computed
 * fixtures (the arithmetic is in the comments), their failure paths, the
 * AUC = Mann-Whitney U identity, and ROC AUC / average precision against a
 * numpy reference (ref-metrics.py) on random data for 20 seeds.
 */
#include <math.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "msc-metrics.h"
#include "msc-test-util.h"

#define EPS 1e-12

/* 4 positives, 4 negatives, sorted by score: P P N P N P N N.
 * Mann-Whitney: the positives beat 4, 4, 3 and 2 negatives = 13 of 16
 * pairs, AUC 13/16 = 0.8125. */
static const double fx_scores[8] = { 0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3 };
static const guint8 fx_labels[8] = { 1, 1, 0, 1, 0, 1, 0, 0 };

static void
test_roc_fixture (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscRoc) roc = msc_metrics_roc (fx_scores, fx_labels, 8, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (roc->auc, 0.8125, EPS);
  g_assert_cmpuint (roc->n_pos, ==, 4);
  g_assert_cmpuint (roc->n_neg, ==, 4);
  /* One point per distinct score plus the origin: 9, walking up for a
   * positive (tpr += 1/4) and right for a negative (fpr += 1/4). */
  static const double fpr[9] = { 0, 0, 0, .25, .25, .5, .5, .75, 1 };
  static const double tpr[9] = { 0, .25, .5, .5, .75, .75, 1, 1, 1 };
  g_assert_cmpuint (roc->n_points, ==, 9);
  for (guint k = 0; k < 9; k++)
    {
      g_assert_cmpfloat_with_epsilon (roc->fpr[k], fpr[k], EPS);
      g_assert_cmpfloat_with_epsilon (roc->tpr[k], tpr[k], EPS);
      g_assert_cmpfloat (roc->thresholds[k], ==, k == 0 ? INFINITY : fx_scores[k - 1]);
    }
  double auc = 0;
  g_assert_true (msc_metrics_auc (fx_scores, fx_labels, 8, &auc, &error));
  g_assert_cmpfloat (auc, ==, roc->auc);
}

static void
test_roc_ties (void)
{
  g_autoptr (GError) error = NULL;
  /* All tied: one group, the curve is the diagonal (0,0)-(1,1), AUC 1/2. */
  double tied[6] = { 0.3, 0.3, 0.3, 0.3, 0.3, 0.3 };
  guint8 lab[6] = { 1, 0, 1, 0, 0, 1 };
  g_autoptr (MscRoc) roc = msc_metrics_roc (tied, lab, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roc->n_points, ==, 2);
  g_assert_cmpfloat_with_epsilon (roc->auc, 0.5, EPS);

  /* P 0.8, N 0.8, P 0.5, N 0.2: pairs (P.8,N.8) tie = 1/2, (P.8,N.2) = 1,
   * (P.5,N.8) = 0, (P.5,N.2) = 1: U = 2.5 of 4 pairs, AUC 0.625. The tied
   * group is one diagonal step (0,0)->(1/2,1/2), area 1/8, then (1/2,1)
   * and (1,1): 1/8 + 1/2 * 1 = 0.625. */
  double s2[4] = { 0.8, 0.8, 0.5, 0.2 };
  guint8 l2[4] = { 1, 0, 1, 0 };
  double auc = 0;
  g_assert_true (msc_metrics_auc (s2, l2, 4, &auc, &error));
  g_assert_cmpfloat_with_epsilon (auc, 0.625, EPS);
}

static void
test_roc_perfect_inverted (void)
{
  g_autoptr (GError) error = NULL;
  double s[5] = { 0.1, 0.9, 0.2, 0.8, 0.7 };
  guint8 perfect[5] = { 0, 1, 0, 1, 1 }, inverted[5] = { 1, 0, 1, 0, 0 };
  double auc = -1;
  g_assert_true (msc_metrics_auc (s, perfect, 5, &auc, &error));
  g_assert_cmpfloat (auc, ==, 1.0);
  g_assert_true (msc_metrics_auc (s, inverted, 5, &auc, &error));
  g_assert_cmpfloat (auc, ==, 0.0);
  g_assert_no_error (error);
}

static void
test_roc_degenerate (void)
{
  double s[3] = { 0.1, 0.5, 0.9 };
  guint8 none[3] = { 0, 0, 0 }, all[3] = { 1, 1, 1 }, mixed[3] = { 0, 1, 1 };
  double auc = 42;
  GError *error = NULL;

  /* No positives (or no negatives): EMPTY, never a silent NaN. */
  g_assert_null (msc_metrics_roc (s, none, 3, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "0 positive"));
  g_clear_error (&error);
  g_assert_false (msc_metrics_auc (s, all, 3, &auc, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_cmpfloat (auc, ==, 42);
  g_assert_null (msc_metrics_pr (s, none, 3, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&error);

  /* Empty arrays. */
  g_assert_null (msc_metrics_roc (NULL, NULL, 0, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&error);

  /* NaN and infinite scores are refused, naming the case. */
  double bad[3] = { 0.1, NAN, 0.9 };
  g_assert_null (msc_metrics_roc (bad, mixed, 3, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "case 1"));
  g_clear_error (&error);
  bad[1] = -INFINITY;
  g_assert_false (msc_metrics_auc (bad, mixed, 3, &auc, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  MscCounts c;
  g_assert_false (msc_metrics_confusion_binary (bad, mixed, 3, 0.5, &c, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
}

/* Pairwise Mann-Whitney U / (n_pos n_neg), O(n^2), ties count 1/2. */
static double
pairwise_auc (const double *s, const guint8 *l, gsize n)
{
  double u = 0, np = 0, nn = 0;
  for (gsize i = 0; i < n; i++)
    {
      np += l[i] != 0;
      nn += l[i] == 0;
      for (gsize j = 0; j < n; j++)
        if (l[i] && !l[j])
          u += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
    }
  return u / (np * nn);
}

/* Random scores on a coarse grid (many ties); labels with a weak signal. */
static gsize
random_cases (guint64 seed, double *s, guint8 *l, gsize max_n)
{
  MscRng rng;
  msc_rng_init (&rng, seed);
  gsize n = 20 + msc_rng_below (&rng, max_n - 20);
  for (gsize i = 0; i < n; i++)
    {
      l[i] = msc_rng_bernoulli (&rng, 0.35f);
      double u = msc_rng_uniform_double (&rng) + (l[i] ? 0.3 : 0);
      s[i] = (seed % 2) ? floor (u * 12) / 12 : u;   /* odd seeds: heavy ties */
    }
  l[0] = 1;   /* both classes present */
  l[1] = 0;
  return n;
}

static void
test_auc_mann_whitney (void)
{
  double s[300];
  guint8 l[300];
  for (guint64 seed = 1; seed <= 50; seed++)
    {
      gsize n = random_cases (seed, s, l, 300);
      double auc = 0;
      g_autoptr (GError) error = NULL;
      g_assert_true (msc_metrics_auc (s, l, n, &auc, &error));
      g_assert_cmpfloat_with_epsilon (auc, pairwise_auc (s, l, n), EPS);
    }
}

static void
test_pr_fixture (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPrCurve) pr = msc_metrics_pr (fx_scores, fx_labels, 8, &error);
  g_assert_no_error (error);
  /* After each score: (tp, fp) = (1,0) (2,0) (2,1) (3,1) (3,2) (4,2) (4,3)
   * (4,4). Recall rises at the 1st, 2nd, 4th and 6th cases with precision
   * 1, 1, 3/4, 4/6: AP = 1/4 (1 + 1 + 3/4 + 2/3) = 41/48. */
  g_assert_cmpuint (pr->n_points, ==, 9);
  g_assert_cmpfloat (pr->recall[0], ==, 0);
  g_assert_cmpfloat (pr->precision[0], ==, 1);
  g_assert_cmpfloat_with_epsilon (pr->precision[3], 2.0 / 3, EPS);
  g_assert_cmpfloat_with_epsilon (pr->recall[8], 1, EPS);
  g_assert_cmpfloat_with_epsilon (pr->precision[8], 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (pr->average_precision, 41.0 / 48, EPS);

  /* Perfect ranking: AP 1. */
  double s[4] = { 0.9, 0.8, 0.2, 0.1 };
  guint8 l[4] = { 1, 1, 0, 0 };
  g_autoptr (MscPrCurve) p2 = msc_metrics_pr (s, l, 4, &error);
  g_assert_cmpfloat_with_epsilon (p2->average_precision, 1, EPS);
}

static void
test_sensitivity_at_specificity (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscRoc) roc = msc_metrics_roc (fx_scores, fx_labels, 8, &error);
  double sens = -1, thr = -1;
  /* Specificity 0.75 allows fpr <= 1/4: best tpr 3/4, at threshold 0.6. */
  g_assert_true (msc_metrics_sensitivity_at_specificity (roc, 0.75, &sens, &thr, &error));
  g_assert_cmpfloat_with_epsilon (sens, 0.75, EPS);
  g_assert_cmpfloat (thr, ==, 0.6);
  /* 0.8 and 0.9 allow no false positive of the four: tpr 1/2 at 0.8. */
  g_assert_true (msc_metrics_sensitivity_at_specificity (roc, 0.8, &sens, &thr, &error));
  g_assert_cmpfloat_with_epsilon (sens, 0.5, EPS);
  g_assert_cmpfloat (thr, ==, 0.8);
  g_assert_true (msc_metrics_sensitivity_at_specificity (roc, 0.9, &sens, NULL, &error));
  g_assert_cmpfloat_with_epsilon (sens, 0.5, EPS);
  /* 0.5 allows fpr 1/2: tpr 1 at threshold 0.5. 0 allows anything. */
  g_assert_true (msc_metrics_sensitivity_at_specificity (roc, 0.5, &sens, &thr, &error));
  g_assert_cmpfloat_with_epsilon (sens, 1, EPS);
  g_assert_cmpfloat (thr, ==, 0.5);
  g_assert_true (msc_metrics_sensitivity_at_specificity (roc, 0, &sens, NULL, &error));
  g_assert_cmpfloat (sens, ==, 1);
  /* 1 - 0.2 is not exactly 0.8 in binary: 5 negatives, 1 false positive
   * must still pass a 0.8 target. Scores P .9, N .8, P .7, N .6 .5 .4 .3:
   * at threshold .7, fpr 1/5, tpr 1. */
  double s[7] = { 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3 };
  guint8 l[7] = { 1, 0, 1, 0, 0, 0, 0 };
  g_autoptr (MscRoc) r2 = msc_metrics_roc (s, l, 7, &error);
  g_assert_true (msc_metrics_sensitivity_at_specificity (r2, 0.8, &sens, &thr, &error));
  g_assert_cmpfloat (sens, ==, 1);
  g_assert_cmpfloat (thr, ==, 0.7);
  g_assert_no_error (error);

  GError *err = NULL;
  g_assert_false (msc_metrics_sensitivity_at_specificity (roc, 1.5, &sens, NULL, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
  g_assert_false (msc_metrics_sensitivity_at_specificity (roc, NAN, &sens, NULL, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
}

static void
test_confusion_binary (void)
{
  g_autoptr (GError) error = NULL;
  MscCounts c;
  /* Threshold 0.55 (>=): called positive .9P .8P .7N .6P .55N -> tp 3,
   * fp 2; negative .5P .4N .3N -> fn 1, tn 2. Sensitivity 3/4,
   * specificity 2/4, precision 3/5, F1 = 2 (.6)(.75)/1.35 = 2/3. */
  g_assert_true (msc_metrics_confusion_binary (fx_scores, fx_labels, 8, 0.55, &c, &error));
  g_assert_cmpuint (c.tp, ==, 3);
  g_assert_cmpuint (c.fp, ==, 2);
  g_assert_cmpuint (c.fn, ==, 1);
  g_assert_cmpuint (c.tn, ==, 2);
  g_assert_cmpfloat_with_epsilon (msc_metrics_sensitivity (&c), 0.75, EPS);
  g_assert_cmpfloat_with_epsilon (msc_metrics_specificity (&c), 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (msc_metrics_precision (&c), 0.6, EPS);
  g_assert_cmpfloat_with_epsilon (msc_metrics_f1 (&c), 2.0 / 3, EPS);
  /* One class only is fine for a confusion matrix (no curve needed). */
  guint8 none[8] = { 0 };
  g_assert_true (msc_metrics_confusion_binary (fx_scores, none, 8, 0.85, &c, &error));
  g_assert_cmpuint (c.fp, ==, 1);
  g_assert_cmpuint (c.tn, ==, 7);
  /* Zero-denominator conventions. */
  MscCounts empty = { 0 };
  g_assert_cmpfloat (msc_metrics_sensitivity (&empty), ==, 1);
  g_assert_cmpfloat (msc_metrics_specificity (&empty), ==, 1);
  g_assert_cmpfloat (msc_metrics_precision (&empty), ==, 1);
  MscCounts missed = { .fn = 2, .tn = 3 };
  g_assert_cmpfloat (msc_metrics_precision (&missed), ==, 0);
  g_assert_cmpfloat (msc_metrics_f1 (&missed), ==, 0);
}

static void
test_confusion_argmax (void)
{
  g_autoptr (GError) error = NULL;
  /* normal / benign / malignant probabilities, one row per image. The last
   * row ties benign and malignant: the lower class (benign) wins. */
  const double p[5 * 3] = {
    0.7, 0.2, 0.1,   /* truth normal, predicted normal */
    0.2, 0.5, 0.3,   /* truth benign, predicted benign */
    0.1, 0.3, 0.6,   /* truth malignant, predicted malignant */
    0.5, 0.4, 0.1,   /* truth malignant, predicted normal */
    0.2, 0.4, 0.4,   /* truth malignant, tie -> benign */
  };
  const guint truth[5] = { 0, 1, 2, 2, 2 };
  guint64 m[9];
  g_assert_true (msc_metrics_confusion_argmax (p, truth, 5, 3, m, &error));
  const guint64 want[9] = { 1, 0, 0,  0, 1, 0,  1, 1, 1 };
  for (guint i = 0; i < 9; i++)
    g_assert_cmpuint (m[i], ==, want[i]);

  GError *err = NULL;
  const guint bad_truth[5] = { 0, 1, 3, 2, 2 };
  g_assert_false (msc_metrics_confusion_argmax (p, bad_truth, 5, 3, m, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (err->message, "case 2"));
  g_clear_error (&err);
  double pn[3] = { 0.2, NAN, 0.3 };
  g_assert_false (msc_metrics_confusion_argmax (pn, truth, 1, 3, m, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
  g_assert_false (msc_metrics_confusion_argmax (p, truth, 0, 3, m, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&err);
  g_assert_false (msc_metrics_confusion_argmax (p, truth, 5, 1, m, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
}

static void
test_bootstrap (void)
{
  g_autoptr (GError) error = NULL;
  double s[300];
  guint8 l[300];
  gsize n = random_cases (4, s, l, 300);
  double auc, lo1, hi1, lo2, hi2, lo3, hi3;
  g_assert_true (msc_metrics_auc (s, l, n, &auc, &error));
  MscRng a, b, c;
  msc_rng_init (&a, 7);
  msc_rng_init (&b, 7);
  msc_rng_init (&c, 8);
  g_assert_true (msc_metrics_auc_bootstrap (s, l, n, 500, 0.95, &a, &lo1, &hi1, &error));
  g_assert_true (msc_metrics_auc_bootstrap (s, l, n, 500, 0.95, &b, &lo2, &hi2, &error));
  g_assert_true (msc_metrics_auc_bootstrap (s, l, n, 500, 0.95, &c, &lo3, &hi3, &error));
  /* Same seed, same interval to the bit; another seed, another one. */
  g_assert_cmpfloat (lo1, ==, lo2);
  g_assert_cmpfloat (hi1, ==, hi2);
  g_assert_true (lo1 != lo3 || hi1 != hi3);
  g_assert_cmpfloat (lo1, <, auc);
  g_assert_cmpfloat (auc, <, hi1);
  g_assert_cmpfloat (hi1 - lo1, <, 0.4);

  /* A perfect classifier stays perfect in every resample: [1, 1]. */
  double ps[4] = { 0.9, 0.8, 0.2, 0.1 };
  guint8 pl[4] = { 1, 1, 0, 0 };
  g_assert_true (msc_metrics_auc_bootstrap (ps, pl, 4, 100, 0.9, &a, &lo1, &hi1, &error));
  g_assert_cmpfloat (lo1, ==, 1);
  g_assert_cmpfloat (hi1, ==, 1);

  GError *err = NULL;
  g_assert_false (msc_metrics_auc_bootstrap (ps, pl, 4, 1, 0.9, &a, &lo1, &hi1, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
  g_assert_false (msc_metrics_auc_bootstrap (ps, pl, 4, 100, 1.0, &a, &lo1, &hi1, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
  guint8 none[4] = { 0 };
  g_assert_false (msc_metrics_auc_bootstrap (ps, none, 4, 100, 0.9, &a, &lo1, &hi1, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&err);
}

static void
test_roc_average (void)
{
  g_autoptr (GError) error = NULL;
  double s[4] = { 0.9, 0.8, 0.2, 0.1 }, t[4] = { 0.5, 0.5, 0.5, 0.5 };
  guint8 l[4] = { 1, 1, 0, 0 };
  g_autoptr (MscRoc) perfect = msc_metrics_roc (s, l, 4, &error);
  g_autoptr (MscRoc) chance = msc_metrics_roc (t, l, 4, &error);
  const MscRoc *both[2] = { perfect, chance };
  /* Perfect: tpr 1 everywhere (the top of the step at fpr 0); chance:
   * tpr = fpr. Mean (1 + f) / 2 at f = 0, 1/2, 1: 0.5, 0.75, 1; area
   * 1/2 (0.5 + 0.75) / 2 + 1/2 (0.75 + 1) / 2 = 0.75. */
  g_autoptr (MscRoc) mean = msc_metrics_roc_average (both, 2, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mean->n_points, ==, 3);
  g_assert_cmpfloat_with_epsilon (mean->tpr[0], 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (mean->tpr[1], 0.75, EPS);
  g_assert_cmpfloat_with_epsilon (mean->tpr[2], 1, EPS);
  g_assert_cmpfloat_with_epsilon (mean->auc, 0.75, EPS);

  GError *err = NULL;
  g_assert_null (msc_metrics_roc_average (both, 2, 1, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
  g_assert_null (msc_metrics_roc_average (both, 0, 10, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&err);
}

/* ---- Segmentation ------------------------------------------------------ */

static MscPlane *
mask_from (const char *rows)   /* 4 x 4, '#' = 255 */
{
  MscPlane *m = msc_plane_new (MSC_PLANE_U8, 4, 4, NULL);
  for (guint i = 0; i < 16; i++)
    msc_plane_u8 (m)[i] = rows[i] == '#' ? 255 : 0;
  return m;
}

static void
test_overlap (void)
{
  g_autoptr (GError) error = NULL;
  /* Prediction 4 pixels, truth 6, 3 shared: tp 3, fp 1, fn 3, tn 9.
   * Dice 6/10, IoU 3/7, precision 3/4, recall 3/6, F1 = Dice = 0.6. */
  g_autoptr (MscPlane) pred = mask_from ("##.." "##.." "...." "....");
  g_autoptr (MscPlane) truth = mask_from ("###." "#..." "##.." "....");
  MscOverlap o;
  g_assert_true (msc_metrics_mask_overlap (pred, truth, &o, &error));
  g_assert_cmpuint (o.counts.tp, ==, 3);
  g_assert_cmpuint (o.counts.fp, ==, 1);
  g_assert_cmpuint (o.counts.fn, ==, 3);
  g_assert_cmpuint (o.counts.tn, ==, 9);
  g_assert_cmpfloat_with_epsilon (o.dice, 0.6, EPS);
  g_assert_cmpfloat_with_epsilon (o.iou, 3.0 / 7, EPS);
  g_assert_cmpfloat_with_epsilon (o.precision, 0.75, EPS);
  g_assert_cmpfloat_with_epsilon (o.recall, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (o.f1, o.dice, EPS);

  /* Both empty: Dice = IoU = 1 (documented), precision = recall = 1. */
  g_autoptr (MscPlane) e1 = mask_from ("................");
  g_autoptr (MscPlane) e2 = mask_from ("................");
  g_assert_true (msc_metrics_mask_overlap (e1, e2, &o, &error));
  g_assert_cmpfloat (o.dice, ==, 1);
  g_assert_cmpfloat (o.iou, ==, 1);
  g_assert_cmpfloat (o.precision, ==, 1);
  g_assert_cmpfloat (o.recall, ==, 1);
  /* Empty prediction of a real lesion: everything 0. */
  g_assert_true (msc_metrics_mask_overlap (e1, truth, &o, &error));
  g_assert_cmpfloat (o.dice, ==, 0);
  g_assert_cmpfloat (o.precision, ==, 0);
  g_assert_cmpfloat (o.recall, ==, 0);
  /* A prediction on an empty truth: Dice 0, recall 0 (fp > 0). */
  g_assert_true (msc_metrics_mask_overlap (pred, e1, &o, &error));
  g_assert_cmpfloat (o.dice, ==, 0);
  g_assert_cmpfloat (o.recall, ==, 0);
  g_assert_no_error (error);
}

static void
test_prob_overlap (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) truth = mask_from ("###." "#..." "##.." "....");
  g_autoptr (MscPlane) prob = msc_plane_new (MSC_PLANE_F32, 4, 4, NULL);
  float *p = msc_plane_f32 (prob);
  /* Row 0: 0.9 0.5 0.49 0.7; the rest 0.1 except (0, 2) = 0.6.
   * At 0.5 (>=): predicted (0,0) (1,0) (3,0) (0,2); truth 6 pixels.
   * tp (0,0) (1,0) (0,2) = 3, fp (3,0) = 1, fn 3: Dice 6/10. */
  for (guint i = 0; i < 16; i++)
    p[i] = 0.1f;
  p[0] = 0.9f, p[1] = 0.5f, p[2] = 0.49f, p[3] = 0.7f, p[8] = 0.6f;
  MscOverlap o;
  g_assert_true (msc_metrics_prob_overlap (prob, 0.5, truth, &o, &error));
  g_assert_cmpuint (o.counts.tp, ==, 3);
  g_assert_cmpuint (o.counts.fp, ==, 1);
  g_assert_cmpfloat_with_epsilon (o.dice, 0.6, EPS);
  /* At 0.95 nothing is predicted: Dice 0. */
  g_assert_true (msc_metrics_prob_overlap (prob, 0.95, truth, &o, &error));
  g_assert_cmpfloat (o.dice, ==, 0);
  g_assert_no_error (error);

  GError *err = NULL;
  p[5] = NAN;
  g_assert_false (msc_metrics_prob_overlap (prob, 0.5, truth, &o, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (err->message, "(1, 1)"));
  g_clear_error (&err);
  g_assert_false (msc_metrics_mask_overlap (prob, truth, &o, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
  g_autoptr (MscPlane) small = msc_plane_new (MSC_PLANE_U8, 3, 4, NULL);
  g_assert_false (msc_metrics_mask_overlap (small, truth, &o, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (err->message, "3 x 4"));
  g_clear_error (&err);
}

/* ---- FROC -------------------------------------------------------------- */

static void
test_froc_fixture (void)
{
  g_autoptr (GError) error = NULL;
  /* Image A: lesions L1 (100,100) r 10 and L2 (300,300) r 20. Findings
   * .9 on L1, .8 nowhere (FP), .6 on L1 again (duplicate: neither TP nor
   * FP), .3 on L2. Image B: L3 (50,50) r 5; .7 FP, .5 at (55,50) on L3's
   * boundary (a hit), .2 FP. Image C: no lesion, .85 and .4 both FP.
   * Lesion scores .9 .3 .5, FP scores .85 .8 .7 .4 .2; 3 images, 3 lesions.
   * Sweeping .9 .85 .8 .7 .5 .4 .3 .2 gives (FP/image, sensitivity):
   * (0,1/3) (1/3,1/3) (2/3,1/3) (1,1/3) (1,2/3) (4/3,2/3) (4/3,1) (5/3,1).
   * At 0.25 and 0.5 FP/image: 1/3; at 1: 2/3; at 2: 1. */
  const MscFrocLesion la[2] = { { 100, 100, 10, NULL }, { 300, 300, 20, NULL } };
  const MscFinding fa[4] = { { .9, 102, 101 }, { .8, 400, 400 }, { .6, 105, 100 },
                             { .3, 310, 300 } };
  const MscFrocLesion lb[1] = { { 50, 50, 5, NULL } };
  const MscFinding fb[3] = { { .7, 200, 200 }, { .5, 55, 50 }, { .2, 10, 10 } };
  const MscFinding fc[2] = { { .85, 500, 500 }, { .4, 20, 900 } };
  const MscFrocImage im[3] = { { fa, 4, la, 2 }, { fb, 3, lb, 1 }, { fc, 2, NULL, 0 } };

  g_autoptr (MscFroc) froc = msc_metrics_froc (im, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (froc->n_images, ==, 3);
  g_assert_cmpuint (froc->n_lesions, ==, 3);
  static const double fp[9] = { 0, 0, 1. / 3, 2. / 3, 1, 1, 4. / 3, 4. / 3, 5. / 3 };
  static const double se[9] = { 0, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 2. / 3, 2. / 3, 1, 1 };
  static const double th[9] = { INFINITY, .9, .85, .8, .7, .5, .4, .3, .2 };
  g_assert_cmpuint (froc->n_points, ==, 9);
  for (guint k = 0; k < 9; k++)
    {
      g_assert_cmpfloat_with_epsilon (froc->fp_per_image[k], fp[k], EPS);
      g_assert_cmpfloat_with_epsilon (froc->sensitivity[k], se[k], EPS);
      g_assert_cmpfloat (froc->thresholds[k], ==, th[k]);
    }
  g_assert_cmpfloat_with_epsilon (msc_metrics_froc_sensitivity_at (froc, 0.25), 1. / 3, EPS);
  g_assert_cmpfloat_with_epsilon (msc_metrics_froc_sensitivity_at (froc, 0.5), 1. / 3, EPS);
  g_assert_cmpfloat_with_epsilon (msc_metrics_froc_sensitivity_at (froc, 1), 2. / 3, EPS);
  g_assert_cmpfloat_with_epsilon (msc_metrics_froc_sensitivity_at (froc, 2), 1, EPS);
  /* Below the first false positive only the leading TPs count. */
  g_assert_cmpfloat_with_epsilon (msc_metrics_froc_sensitivity_at (froc, 0), 1. / 3, EPS);
}

static void
test_froc_mask_and_ties (void)
{
  g_autoptr (GError) error = NULL;
  /* A mask lesion: pixels (2..3, 3..4) of an 8 x 8 image. (2.4, 3.6)
   * rounds to pixel (2, 4): a hit at 0.7. (5.0, 5.0) is outside the lesion
   * and (-3, 2) outside the image: two FPs at 0.7 (tied with the hit) and
   * 0.1. One image: points (0,0), then the tied group .7 at once (1, 1),
   * then (2, 1). At 0.5 FP/image nothing is reachable: sensitivity 0. */
  g_autoptr (MscPlane) mask = msc_plane_new (MSC_PLANE_U8, 8, 8, NULL);
  guint8 *m = msc_plane_u8 (mask);
  m[3 * 8 + 2] = m[3 * 8 + 3] = m[4 * 8 + 2] = m[4 * 8 + 3] = 255;
  const MscFrocLesion les[1] = { { 0, 0, 0, mask } };
  const MscFinding f[3] = { { .7, 2.4, 3.6 }, { .7, 5.0, 5.0 }, { .1, -3, 2 } };
  const MscFrocImage im[1] = { { f, 3, les, 1 } };
  g_autoptr (MscFroc) froc = msc_metrics_froc (im, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (froc->n_points, ==, 3);
  g_assert_cmpfloat (froc->fp_per_image[1], ==, 1);
  g_assert_cmpfloat (froc->sensitivity[1], ==, 1);
  g_assert_cmpfloat (froc->fp_per_image[2], ==, 2);
  g_assert_cmpfloat (msc_metrics_froc_sensitivity_at (froc, 0.5), ==, 0);
  g_assert_cmpfloat (msc_metrics_froc_sensitivity_at (froc, 1), ==, 1);
}

static void
test_froc_errors (void)
{
  GError *err = NULL;
  const MscFinding f[1] = { { .5, 1, 1 } };
  const MscFrocImage no_lesions[2] = { { f, 1, NULL, 0 }, { NULL, 0, NULL, 0 } };
  g_assert_null (msc_metrics_froc (no_lesions, 2, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&err);
  g_assert_null (msc_metrics_froc (NULL, 0, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&err);

  const MscFrocLesion l[1] = { { 10, 10, 5, NULL } };
  const MscFinding nan_f[2] = { { .5, 1, 1 }, { NAN, 1, 1 } };
  const MscFrocImage im_nan[2] = { { NULL, 0, l, 1 }, { nan_f, 2, NULL, 0 } };
  g_assert_null (msc_metrics_froc (im_nan, 2, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (err->message, "image 1, finding 1"));
  g_clear_error (&err);

  const MscFrocLesion neg[1] = { { 10, 10, -1, NULL } };
  const MscFrocImage im_neg[1] = { { f, 1, neg, 1 } };
  g_assert_null (msc_metrics_froc (im_neg, 1, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);

  g_autoptr (MscPlane) fmask = msc_plane_new (MSC_PLANE_F32, 4, 4, NULL);
  const MscFrocLesion lm[1] = { { 0, 0, 0, fmask } };
  const MscFrocImage im_m[1] = { { f, 1, lm, 1 } };
  g_assert_null (msc_metrics_froc (im_m, 1, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
}

/* Real MIAS circles: a finder that marks every lesion centre in top-down
 * rows (1023 - y_from_bottom) detects all of them with no false positive;
 * one that forgets the flip misses most (the convention FROC inputs need). */
static void
test_froc_mias (void)
{
  g_autofree char *path = msc_test_shared_path ("mias/labels.csv");
  if (path == NULL)
    return;
  g_autoptr (GPtrArray) rows = msc_test_read_csv (path);
  GStrv head = rows->pdata[0];
  guint cx = msc_test_csv_column (head, "x"), cy = msc_test_csv_column (head, "y_from_bottom");
  guint cr = msc_test_csv_column (head, "radius");
  g_autoptr (GArray) les = g_array_new (FALSE, FALSE, sizeof (MscFrocLesion));
  g_autoptr (GArray) good = g_array_new (FALSE, FALSE, sizeof (MscFinding));
  g_autoptr (GArray) flip = g_array_new (FALSE, FALSE, sizeof (MscFinding));
  for (guint i = 1; i < rows->len; i++)
    {
      GStrv r = rows->pdata[i];
      if (*r[cx] == '\0' || *r[cy] == '\0' || *r[cr] == '\0')
        continue;
      double x = g_ascii_strtod (r[cx], NULL), y = g_ascii_strtod (r[cy], NULL);
      MscFrocLesion l = { x, 1023 - y, g_ascii_strtod (r[cr], NULL), NULL };
      MscFinding f = { 1, x, 1023 - y }, g = { 1, x, y };
      g_array_append_val (les, l);
      g_array_append_val (good, f);
      g_array_append_val (flip, g);
    }
  g_assert_cmpuint (les->len, >, 50);
  /* One image per finding row (a second lesion of one image would catch
   * findings meant for the first). */
  g_autofree MscFrocImage *im = g_new (MscFrocImage, les->len);
  for (guint i = 0; i < les->len; i++)
    im[i] = (MscFrocImage) { &g_array_index (good, MscFinding, i), 1,
                             &g_array_index (les, MscFrocLesion, i), 1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MscFroc) ok = msc_metrics_froc (im, les->len, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (msc_metrics_froc_sensitivity_at (ok, 0), ==, 1);
  for (guint i = 0; i < les->len; i++)
    im[i].findings = &g_array_index (flip, MscFinding, i);
  g_autoptr (MscFroc) bad = msc_metrics_froc (im, les->len, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (msc_metrics_froc_sensitivity_at (bad, 1e9), <, 0.5);
}

/* ---- Fold summary ------------------------------------------------------ */

static void
test_summarize (void)
{
  g_autoptr (GError) error = NULL;
  /* 0.7 0.8 0.9 0.6 0.75: mean 3.75/5 = 0.75; deviations -.05 .05 .15
   * -.15 0, squares sum .05, / 4 = .0125, sd = sqrt(.0125) = 0.1118034. */
  const double v[5] = { 0.7, 0.8, 0.9, 0.6, 0.75 };
  MscSummary s;
  g_assert_true (msc_metrics_summarize (v, 5, &s, &error));
  g_assert_cmpuint (s.n, ==, 5);
  g_assert_cmpfloat_with_epsilon (s.mean, 0.75, EPS);
  g_assert_cmpfloat_with_epsilon (s.sd, sqrt (0.0125), EPS);
  g_assert_cmpfloat (s.min, ==, 0.6);
  g_assert_cmpfloat (s.max, ==, 0.9);
  g_assert_true (msc_metrics_summarize (v, 1, &s, &error));
  g_assert_cmpfloat (s.mean, ==, 0.7);
  g_assert_true (isnan (s.sd));

  GError *err = NULL;
  const double bad[2] = { 0.5, NAN };
  g_assert_false (msc_metrics_summarize (bad, 2, &s, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&err);
  g_assert_false (msc_metrics_summarize (v, 0, &s, &err));
  g_assert_error (err, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&err);
}

/* ---- numpy reference --------------------------------------------------- */

static void
test_numpy_reference (void)
{
  g_autofree char *dir = g_dir_make_tmp ("msc-metrics-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "cases.csv", NULL);
  g_autoptr (GString) text = g_string_new ("seed,label,score\n");
  double auc[21], ap[21];
  for (guint seed = 1; seed <= 20; seed++)
    {
      double s[400];
      guint8 l[400];
      gsize n = random_cases (1000 + seed, s, l, 400);
      g_autoptr (GError) error = NULL;
      g_assert_true (msc_metrics_auc (s, l, n, &auc[seed], &error));
      g_autoptr (MscPrCurve) pr = msc_metrics_pr (s, l, n, &error);
      g_assert_no_error (error);
      ap[seed] = pr->average_precision;
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (text, "%u,%u,%.17g\n", seed, l[i], s[i]);
    }
  g_assert_true (g_file_set_contents (csv, text->str, -1, NULL));

  const char *py = g_getenv ("MSC_PYTHON");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "engine", "train",
                                                   "ref-metrics.py", NULL);
  const char *argv[] = { py ? py : "/usr/bin/python3", script, csv, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  gboolean ran = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error);
  g_unlink (csv);
  g_rmdir (dir);
  if (!ran || (WIFEXITED (status) && WEXITSTATUS (status) == 77))
    {
      g_test_skip ("numpy reference unavailable");
      return;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", script, err);

  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  guint seen = 0;
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      guint seed;
      double ref_auc, ref_ap;
      g_assert_cmpint (sscanf (lines[i], "%u %lf %lf", &seed, &ref_auc, &ref_ap), ==, 3);
      g_assert_cmpuint (seed, >=, 1);
      g_assert_cmpuint (seed, <=, 20);
      g_assert_cmpfloat_with_epsilon (auc[seed], ref_auc, EPS);
      g_assert_cmpfloat_with_epsilon (ap[seed], ref_ap, EPS);
      seen++;
    }
  g_assert_cmpuint (seen, ==, 20);
}

/* Platt scaling recovers the map that generated the labels: logits x
 * uniform in [-3, 3], label 1 with probability sigmoid (2 x - 1). At the
 * fit, the gradient of the log-likelihood (with Platt's targets) is 0. */
static void
test_platt (void)
{
  enum { N = 20000 };
  g_autofree double *p = g_new (double, N);
  g_autofree guint8 *y = g_new (guint8, N);
  GRand *rand = g_rand_new_with_seed (11);
  for (guint i = 0; i < N; i++)
    {
      double x = -3 + 6.0 * i / (N - 1);
      p[i] = 1 / (1 + exp (-x));
      y[i] = g_rand_double (rand) < 1 / (1 + exp (-(2 * x - 1)));
    }
  g_rand_free (rand);
  double a = 0, b = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_metrics_platt_fit (p, y, N, &a, &b, &error));
  g_assert_no_error (error);
  g_test_message ("a %.4f b %.4f", a, b);
  g_assert_cmpfloat (fabs (a - 2), <, 0.1);
  g_assert_cmpfloat (fabs (b + 1), <, 0.1);
  gsize n_pos = 0;
  for (guint i = 0; i < N; i++)
    n_pos += y[i];
  double hi = (n_pos + 1.0) / (n_pos + 2.0), lo = 1.0 / (N - n_pos + 2.0), ga = 0, gb = 0;
  for (guint i = 0; i < N; i++)
    {
      double x = log (p[i] / (1 - p[i])), q = 1 / (1 + exp (-(a * x + b)));
      ga += (q - (y[i] ? hi : lo)) * x;
      gb += q - (y[i] ? hi : lo);
    }
  g_assert_cmpfloat (fabs (ga), <, 1e-6);
  g_assert_cmpfloat (fabs (gb), <, 1e-6);

  /* Separable data stays finite; one class alone is refused. */
  double sep[4] = { 0.1, 0.2, 0.8, 0.9 };
  guint8 lab[4] = { 0, 0, 1, 1 };
  g_assert_true (msc_metrics_platt_fit (sep, lab, 4, &a, &b, &error));
  g_assert_true (isfinite (a) && isfinite (b) && a > 0);
  guint8 one[4] = { 1, 1, 1, 1 };
  g_assert_false (msc_metrics_platt_fit (sep, one, 4, &a, &b, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/metrics/roc/fixture", test_roc_fixture);
  g_test_add_func ("/train/metrics/roc/ties", test_roc_ties);
  g_test_add_func ("/train/metrics/roc/perfect-inverted", test_roc_perfect_inverted);
  g_test_add_func ("/train/metrics/roc/degenerate", test_roc_degenerate);
  g_test_add_func ("/train/metrics/roc/mann-whitney", test_auc_mann_whitney);
  g_test_add_func ("/train/metrics/roc/average", test_roc_average);
  g_test_add_func ("/train/metrics/roc/sensitivity-at-specificity",
                   test_sensitivity_at_specificity);
  g_test_add_func ("/train/metrics/roc/bootstrap", test_bootstrap);
  g_test_add_func ("/train/metrics/roc/numpy", test_numpy_reference);
  g_test_add_func ("/train/metrics/pr/fixture", test_pr_fixture);
  g_test_add_func ("/train/metrics/confusion/binary", test_confusion_binary);
  g_test_add_func ("/train/metrics/confusion/argmax", test_confusion_argmax);
  g_test_add_func ("/train/metrics/overlap/masks", test_overlap);
  g_test_add_func ("/train/metrics/overlap/probability", test_prob_overlap);
  g_test_add_func ("/train/metrics/froc/fixture", test_froc_fixture);
  g_test_add_func ("/train/metrics/froc/mask-and-ties", test_froc_mask_and_ties);
  g_test_add_func ("/train/metrics/froc/errors", test_froc_errors);
  g_test_add_func ("/train/metrics/froc/mias", test_froc_mias);
  g_test_add_func ("/train/metrics/summary", test_summarize);
  g_test_add_func ("/train/metrics/platt", test_platt);
  return g_test_run ();
}
