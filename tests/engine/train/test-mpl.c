/* tests/engine/train/test-mpl.c — Meta Pseudo Labels: the labelled subset
 * on the real MIAS manifest (patient-level, stratified, deterministic,
 * disjoint), short teacher/student runs on 8 MIAS images with unet-tiny
 * (the student's labelled loss falls, h stays finite, the output folder is
 * the trainer's, same seed = same weights whatever the unlabelled images'
 * labels say, resume continues bit for bit), and refused semi settings.
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "msc-manifest-private.h"
#include "msc-mpl.h"
#include "msc-test-util.h"
#include "msc-train-config.h"

static MscManifest *
load_mias (void)
{
  g_autofree char *labels = msc_test_shared_path ("mias/labels.csv");
  g_autofree char *images = msc_test_shared_path ("mias/images");
  if (!labels || !images)
    return NULL;
  g_autoptr (GError) error = NULL;
  MscManifest *m = msc_manifest_load_mias (labels, images, NULL, NULL, &error);
  g_assert_no_error (error);
  return m;
}

static guint
rank_of (MscLabel l)
{
  return l == MSC_LABEL_MALIGNANT ? 3 : l == MSC_LABEL_BENIGN ? 2 : l == MSC_LABEL_NORMAL ? 1 : 0;
}

/* ---- the labelled subset ------------------------------------------------- */

