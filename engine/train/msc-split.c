/* engine/train/msc-split.c — patient-level splits (stratified k-fold and
 * train/validation, the labelled subset of a semi-supervised run) and
 * class balance (counts, inverse-frequency weights,
 * a balanced sampler). Splits work on patients, never images, so the two
 * breasts of a patient never sit on both sides; all randomness is MscRng.
 */
#include "msc-manifest-private.h"

#include "msc-i18n.h"
#include "msc-rng.h"

/* Stratum of a label: higher is worse; a patient takes their worst. */
static guint
label_rank (MscLabel label)
{
  switch (label)
    {
    case MSC_LABEL_MALIGNANT: return 3;
    case MSC_LABEL_BENIGN:    return 2;
    case MSC_LABEL_NORMAL:    return 1;
    default:                  return 0;
    }
}

static void
shuffle (guint *v, guint n, MscRng *rng)
{
  for (guint i = n; i > 1; i--)
    {
      guint j = (guint) msc_rng_below (rng, i);
      guint t = v[i - 1];
      v[i - 1] = v[j];
      v[j] = t;
    }
}

/* Patients ordered stratum by stratum (worst first), shuffled within each
 * stratum; n_patients entries (transfer full). Dealing this order out
 * round-robin gives every part a share of each stratum within one. */
static guint *
stratified_order (const MscManifest *m, MscRng *rng)
{
  guint np = m->n_patients;
  g_autofree guint *rank = g_new0 (guint, np);
  for (guint i = 0; i < m->cases->len; i++)
    {
      guint p = m->patient_of[i];
      rank[p] = MAX (rank[p], label_rank (((MscCase *) m->cases->pdata[i])->label));
    }
  guint *order = g_new (guint, np);
  guint n = 0;
  for (gint r = 3; r >= 0; r--)
    {
      guint start = n;
      for (guint p = 0; p < np; p++)
        if (rank[p] == (guint) r)
          order[n++] = p;
      shuffle (order + start, n - start, rng);
    }
  return order;
}

guint *
msc_split_kfold (const MscManifest *manifest, guint k, guint64 seed, GError **error)
{
  guint np = manifest->n_patients;
  if (k < 2 || k > np)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: %u folds for %u patients (need 2 <= folds <= patients)"),
                   manifest->path, k, np);
      return NULL;
    }
  MscRng rng;
  msc_rng_init (&rng, seed);
  g_autofree guint *order = stratified_order (manifest, &rng);
  /* Which fold gets the first patient of the deal is itself random, so the
   * folds that end up one patient larger change with the seed. */
  g_autofree guint *perm = g_new (guint, k);
  for (guint f = 0; f < k; f++)
    perm[f] = f;
  shuffle (perm, k, &rng);
  g_autofree guint *fold_of_patient = g_new (guint, np);
  for (guint i = 0; i < np; i++)
    fold_of_patient[order[i]] = perm[i % k];
  guint *folds = g_new (guint, MAX (manifest->cases->len, 1));
  for (guint i = 0; i < manifest->cases->len; i++)
    folds[i] = fold_of_patient[manifest->patient_of[i]];
  return folds;
}

gboolean *
msc_split_train_val (const MscManifest *manifest, double val_fraction, guint64 seed,
                     GError **error)
{
  guint np = manifest->n_patients;
  if (!(val_fraction > 0 && val_fraction < 1) || np < 2)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: validation fraction %g with %u patients (need 0 < fraction < 1 and "
                     ">= 2 patients)"), manifest->path, val_fraction, np);
      return NULL;
    }
  guint64 target = (guint64) (val_fraction * np + 0.5);
  target = CLAMP (target, 1, np - 1);
  MscRng rng;
  msc_rng_init (&rng, seed);
  g_autofree guint *order = stratified_order (manifest, &rng);
  /* Systematic selection along the stratified order: position i is taken
   * when floor((i+1) T / n) steps up, exactly T in all, each stratum within
   * one of its proportional share. */
  g_autofree gboolean *val_patient = g_new0 (gboolean, np);
  for (guint64 i = 0; i < np; i++)
    val_patient[order[i]] = (i + 1) * target / np > i * target / np;
  gboolean *val = g_new (gboolean, MAX (manifest->cases->len, 1));
  for (guint i = 0; i < manifest->cases->len; i++)
    val[i] = val_patient[manifest->patient_of[i]];
  return val;
}

