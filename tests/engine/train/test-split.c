/* tests/engine/train/test-split.c — patient-level k-fold and train/val
 * splits, class weights and the balanced sampler: tiny hand-checked
 * fixtures, then the real MIAS labels (skipped without ../shared).
 */
#include <math.h>
#include <string.h>

#include "msc-manifest.h"
#include "msc-test-util.h"

static const MscManifestOptions nf = { .no_file_checks = TRUE };

/* patients P1..Pn with two images each, labels given per image. */
static MscManifest *
make (const char *const *labels, guint n_images)
{
  g_autoptr (GString) csv = g_string_new ("image,patient,label\n");
  for (guint i = 0; i < n_images; i++)
    g_string_append_printf (csv, "i%u.png,P%u,%s\n", i, i / 2, labels[i]);
  g_autoptr (GError) error = NULL;
  MscManifest *m = msc_manifest_load_bytes (csv->str, csv->len, "t.csv", "/", &nf, NULL, &error);
  g_assert_no_error (error);
  return m;
}

/* 6 patients: P0-P2 have a malignant image, P3 benign, P4-P5 normal.
 * k = 3: strata by worst label {P0,P1,P2} {P3} {P4,P5}; the deal gives
 * each fold one malignant patient and 2 patients in all. */
static const char *const six[] = {
  "malignant", "normal", "normal", "malignant", "malignant", "benign",
  "benign", "normal", "normal", "normal", "normal", "normal",
};