static void
test_select (void)
{
  g_autoptr (MscManifest) m = load_mias ();
  if (!m)
    return;
  g_autoptr (GError) error = NULL;
  /* The training side of a patient-level split, as the CLI has it. */
  g_autofree gboolean *is_val = msc_split_train_val (m, 0.2, 1, &error);
  g_assert_no_error (error);
  guint n = msc_manifest_get_n_cases (m), nt = 0;
  g_autofree guint *train = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    if (!is_val[i])
      train[nt++] = i;

  g_autofree guint *lab = NULL, *unl = NULL;
  guint nl = 0, nu = 0;
  g_assert_true (msc_split_labelled (m, train, nt, 0.25, 7, &lab, &nl, &unl, &nu, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (nl + nu, ==, nt);
  g_assert_cmpuint (nl, >, 0);
  g_assert_cmpuint (nu, >, 0);

  /* Disjoint, together the training cases, and no patient on both sides. */
  g_autofree gint *side = g_new (gint, n);
  for (guint i = 0; i < n; i++)
    side[i] = -1;
  for (guint i = 0; i < nl; i++)
    {
      g_assert_cmpint (side[lab[i]], ==, -1);
      side[lab[i]] = 1;
    }
  for (guint i = 0; i < nu; i++)
    {
      g_assert_cmpint (side[unl[i]], ==, -1);
      side[unl[i]] = 0;
    }
  for (guint i = 0; i < nt; i++)
    g_assert_cmpint (side[train[i]], >=, 0);
  guint np = msc_manifest_get_n_patients (m);
  g_autofree gint *patient_side = g_new (gint, np);
  g_autofree guint *patient_rank = g_new0 (guint, np);
  for (guint p = 0; p < np; p++)
    patient_side[p] = -1;
  for (guint i = 0; i < nt; i++)
    {
      guint p = msc_manifest_patient_of (m, train[i]);
      g_assert_true (patient_side[p] == -1 || patient_side[p] == side[train[i]]);
      patient_side[p] = side[train[i]];
      patient_rank[p] = MAX (patient_rank[p], rank_of (msc_manifest_get_case (m, train[i])->label));
    }

  /* A quarter of the training patients, each stratum within one patient
   * of its proportional share. */
  guint pat = 0, pat_lab = 0, per[4] = { 0 }, per_lab[4] = { 0 };
  for (guint p = 0; p < np; p++)
    if (patient_side[p] >= 0)
      {
        pat++;
        per[patient_rank[p]]++;
        pat_lab += patient_side[p];
        per_lab[patient_rank[p]] += patient_side[p];
      }
  g_assert_cmpuint (pat_lab, ==, (guint) (0.25 * pat + 0.5));
  for (guint r = 0; r < 4; r++)
    g_assert_cmpfloat (fabs (per_lab[r] - (double) per[r] * pat_lab / pat), <, 1.0);
  g_assert_cmpuint (per[3], >, 4);   /* MIAS has malignant patients to stratify */

  /* Deterministic; another seed picks other patients. */
  g_autofree guint *lab2 = NULL, *unl2 = NULL, *lab3 = NULL, *unl3 = NULL;
  guint nl2, nu2, nl3, nu3;
  g_assert_true (msc_split_labelled (m, train, nt, 0.25, 7, &lab2, &nl2, &unl2, &nu2, NULL));
  g_assert_cmpuint (nl2, ==, nl);
  g_assert_cmpmem (lab2, nl2 * sizeof (guint), lab, nl * sizeof (guint));
  g_assert_cmpmem (unl2, nu2 * sizeof (guint), unl, nu * sizeof (guint));
  g_assert_true (msc_split_labelled (m, train, nt, 0.25, 8, &lab3, &nl3, &unl3, &nu3, NULL));
  g_assert_false (nl3 == nl && memcmp (lab3, lab, nl * sizeof (guint)) == 0);

  /* Everything labelled at 1; out-of-range fractions refused. */
  g_autofree guint *all = NULL, *none = NULL;
  guint na, nn;
  g_assert_true (msc_split_labelled (m, train, nt, 1.0, 7, &all, &na, &none, &nn, NULL));
  g_assert_cmpuint (na, ==, nt);
  g_assert_null (none);
  guint *x = NULL, *y = NULL, nx, ny;
  g_assert_false (msc_split_labelled (m, train, nt, 0.0, 7, &x, &nx, &y, &ny, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (msc_split_labelled (m, train, nt, 1.5, 7, &x, &nx, &y, &ny, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
}

/* ---- runs ------------------------------------------------------------------ */

/* Patients 001 (benign, both sides), 003 (benign R), 005 (benign L) and
 * 012 (malignant R): 8 images. */
static const char *const run_ids[] = { "mdb001", "mdb002", "mdb005", "mdb006",
                                       "mdb009", "mdb010", "mdb023", "mdb024" };

typedef struct {
  MscManifest *m;
  guint cases[G_N_ELEMENTS (run_ids)];
  guint *lab, *unl, n_lab, n_unl;
  char *graph;
} RunFixture;

static void
run_set_up (RunFixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  if (!(f->m = load_mias ()))
    return;
  for (guint k = 0; k < G_N_ELEMENTS (run_ids); k++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < msc_manifest_get_n_cases (f->m) && !found; i++)
        {
          g_autofree char *base = g_path_get_basename (msc_manifest_get_case (f->m, i)->image_path);
          if ((found = g_str_has_prefix (base, run_ids[k])))
            f->cases[k] = i;
        }
      g_assert_true (found);
    }
  g_assert_true (msc_split_labelled (f->m, f->cases, G_N_ELEMENTS (f->cases), 0.5, 3,
                                          &f->lab, &f->n_lab, &f->unl, &f->n_unl, NULL));
  g_assert_cmpuint (f->n_lab, ==, 4);
  g_assert_cmpuint (f->n_unl, ==, 4);
  f->graph = g_test_build_filename (G_TEST_DIST, "..", "data", "models", "presets",
                                    "unet-tiny.json", NULL);
}

static void
run_tear_down (RunFixture *f, gconstpointer data)
{
  msc_manifest_unref (f->m);
  g_free (f->lab);
  g_free (f->unl);
  g_free (f->graph);
}

static void
small_config (RunFixture *f, MscTrainerConfig *cfg, MscMplConfig *mc, const char *out)
{
  msc_trainer_config_init (cfg);
  cfg->graph_path = f->graph;
  cfg->output_dir = out;
  cfg->source_spacing_mm = 0.2;
  cfg->spacing_mm = 0.8;             /* 256 x 256 images: fast to preprocess */
  cfg->patch_size = 32;
  cfg->batch_size = 4;
  cfg->steps = 14;
  cfg->n_threads = 2;
  cfg->lr = (MscLrSchedule) { .kind = MSC_LR_CONSTANT, .base_lr = 3e-3 };
  cfg->eval_every = 7;
  cfg->val_patches = 8;
  cfg->seed = 11;
  msc_mpl_config_init (mc);
  mc->warmup = 6;
}

typedef struct {
  guint mpl_steps;
  gboolean h_finite;
  guint stop_at;                     /* progress returns FALSE after it; 0 = never */
  MscMpl *mpl;
} Watch;

static gboolean
watch (guint step, double loss, double lr, double val_metric, gpointer user_data)
{
  Watch *w = user_data;
  MscMplStats st;
  msc_mpl_get_stats (w->mpl, &st);
  if (step > 6)
    {
      w->mpl_steps++;
      w->h_finite = w->h_finite && isfinite (st.h) && isfinite (st.l_old) && isfinite (st.l_new)
                    && isfinite (st.teacher_loss);
    }
  else
    g_assert_true (isnan (st.h));
  g_assert_true (isfinite (loss));
  return w->stop_at == 0 || step < w->stop_at;
}

static MscMpl *
new_run (RunFixture *f, MscManifest *m, const MscTrainerConfig *cfg, const MscMplConfig *mc)
{
  g_autoptr (GError) error = NULL;
  /* Validation on the unlabelled images' labels is fine for a test: the
   * run itself never reads them through the unlabelled pipeline. */
  MscMpl *mpl = msc_mpl_new (cfg, mc, m, f->lab, f->n_lab, f->unl, f->n_unl, f->lab, f->n_lab,
                             &error);
  g_assert_no_error (error);
  return mpl;
}

static void
test_run (RunFixture *f, gconstpointer data)
{
  if (!f->m)
    return;
  g_autofree char *out = msc_test_tmpdir ();
  MscTrainerConfig cfg;
  MscMplConfig mc;
  small_config (f, &cfg, &mc, out);
  g_autoptr (MscMpl) mpl = new_run (f, f->m, &cfg, &mc);
  g_autoptr (GError) error = NULL;
  double before, after;
  g_assert_true (msc_mpl_labelled_loss (mpl, 16, &before, &error));
  g_assert_no_error (error);
  Watch w = { 0, TRUE, 0, mpl };
  g_assert_true (msc_mpl_run (mpl, watch, &w, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (w.mpl_steps, ==, 8);
  g_assert_true (w.h_finite);
  g_assert_true (msc_mpl_labelled_loss (mpl, 16, &after, &error));
  g_test_message ("student labelled loss %.4f -> %.4f", before, after);
  g_assert_cmpfloat (after, <, before);
  g_assert_true (isfinite (msc_mpl_get_best_metric (mpl)));

  /* The trainer's folder layout: the student's checkpoint loads into a
   * fresh model as evaluate does it; logs have a row per step. */
  g_autoptr (GPtrArray) ckpts = msc_trainer_list_checkpoints (out, &error);
  g_assert_cmpuint (ckpts->len, ==, 1);
  g_assert_true (g_str_has_suffix (ckpts->pdata[0], "checkpoint-00000014.safetensors"));
  g_autofree char *teacher = g_build_filename (out, "teacher-00000014.safetensors", NULL);
  g_assert_true (g_file_test (teacher, G_FILE_TEST_EXISTS));
  g_autoptr (MscModel) m = msc_model_load (f->graph, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (msc_model_set_optimizer (m, &cfg.optim, &error));
  g_assert_true (msc_model_load_checkpoint (m, ckpts->pdata[0], NULL, &error));
  g_assert_no_error (error);
  gsize n1, n2;
  const float *a = msc_model_get_params_block (m, &n1);
  const float *b = msc_model_get_params_block (msc_mpl_get_student (mpl), &n2);
  g_assert_cmpmem (a, n1 * sizeof (float), b, n2 * sizeof (float));
  g_autofree char *log = g_build_filename (out, "train-log.csv", NULL);
  g_autoptr (GPtrArray) rows = msc_test_read_csv (log);
  g_assert_cmpuint (rows->len, ==, 15);
  g_assert_cmpstr (((GStrv) rows->pdata[0])[3], ==, "val_metric");
  g_autofree char *mlog = g_build_filename (out, "mpl-log.csv", NULL);
  g_autoptr (GPtrArray) mrows = msc_test_read_csv (mlog);
  g_assert_cmpuint (mrows->len, ==, 15);
  g_assert_cmpstr (((GStrv) mrows->pdata[6])[1], ==, "warmup");
  g_assert_cmpstr (((GStrv) mrows->pdata[7])[1], ==, "mpl");
}

/* A copy of m where the unlabelled cases say the opposite: lesions gone,
 * labels flipped to malignant. */
static MscManifest *
lying_manifest (RunFixture *f)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_case_free);
  for (guint i = 0; i < msc_manifest_get_n_cases (f->m); i++)
    {
      MscCase *c = msc_case_copy (msc_manifest_get_case (f->m, i));
      for (guint k = 0; k < f->n_unl; k++)
        if (f->unl[k] == i)
          {
            g_ptr_array_set_size (c->lesions, 0);
            c->label = MSC_LABEL_MALIGNANT;
          }
      g_ptr_array_add (cases, c);
    }
  return msc_manifest_new_take ("lying", cases);
}

/* Heads MPL cannot train are refused when the run is made, naming them:
 * no segmentation output, or a hierarchical class head. */
static void
test_heads (RunFixture *f, gconstpointer data)
{
  if (!f->m)
    {
      g_test_skip ("shared test data not found (set MSC_SHARED_DATA)");
      return;
    }
  g_autofree char *out = msc_test_tmpdir ();
  MscTrainerConfig cfg;
  MscMplConfig mc;
  small_config (f, &cfg, &mc, out);
  cfg.seg_output = "nope";
  g_autoptr (GError) error = NULL;
  MscMpl *mpl = msc_mpl_new (&cfg, &mc, f->m, f->lab, f->n_lab, f->unl, f->n_unl, f->lab,
                             f->n_lab, &error);
  g_assert_null (mpl);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "segmentation"));
  g_clear_error (&error);

  g_autofree char *hier = g_test_build_filename (G_TEST_DIST, "..", "data", "models", "presets",
                                                 "unet-tiny-hierarchical.json", NULL);
  small_config (f, &cfg, &mc, out);
  cfg.graph_path = hier;
  cfg.tasks = MSC_TRAIN_TASK_SEGMENTATION | MSC_TRAIN_TASK_CLASSIFICATION;
  mpl = msc_mpl_new (&cfg, &mc, f->m, f->lab, f->n_lab, f->unl, f->n_unl, f->lab, f->n_lab,
                     &error);
  g_assert_null (mpl);
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "hierarchical"));
}

/* Same seed, prefetch on or off, unlabelled labels true or not: the same
 * student, bit for bit. A run stopped at step 9 and resumed from its step-8
 * checkpoints ends there too. */
static void
test_determinism (RunFixture *f, gconstpointer data)
{
  if (!f->m)
    return;
  g_autoptr (MscManifest) lying = lying_manifest (f);
  g_autofree char *o1 = msc_test_tmpdir (), *o2 = msc_test_tmpdir (), *o3 = msc_test_tmpdir ();
  MscTrainerConfig c1, c2, c3;
  MscMplConfig mc;
  small_config (f, &c1, &mc, o1);
  small_config (f, &c2, &mc, o2);
  small_config (f, &c3, &mc, o3);
  c1.steps = c2.steps = c3.steps = 10;
  c1.eval_every = c2.eval_every = c3.eval_every = 0;
  c2.prefetch = FALSE;
  c3.checkpoint_every = 4;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscMpl) r1 = new_run (f, f->m, &c1, &mc);
  g_autoptr (MscMpl) r2 = new_run (f, lying, &c2, &mc);
  g_assert_true (msc_mpl_run (r1, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (msc_mpl_run (r2, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  gsize n1, n2, n3;
  const float *a = msc_model_get_params_block (msc_mpl_get_student (r1), &n1);
  const float *b = msc_model_get_params_block (msc_mpl_get_student (r2), &n2);
  g_assert_cmpmem (a, n1 * sizeof (float), b, n2 * sizeof (float));

  {
    g_autoptr (MscMpl) killed = new_run (f, f->m, &c3, &mc);
    Watch w = { 0, TRUE, 9, killed };
    g_assert_false (msc_mpl_run (killed, watch, &w, NULL, &error));
    g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED);
    g_clear_error (&error);
  }
  g_autoptr (MscMpl) r3 = new_run (f, f->m, &c3, &mc);
  g_assert_true (msc_mpl_run (r3, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  const float *c = msc_model_get_params_block (msc_mpl_get_student (r3), &n3);
  g_assert_cmpmem (a, n1 * sizeof (float), c, n3 * sizeof (float));
}

/* ---- configuration ------------------------------------------------------------- */

static void
test_config (void)
{
  g_autofree char *dir = msc_test_tmpdir ();
  g_autofree char *g = g_build_filename (dir, "g.json", NULL);
  g_autofree char *mf = g_build_filename (dir, "m.csv", NULL);
  g_assert_true (g_file_set_contents (g, "{}", -1, NULL));
  g_assert_true (g_file_set_contents (mf, "{}", -1, NULL));
#define BASE "\"graph\": \"g.json\", \"manifest\": \"m.csv\", \"output_dir\": \"out\", \"steps\": 1000"
  static const struct {
    const char *text, *key;
  } bad[] = {
    { "{" BASE ", \"semi\": {\"kind\": \"fixmatch\"}}", "semi.kind" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\", \"labelled_fraction\": 0}}", "semi.labelled_fraction" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\", \"labelled_fraction\": 1}}", "semi.labelled_fraction" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\", \"warmup\": 1000}}", "semi.warmup" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\", \"warmup\": -1}}", "semi.warmup" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\", \"seed\": \"x\"}}", "semi.seed" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\", \"teacher\": 1}}", "semi.teacher" },
    { "{" BASE ", \"semi\": {\"warmup\": 10}}", "semi.warmup" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\"}, \"tasks\": [\"classification\"]}", "semi.kind" },
    { "{" BASE ", \"semi\": {\"kind\": \"mpl\"}, \"data\": {\"labelled_fraction\": 0.5}}",
      "data.labelled_fraction" },
    { "{" BASE ", \"data\": {\"labelled_fraction\": 0}}", "data.labelled_fraction" },
    { "{" BASE ", \"data\": {\"labelled_fraction\": 1.5}}", "data.labelled_fraction" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MscTrainConfig) tc = msc_train_config_load_bytes (bad[i].text, strlen (bad[i].text),
                                                                   "run.json", dir, NULL, &error);
      g_assert_null (tc);
      g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
      g_autofree char *want = g_strdup_printf ("run.json: %s: ", bad[i].key);
      if (!g_str_has_prefix (error->message, want))
        g_error ("case %u: \"%s\" does not start with \"%s\"", i, error->message, want);
    }
  /* A good one lands and survives the canonical writer. */
  const char *good = "{" BASE ", \"semi\": {\"kind\": \"mpl\", \"labelled_fraction\": 0.25, "
                     "\"warmup\": 30, \"seed\": 9}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = msc_train_config_load_bytes (good, strlen (good), "run.json", dir,
                                                               NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tc->semi_kind, ==, MSC_TRAIN_SEMI_MPL);
  g_assert_cmpfloat (tc->semi_labelled_fraction, ==, 0.25);
  g_assert_cmpuint (tc->semi_warmup, ==, 30);
  g_assert_cmpuint (tc->semi_seed, ==, 9);
  g_autofree char *json = msc_train_config_to_json (tc);
  g_autoptr (MscTrainConfig) back = msc_train_config_load_bytes (json, strlen (json), "back.json",
                                                                 dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->semi_kind, ==, MSC_TRAIN_SEMI_MPL);
  g_assert_cmpuint (back->semi_warmup, ==, 30);
  g_assert_cmpuint (back->semi_seed, ==, 9);
  /* Supervised defaults round-trip too (semi written as kind "none" only). */
  const char *plain = "{" BASE ", \"data\": {\"labelled_fraction\": 0.25, \"labelled_seed\": 9}}";
  g_autoptr (MscTrainConfig) p = msc_train_config_load_bytes (plain, strlen (plain), "p.json", dir,
                                                              NULL, &error);
  g_assert_no_error (error);
  g_autofree char *pjson = msc_train_config_to_json (p);
  g_autoptr (MscTrainConfig) pback = msc_train_config_load_bytes (pjson, strlen (pjson), "pb.json",
                                                                  dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pback->semi_kind, ==, MSC_TRAIN_SEMI_NONE);
  g_assert_cmpfloat (pback->labelled_fraction, ==, 0.25);
  g_assert_cmpuint (pback->labelled_seed, ==, 9);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/mpl/select", test_select);
  g_test_add ("/train/mpl/run", RunFixture, NULL, run_set_up, test_run, run_tear_down);
  g_test_add ("/train/mpl/determinism", RunFixture, NULL, run_set_up, test_determinism,
              run_tear_down);
  g_test_add_func ("/train/mpl/config", test_config);
  g_test_add ("/train/mpl/heads", RunFixture, NULL, run_set_up, test_heads, run_tear_down);
  return g_test_run ();
}