gboolean
msc_split_labelled (const MscManifest *manifest, const guint *cases, guint n_cases,
                    double fraction, guint64 seed, guint **labelled, guint *n_labelled,
                    guint **unlabelled, guint *n_unlabelled, GError **error)
{
  if (!(fraction > 0 && fraction <= 1))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("labelled fraction must be in (0, 1], not %g"), fraction);
      return FALSE;
    }
  if (n_cases == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("%s: no cases to label"),
                   msc_manifest_get_path (manifest));
      return FALSE;
    }
  guint n_all = msc_manifest_get_n_cases (manifest), n_pat = msc_manifest_get_n_patients (manifest);
  /* Patients among cases, numbered in order of first appearance there. */
  g_autofree gint *local_of = g_new (gint, n_pat);
  g_autofree guint *rank = g_new0 (guint, n_cases);
  g_autofree guint *patient = g_new (guint, n_cases);
  for (guint p = 0; p < n_pat; p++)
    local_of[p] = -1;
  guint np = 0;
  for (guint i = 0; i < n_cases; i++)
    {
      if (cases[i] >= n_all)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: case %u of %u"), msc_manifest_get_path (manifest), cases[i], n_all);
          return FALSE;
        }
      guint p = msc_manifest_patient_of (manifest, cases[i]);
      if (local_of[p] < 0)
        local_of[p] = (gint) np++;
      patient[i] = (guint) local_of[p];
      rank[patient[i]] = MAX (rank[patient[i]],
                              label_rank (msc_manifest_get_case (manifest, cases[i])->label));
    }
  /* Worst stratum first, shuffled within each (Fisher-Yates). */
  MscRng rng;
  msc_rng_init (&rng, seed);
  g_autofree guint *order = g_new (guint, np);
  guint n = 0;
  for (gint r = 3; r >= 0; r--)
    {
      guint start = n;
      for (guint p = 0; p < np; p++)
        if (rank[p] == (guint) r)
          order[n++] = p;
      shuffle (order + start, n - start, &rng);
    }
  guint64 target = (guint64) (fraction * np + 0.5);
  target = CLAMP (target, 1, np);
  if (fraction < 1 && np >= 2)
    target = MIN (target, np - 1);
  /* Systematic selection along the stratified order: exactly `target`
   * patients, each stratum within one of its proportional share. */
  g_autofree gboolean *is_lab = g_new0 (gboolean, np);
  for (guint64 i = 0; i < np; i++)
    is_lab[order[i]] = (i + 1) * target / np > i * target / np;
  g_autofree guint *l = g_new (guint, n_cases);
  g_autofree guint *u = g_new (guint, n_cases);
  guint nl = 0, nu = 0;
  for (guint i = 0; i < n_cases; i++)
    if (is_lab[patient[i]])
      l[nl++] = cases[i];
    else
      u[nu++] = cases[i];
  *n_labelled = nl;
  *n_unlabelled = nu;
  *labelled = g_steal_pointer (&l);
  *unlabelled = nu ? g_steal_pointer (&u) : NULL;
  return TRUE;
}

void
msc_manifest_count_labels (const MscManifest *manifest, guint counts[MSC_LABEL_UNLABELLED + 1])
{
  for (guint c = 0; c <= MSC_LABEL_UNLABELLED; c++)
    counts[c] = 0;
  for (guint i = 0; i < manifest->cases->len; i++)
    {
      MscLabel label = ((MscCase *) manifest->cases->pdata[i])->label;
      if (label <= MSC_LABEL_UNLABELLED)
        counts[label]++;
    }
}

gboolean
msc_class_weights (const guint *counts, guint n_classes, double *weights, GError **error)
{
  guint64 total = 0;
  guint present = 0;
  for (guint c = 0; c < n_classes; c++)
    {
      total += counts[c];
      present += counts[c] > 0;
    }
  if (n_classes == 0 || total == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, n_classes ? MSC_TRAIN_ERROR_EMPTY : MSC_TRAIN_ERROR_INVALID,
                   _("class weights need at least one class with cases"));
      return FALSE;
    }
  for (guint c = 0; c < n_classes; c++)
    weights[c] = counts[c] ? (double) total / ((double) present * counts[c]) : 0.0;
  return TRUE;
}

struct _MscBalancedSampler {
  MscRng rng;
  GArray *members[MSC_LABEL_N_CLASSES];   /* case indices per class */
  guint classes[MSC_LABEL_N_CLASSES];     /* this round's class order */
  guint n_classes;                        /* classes with at least one case */
  guint pos;                              /* next slot in the round */
};

MscBalancedSampler *
msc_balanced_sampler_new (const MscManifest *manifest, guint64 seed, GError **error)
{
  g_autoptr (MscBalancedSampler) s = g_new0 (MscBalancedSampler, 1);
  msc_rng_init (&s->rng, seed);
  for (guint c = 0; c < MSC_LABEL_N_CLASSES; c++)
    s->members[c] = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < manifest->cases->len; i++)
    {
      MscLabel label = ((MscCase *) manifest->cases->pdata[i])->label;
      if (label < MSC_LABEL_N_CLASSES)
        g_array_append_val (s->members[label], i);
    }
  for (guint c = 0; c < MSC_LABEL_N_CLASSES; c++)
    if (s->members[c]->len > 0)
      s->classes[s->n_classes++] = c;
  if (s->n_classes == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                   _("%s: no labelled case to sample"), manifest->path);
      return NULL;
    }
  return g_steal_pointer (&s);
}

guint
msc_balanced_sampler_next (MscBalancedSampler *self)
{
  if (self->pos == 0)
    shuffle (self->classes, self->n_classes, &self->rng);
  GArray *m = self->members[self->classes[self->pos]];
  self->pos = (self->pos + 1) % self->n_classes;
  return g_array_index (m, guint, msc_rng_below (&self->rng, m->len));
}

void
msc_balanced_sampler_free (MscBalancedSampler *self)
{
  if (self == NULL)
    return;
  for (guint c = 0; c < MSC_LABEL_N_CLASSES; c++)
    g_clear_pointer (&self->members[c], g_array_unref);
  g_free (self);
}