static void
test_kfold_tiny (void)
{
  g_autoptr (MscManifest) m = make (six, 12);
  g_autoptr (GError) error = NULL;
  g_autofree guint *folds = msc_split_kfold (m, 3, 1, &error);
  g_assert_no_error (error);
  guint size[3] = { 0 }, malignant[3] = { 0 };
  for (guint i = 0; i < 12; i += 2)
    {
      g_assert_cmpuint (folds[i], <, 3);
      g_assert_cmpuint (folds[i], ==, folds[i + 1]);     /* both breasts together */
      size[folds[i]]++;
      malignant[folds[i]] += i / 2 < 3;
    }
  for (guint f = 0; f < 3; f++)
    {
      g_assert_cmpuint (size[f], ==, 2);
      g_assert_cmpuint (malignant[f], ==, 1);
    }
  g_autofree guint *again = msc_split_kfold (m, 3, 1, NULL);
  g_assert_cmpmem (folds, 12 * sizeof (guint), again, 12 * sizeof (guint));

  g_assert_null (msc_split_kfold (m, 7, 1, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_true (strstr (error->message, "7 folds for 6 patients"));
  g_clear_error (&error);
  g_assert_null (msc_split_kfold (m, 1, 1, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  g_autofree guint *six_folds = msc_split_kfold (m, 6, 1, &error);   /* k = patients: one each */
  g_assert_no_error (error);
  for (guint i = 0; i < 12; i += 2)
    for (guint j = i + 2; j < 12; j += 2)
      g_assert_cmpuint (six_folds[i], !=, six_folds[j]);
}

static void
test_train_val_tiny (void)
{
  g_autoptr (MscManifest) m = make (six, 12);
  g_autoptr (GError) error = NULL;
  /* 6 patients x 0.34 = 2.04 -> 2 validation patients. */
  g_autofree gboolean *val = msc_split_train_val (m, 0.34, 5, &error);
  g_assert_no_error (error);
  guint n_val = 0;
  for (guint i = 0; i < 12; i += 2)
    {
      g_assert_cmpint (val[i], ==, val[i + 1]);
      n_val += val[i];
    }
  g_assert_cmpuint (n_val, ==, 2);
  /* 0.01 x 6 rounds to 0 but one patient always goes to validation. */
  g_autofree gboolean *tiny = msc_split_train_val (m, 0.01, 5, &error);
  n_val = 0;
  for (guint i = 0; i < 12; i += 2)
    n_val += tiny[i];
  g_assert_cmpuint (n_val, ==, 1);
  g_assert_null (msc_split_train_val (m, 0, 5, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_split_train_val (m, 1, 5, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_split_train_val (m, NAN, 5, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
}

static void
test_weights (void)
{
  /* N = 10, C = 3: w = 10 / (3 n_c) = 10/18, 10/9, 10/3. */
  guint counts[3] = { 6, 3, 1 };
  double w[3];
  g_assert_true (msc_class_weights (counts, 3, w, NULL));
  g_assert_cmpfloat_with_epsilon (w[0], 10.0 / 18, 1e-12);
  g_assert_cmpfloat_with_epsilon (w[1], 10.0 / 9, 1e-12);
  g_assert_cmpfloat_with_epsilon (w[2], 10.0 / 3, 1e-12);
  /* Count-weighted mean is 1: (6 * 10/18 + 3 * 10/9 + 10/3) / 10 = (10/3 * 3) / 10. */
  g_assert_cmpfloat_with_epsilon ((6 * w[0] + 3 * w[1] + w[2]) / 10, 1.0, 1e-12);
  /* An empty class: C = 2, N = 8, w = 8 / (2 * 4) = 1 and 0. */
  guint gap[3] = { 4, 0, 4 };
  g_assert_true (msc_class_weights (gap, 3, w, NULL));
  g_assert_cmpfloat (w[0], ==, 1.0);
  g_assert_cmpfloat (w[1], ==, 0.0);
  g_assert_cmpfloat (w[2], ==, 1.0);
  guint none[3] = { 0, 0, 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (msc_class_weights (none, 3, w, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
}

static void
test_sampler (void)
{
  /* 7 normal, 3 benign, 1 malignant, 1 unlabelled. */
  static const char *const labels[] = {
    "normal", "normal", "normal", "normal", "normal", "normal", "normal",
    "benign", "benign", "benign", "malignant", "unlabelled",
  };
  g_autoptr (MscManifest) m = make (labels, 12);
  guint counts[4];
  msc_manifest_count_labels (m, counts);
  g_assert_cmpuint (counts[0], ==, 7);
  g_assert_cmpuint (counts[3], ==, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscBalancedSampler) s = msc_balanced_sampler_new (m, 42, &error);
  g_autoptr (MscBalancedSampler) s2 = msc_balanced_sampler_new (m, 42, &error);
  g_assert_no_error (error);
  guint per_class[4] = { 0 }, hits[12] = { 0 };
  for (guint i = 0; i < 3000; i++)
    {
      guint idx = msc_balanced_sampler_next (s);
      g_assert_cmpuint (idx, ==, msc_balanced_sampler_next (s2));
      g_assert_cmpuint (idx, <, 12);
      per_class[msc_manifest_get_case (m, idx)->label]++;
      hits[idx]++;
      /* Rounds of 3 draw every class once: equal after each round. */
      if (i % 3 == 2)
        g_assert_true (per_class[0] == per_class[1] && per_class[1] == per_class[2]);
    }
  g_assert_cmpuint (per_class[3], ==, 0);
  g_assert_cmpuint (hits[10], ==, 1000);     /* the one malignant case, every round */
  for (guint i = 7; i < 10; i++)             /* benign: 1000 / 3 each, binomial sd ~15 */
    g_assert_cmpuint (hits[i], >, 250);
  static const char *const unl[] = { "unlabelled", "unlabelled" };
  g_autoptr (MscManifest) u = make (unl, 2);
  g_assert_null (msc_balanced_sampler_new (u, 1, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
}

static MscManifest *
mias (void)
{
  g_autofree char *labels = msc_test_shared_path ("mias/labels.csv");
  if (labels == NULL)
    return NULL;
  g_autofree char *images = msc_test_shared_path ("mias/images");
  g_autoptr (GError) error = NULL;
  MscManifest *m = msc_manifest_load_mias (labels, images, NULL, NULL, &error);
  g_assert_no_error (error);
  return m;
}

/* Worst label per patient (2 malignant, 1 benign, 0 normal). */
static void
patient_worst (MscManifest *m, GHashTable *worst)
{
  for (guint i = 0; i < msc_manifest_get_n_cases (m); i++)
    {
      const MscCase *c = msc_manifest_get_case (m, i);
      guint r = c->label == MSC_LABEL_MALIGNANT ? 2 : c->label == MSC_LABEL_BENIGN ? 1 : 0;
      guint old = GPOINTER_TO_UINT (g_hash_table_lookup (worst, c->patient));
      g_hash_table_insert (worst, c->patient, GUINT_TO_POINTER (MAX (old, r + 1)));
    }
}

static void
test_kfold_mias (void)
{
  g_autoptr (MscManifest) m = mias ();
  if (m == NULL)
    return;
  guint n = msc_manifest_get_n_cases (m), np = msc_manifest_get_n_patients (m);
  g_autoptr (GError) error = NULL;
  g_autofree guint *folds = msc_split_kfold (m, 5, 7, &error);
  g_assert_no_error (error);
  g_autoptr (GHashTable) fold_of = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) worst = g_hash_table_new (g_str_hash, g_str_equal);
  patient_worst (m, worst);
  guint size[5] = { 0 }, per[5][3] = { { 0 } }, total[3] = { 0 };
  for (guint i = 0; i < n; i++)
    {
      const MscCase *c = msc_manifest_get_case (m, i);
      gpointer f;
      if (g_hash_table_lookup_extended (fold_of, c->patient, NULL, &f))
        {
          g_assert_cmpuint (GPOINTER_TO_UINT (f), ==, folds[i]);   /* no patient in two folds */
          continue;
        }
      g_hash_table_insert (fold_of, c->patient, GUINT_TO_POINTER (folds[i]));
      guint w = GPOINTER_TO_UINT (g_hash_table_lookup (worst, c->patient)) - 1;
      size[folds[i]]++;
      per[folds[i]][w]++;
      total[w]++;
    }
  g_test_message ("119 patients: %u normal, %u benign, %u malignant (worst label)", total[0], total[1], total[2]);
  for (guint f = 0; f < 5; f++)
    {
      g_test_message ("fold %u: %u patients (%u normal, %u benign, %u malignant)", f, size[f],
                      per[f][0], per[f][1], per[f][2]);
      /* Sizes: 119 / 5 = 23.8, so 23 or 24 (within the +-2 asked). */
      g_assert_cmpint (ABS ((gint) size[f] * 5 - (gint) np), <=, 5);
      /* Class shares: each stratum dealt round-robin, so each fold holds
       * floor or ceil of total / 5 of every stratum (|5 n - total| < 5). */
      for (guint c = 0; c < 3; c++)
        g_assert_cmpint (ABS ((gint) per[f][c] * 5 - (gint) total[c]), <, 5);
    }
  g_autofree guint *same = msc_split_kfold (m, 5, 7, NULL);
  g_autofree guint *other = msc_split_kfold (m, 5, 8, NULL);
  g_assert_cmpmem (folds, n * sizeof (guint), same, n * sizeof (guint));
  guint differ = 0;
  for (guint i = 0; i < n; i++)
    differ += folds[i] != other[i];
  g_test_message ("seed 8 moves %u of %u images to another fold", differ, n);
  g_assert_cmpuint (differ, >, n / 2);
  g_assert_null (msc_split_kfold (m, np + 1, 7, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
}

static void
test_train_val_mias (void)
{
  g_autoptr (MscManifest) m = mias ();
  if (m == NULL)
    return;
  g_autofree gboolean *val = msc_split_train_val (m, 0.2, 3, NULL);
  g_autoptr (GHashTable) side = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_val = 0;
  for (guint i = 0; i < msc_manifest_get_n_cases (m); i++)
    {
      const MscCase *c = msc_manifest_get_case (m, i);
      gpointer s;
      if (g_hash_table_lookup_extended (side, c->patient, NULL, &s))
        g_assert_cmpint (GPOINTER_TO_INT (s) - 1, ==, val[i]);
      else
        {
          g_hash_table_insert (side, c->patient, GINT_TO_POINTER (val[i] + 1));
          n_val += val[i];
        }
    }
  g_assert_cmpuint (n_val, ==, 24);   /* round (0.2 x 119) = round (23.8) */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/split/kfold/tiny", test_kfold_tiny);
  g_test_add_func ("/train/split/kfold/mias", test_kfold_mias);
  g_test_add_func ("/train/split/train-val/tiny", test_train_val_tiny);
  g_test_add_func ("/train/split/train-val/mias", test_train_val_mias);
  g_test_add_func ("/train/split/weights", test_weights);
  g_test_add_func ("/train/split/sampler", test_sampler);
  return g_test_run ();
}
