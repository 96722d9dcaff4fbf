/* tests/engine/train/test-trainer.c — MscTrainer on synthetic images
 * (bright disks on noise, 64 x 64, 32-pixel patches, a three-conv graph):
 * overfitting, resume after a kill bit for bit (with and without
 * progressive resizing), determinism, refused checkpoints, early stopping,
 * cancellation, the cache budget, and the hierarchical head (its gradient
 * against finite differences, a short unet-tiny-hierarchical run).
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "msc-png.h"
#include "msc-rng.h"
#include "msc-test-util.h"
#include "msc-train-eval.h"
#include "msc-trainer-private.h"

#define N_IMAGES 6
#define SIDE 64

/* enc: 1 -> 8 -> 8 channels (3 x 3, receptive field 5 x 5), a 1 x 1 mask
 * head and a pooled dense class head (lesion vs background). No batch norm
 * or dropout: a frozen model then gives exactly the same metric twice. */
static const char tiny_graph[] =
  "{\"format\": \"mammoscope-graph\", \"version\": 1, \"name\": \"tiny\",\n"
  " \"inputs\": [{\"name\": \"image\", \"shape\": [null, 1, null, null]}],\n"
  " \"outputs\": [\"mask_logits\", \"class_logits\"],\n"
  " \"nodes\": [\n"
  "  {\"name\": \"enc.conv1\", \"op\": \"conv2d\", \"inputs\": [\"image\"], \"params\": {\"out_channels\": 8, \"kernel\": 3, \"padding\": 1}},\n"
  "  {\"name\": \"enc.relu1\", \"op\": \"relu\", \"inputs\": [\"enc.conv1\"]},\n"
  "  {\"name\": \"enc.conv2\", \"op\": \"conv2d\", \"inputs\": [\"enc.relu1\"], \"params\": {\"out_channels\": 8, \"kernel\": 3, \"padding\": 1}},\n"
  "  {\"name\": \"enc.relu2\", \"op\": \"relu\", \"inputs\": [\"enc.conv2\"]},\n"
  "  {\"name\": \"mask_logits\", \"op\": \"conv2d\", \"inputs\": [\"enc.relu2\"], \"params\": {\"out_channels\": 1, \"kernel\": 1}},\n"
  "  {\"name\": \"head.pool\", \"op\": \"global_avg_pool\", \"inputs\": [\"enc.relu2\"]},\n"
  "  {\"name\": \"class_logits\", \"op\": \"dense\", \"inputs\": [\"head.pool\"], \"params\": {\"out_features\": 2}}\n"
  " ]}\n";

typedef struct {
  char *dir;             /* images, manifest and graph */
  char *graph;
  MscManifest *manifest;
  guint train[N_IMAGES - 2], val[2];
} Fixture;

/* Image i: noise 40..99 with a disk of radius 7 (value 200 + noise) at a
 * seeded position 14..49, so every disk lies whole inside the image; the
 * manifest gives the same circle (benign, "CIRC"). With data non-NULL the
 * odd images are malignant instead, their disks with a dark core (radius
 * 3, value 100 + noise), so the two kinds can be told apart. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  gboolean mixed = data != NULL;
  f->dir = msc_test_tmpdir ();
  MscRng rng;
  msc_rng_init (&rng, 7);
  g_autoptr (GString) csv = g_string_new ("image,patient,laterality,view,label,tissue,cx,cy,radius,"
                                          "polygon,mask,type,severity\n");
  g_autofree guint8 *px = g_new (guint8, SIDE * SIDE);
  for (guint i = 0; i < N_IMAGES; i++)
    {
      double cx = 14 + (double) msc_rng_below (&rng, 36), cy = 14 + (double) msc_rng_below (&rng, 36);
      for (guint y = 0; y < SIDE; y++)
        for (guint x = 0; x < SIDE; x++)
          {
            guint noise = (guint) msc_rng_below (&rng, 60);
            double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            gboolean in = r2 <= 49.0, core = mixed && i % 2 == 1 && r2 <= 9.0;
            px[y * SIDE + x] = (guint8) ((core ? 100 : in ? 200 : 40) + (in ? noise / 2 : noise));
          }
      g_autofree char *name = g_strdup_printf ("img%u.png", i);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_assert_true (msc_png_save_grey (path, SIDE, SIDE, 8, px, NULL, NULL));
      g_string_append_printf (csv, "%s,P%u,R,MLO,,,%g,%g,7,,,CIRC,%s\n", name, i, cx, cy,
                              mixed && i % 2 == 1 ? "M" : "B");
    }
  g_autofree char *mpath = g_build_filename (f->dir, "manifest.csv", NULL);
  g_assert_true (g_file_set_contents (mpath, csv->str, -1, NULL));
  f->graph = g_build_filename (f->dir, "tiny.json", NULL);
  g_assert_true (g_file_set_contents (f->graph, tiny_graph, -1, NULL));
  g_autoptr (GError) error = NULL;
  f->manifest = msc_manifest_load (mpath, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_IMAGES - 2; i++)
    f->train[i] = i;
  f->val[0] = N_IMAGES - 2;
  f->val[1] = N_IMAGES - 1;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  msc_manifest_unref (f->manifest);
  g_free (f->graph);
  g_free (f->dir);
}

/* Small and fast: no preprocessing chain (values / 255), no augmentation
 * unless a test turns it on, 32-pixel patches, batch 8, constant-ish lr. */
static void
small_config (const Fixture *f, MscTrainerConfig *cfg, const char *out)
{
  msc_trainer_config_init (cfg);
  cfg->graph_path = f->graph;
  cfg->output_dir = out;
  cfg->preprocess_steps = "";
  cfg->patch_size = 32;
  cfg->batch_size = 8;
  cfg->steps = 20;
  cfg->lr.base_lr = 1e-2;
  cfg->eval_every = 0;
  cfg->val_patches = 16;
  cfg->n_threads = 1;
  msc_augment_params_init_identity (&cfg->augment);
}

static char *
out_dir (const Fixture *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static MscTrainer *
make (const Fixture *f, const MscTrainerConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  MscTrainer *t = msc_trainer_new (cfg, f->manifest, f->train, N_IMAGES - 2, f->val, 2, &error);
  g_assert_no_error (error);
  return t;
}

static void
run_ok (MscTrainer *t)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_trainer_run (t, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static float *
copy_params (MscTrainer *t, gsize *n)
{
  const float *p = msc_model_get_params_block (msc_trainer_get_model (t), n);
  return g_memdup2 (p, *n * sizeof (float));
}

/* ---- 1. a tiny run learns ---------------------------------------------------- */

static gboolean
record_loss (guint step, double loss, double lr, double metric, gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, loss);
  return TRUE;
}

static void
test_overfit (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "overfit");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.steps = 200;
  cfg.val_patches = 32;
  g_autoptr (MscTrainer) t = make (f, &cfg);
  g_autoptr (GArray) losses = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_trainer_run (t, record_loss, losses, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (losses->len, ==, 200);
  /* Mean loss of the first and last 20 steps. */
  double first = 0, last = 0;
  for (guint i = 0; i < 20; i++)
    {
      first += g_array_index (losses, double, i) / 20;
      last += g_array_index (losses, double, 180 + i) / 20;
    }
  g_test_message ("loss %.4f -> %.4f", first, last);
  g_assert_cmpfloat (last, <, 0.5 * first);
  double dice = 0;
  g_assert_true (msc_trainer_evaluate (t, f->train, N_IMAGES - 2, &dice, &error));
  g_assert_no_error (error);
  g_test_message ("Dice on the training images %.4f", dice);
  g_assert_cmpfloat (dice, >, 0.9);
  /* The run's files: the final checkpoint, the log (header + 200 rows), the plot. */
  g_autoptr (GPtrArray) ckpts = msc_trainer_list_checkpoints (out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ckpts->len, ==, 1);
  g_assert_true (g_str_has_suffix (ckpts->pdata[0], "checkpoint-00000200.safetensors"));
  g_autofree char *log = g_build_filename (out, "train-log.csv", NULL);
  g_autoptr (GPtrArray) rows = msc_test_read_csv (log);
  g_assert_cmpuint (rows->len, ==, 201);
  g_autofree char *png = g_build_filename (out, "training.png", NULL);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
}

/* ---- 2. resume after a kill ----------------------------------------------------- */

static gboolean
cancel_at (guint step, double loss, double lr, double metric, gpointer user_data)
{
  if (step == 12)
    g_cancellable_cancel (user_data);
  return TRUE;
}

/* Augmentation, evaluation and a warm-up-cosine schedule on, so that the
 * resumed run must restore the optimiser moments, step and schedule, the
 * early-stopping state and the data position exactly. */
static void
resume_config (const Fixture *f, MscTrainerConfig *cfg, const char *out)
{
  small_config (f, cfg, out);
  msc_augment_params_init_default (&cfg->augment);
  cfg->steps = 20;
  cfg->checkpoint_every = 10;
  cfg->eval_every = 5;
  cfg->tasks = MSC_TRAIN_TASK_SEGMENTATION | MSC_TRAIN_TASK_CLASSIFICATION;
}

typedef void (*ConfigFunc) (const Fixture *f, MscTrainerConfig *cfg, const char *out);

/* A straight run and one killed after step 12 (last checkpoint at 10) and
 * resumed by a fresh trainer end with the same bits. */
static void
check_resume (Fixture *f, ConfigFunc config, const char *tag)
{
  g_autofree char *na = g_strconcat (tag, "-straight", NULL), *nb = g_strconcat (tag, "-killed", NULL);
  g_autofree char *a = out_dir (f, na), *b = out_dir (f, nb);
  MscTrainerConfig cfg;
  config (f, &cfg, a);
  g_autoptr (MscTrainer) straight = make (f, &cfg);
  run_ok (straight);

  config (f, &cfg, b);
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  {
    g_autoptr (MscTrainer) killed = make (f, &cfg);
    g_assert_false (msc_trainer_run (killed, cancel_at, cancel, cancel, &error));
    g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED);
    g_assert_cmpuint (msc_trainer_get_step (killed), ==, 12);
    g_clear_error (&error);
  }
  /* A fresh trainer (a new process) finds checkpoint 10 and redoes 11..20. */
  g_autoptr (MscTrainer) resumed = make (f, &cfg);
  run_ok (resumed);
  g_assert_cmpuint (msc_trainer_get_step (resumed), ==, 20);
  gsize n1, n2;
  g_autofree float *p1 = copy_params (straight, &n1);
  g_autofree float *p2 = copy_params (resumed, &n2);
  g_assert_cmpuint (n1, ==, n2);
  g_assert_cmpmem (p1, n1 * sizeof (float), p2, n2 * sizeof (float));
  gsize s1, s2;
  float *o1 = msc_model_get_optim_state (msc_trainer_get_model (straight), &s1);
  float *o2 = msc_model_get_optim_state (msc_trainer_get_model (resumed), &s2);
  g_assert_cmpmem (o1, s1 * sizeof (float), o2, s2 * sizeof (float));
  g_assert_cmpfloat (msc_trainer_get_best_metric (straight), ==, msc_trainer_get_best_metric (resumed));
  /* The logs agree row for row (rows 11 and 12 of the killed run dropped). */
  g_autofree char *la = g_build_filename (a, "train-log.csv", NULL), *lb = g_build_filename (b, "train-log.csv", NULL);
  g_autofree char *ta = NULL, *tb = NULL;
  g_assert_true (g_file_get_contents (la, &ta, NULL, NULL));
  g_assert_true (g_file_get_contents (lb, &tb, NULL, NULL));
  g_assert_cmpstr (ta, ==, tb);
}

static void
test_resume (Fixture *f, gconstpointer data)
{
  check_resume (f, resume_config, "resume");
}

/* Progressive resizing: 16-pixel patches for steps 0..10, then the
 * configured 32 from step 11, between the checkpoint (10) and the kill
 * (12), so the resumed run must pick the size by step alone. Validation
 * (every 5 steps) stays at 32 throughout. */
static void
resize_config (const Fixture *f, MscTrainerConfig *cfg, const char *out)
{
  resume_config (f, cfg, out);
  cfg->stages[0] = (MscTrainStage) { 0, "", 1.0, 16 };
  cfg->stages[1] = (MscTrainStage) { 11, "", 1.0, 0 };
  cfg->n_stages = 2;
}

static void
test_resize_resume (Fixture *f, gconstpointer data)
{
  check_resume (f, resize_config, "resize");
  /* The sizes take effect: the batches of step 3 (stage 0) and step 11
   * (stage 1) have 16- and 32-pixel patches, packed densely. */
  MscTrainerConfig cfg;
  g_autofree char *out = out_dir (f, "resize-sizes");
  resize_config (f, &cfg, out);
  g_assert_cmpuint (msc_trainer_config_patch_at (&cfg, 10), ==, 16);
  g_assert_cmpuint (msc_trainer_config_patch_at (&cfg, 11), ==, 32);
  g_assert_cmpuint (msc_trainer_config_max_patch (&cfg), ==, 32);
  g_autoptr (GError) error = NULL;
  MscTrainData *data_src = msc_train_data_new (&cfg, f->manifest, f->train, N_IMAGES - 2, 2, &error);
  g_assert_no_error (error);
  MscTrainBatch *b = msc_train_batch_new (cfg.batch_size, 32, &error);
  g_assert_true (msc_train_data_fill (data_src, 3, b, &error));
  g_assert_cmpuint (b->patch, ==, 16);
  g_autoptr (MscTensor) v16 = msc_train_batch_view (b, &error);
  g_assert_cmpint (msc_tensor_numel (v16), ==, 8 * 16 * 16);
  g_assert_true (msc_train_data_fill (data_src, 11, b, &error));
  g_assert_cmpuint (b->patch, ==, 32);
  g_autoptr (MscTensor) v32 = msc_train_batch_view (b, &error);
  g_assert_cmpint (msc_tensor_numel (v32), ==, 8 * 32 * 32);
  msc_train_batch_free (b);
  msc_train_data_free (data_src);
  /* And they change training: without the first stage's size the
   * weights differ. */
  g_autofree char *a = out_dir (f, "resize-straight"), *o = out_dir (f, "resize-none");
  g_autoptr (MscTrainer) sized = make (f, (resize_config (f, &cfg, a), &cfg));
  run_ok (sized);   /* nothing left: resumes at step 20 */
  resize_config (f, &cfg, o);
  cfg.stages[0].patch_size = 0;
  g_autoptr (MscTrainer) plain = make (f, &cfg);
  run_ok (plain);
  gsize n1, n2;
  g_autofree float *p1 = copy_params (sized, &n1);
  g_autofree float *p2 = copy_params (plain, &n2);
  g_assert_true (memcmp (p1, p2, n1 * sizeof (float)) != 0);
}

/* ---- 3. determinism ------------------------------------------------------------- */

static float *
train_params (Fixture *f, const char *name, guint64 seed, gboolean prefetch, gsize *n)
{
  g_autofree char *out = out_dir (f, name);
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  msc_augment_params_init_default (&cfg.augment);
  cfg.seed = seed;
  cfg.prefetch = prefetch;
  cfg.steps = 10;
  g_autoptr (MscTrainer) t = make (f, &cfg);
  run_ok (t);
  return copy_params (t, n);
}

static void
test_determinism (Fixture *f, gconstpointer data)
{
  gsize n1, n2, n3, n4;
  g_autofree float *a = train_params (f, "seed1a", 1, TRUE, &n1);
  g_autofree float *b = train_params (f, "seed1b", 1, TRUE, &n2);
  g_autofree float *c = train_params (f, "seed1c", 1, FALSE, &n3);   /* no prefetch thread */
  g_autofree float *d = train_params (f, "seed2", 2, TRUE, &n4);
  g_assert_cmpmem (a, n1 * sizeof (float), b, n2 * sizeof (float));
  g_assert_cmpmem (a, n1 * sizeof (float), c, n3 * sizeof (float));
  g_assert_cmpuint (n1, ==, n4);
  g_assert_true (memcmp (a, d, n1 * sizeof (float)) != 0);
}

/* Hard negatives change the background patches (so the weights), keep the
 * run deterministic, and bad files are refused naming the file. */
static void
test_hard_negatives (Fixture *f, gconstpointer data)
{
  g_autofree char *good = g_build_filename (f->dir, "hard.json", NULL);
  g_assert_true (g_file_set_contents (good, "{\"img0.png\": [[4, 4], [60, 8]], \"img3.png\": [[8, 60]],"
                                      " \"other.png\": [[1, 1]]}", -1, NULL));
  gsize n[3];
  float *params[3];
  const char *names[] = { "hard-a", "hard-b", "hard-none" };
  for (guint k = 0; k < 3; k++)
    {
      g_autofree char *out = out_dir (f, names[k]);
      MscTrainerConfig cfg;
      small_config (f, &cfg, out);
      cfg.steps = 10;
      cfg.hard_negatives_path = good;
      cfg.hard_negative_share = k < 2 ? 0.9 : 0;
      g_autoptr (MscTrainer) t = make (f, &cfg);
      run_ok (t);
      params[k] = copy_params (t, &n[k]);
    }
  g_assert_cmpmem (params[0], n[0] * sizeof (float), params[1], n[1] * sizeof (float));
  g_assert_true (memcmp (params[0], params[2], n[0] * sizeof (float)) != 0);
  for (guint k = 0; k < 3; k++)
    g_free (params[k]);

  const char *bad[] = { "[[1, 2]]", "{\"img0.png\": [[1, \"x\"]]}", "{\"img0.png\": 3}", "{" };
  for (guint k = 0; k <= G_N_ELEMENTS (bad); k++)
    {
      g_autofree char *path = g_strdup_printf ("%s/bad%u.json", f->dir, k);
      if (k < G_N_ELEMENTS (bad))       /* the last one is never written: missing */
        g_assert_true (g_file_set_contents (path, bad[k], -1, NULL));
      g_autofree char *out = out_dir (f, "hard-bad");
      MscTrainerConfig cfg;
      small_config (f, &cfg, out);
      cfg.hard_negatives_path = path;
      cfg.hard_negative_share = 0.5;
      g_autoptr (GError) error = NULL;
      g_autoptr (MscTrainer) t = msc_trainer_new (&cfg, f->manifest, f->train, N_IMAGES - 2,
                                                  f->val, 2, &error);
      g_assert_null (t);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, path));
    }
}

/* ---- 4. refused checkpoints ---------------------------------------------------- */

static void
test_bad_checkpoint (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "bad");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.steps = 4;
  {
    g_autoptr (MscTrainer) t = make (f, &cfg);
    run_ok (t);
  }
  g_autofree char *ckpt = g_build_filename (out, "checkpoint-00000004.safetensors", NULL);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (ckpt, &bytes, &len, NULL));

  /* Another configuration (seed 5) in the same folder: refused by hash. */
  g_autoptr (GError) error = NULL;
  cfg.seed = 5;
  {
    g_autoptr (MscTrainer) t = make (f, &cfg);
    g_assert_false (msc_trainer_run (t, NULL, NULL, NULL, &error));
    g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "checkpoint-00000004.safetensors"));
    g_assert_nonnull (strstr (error->message, "another training configuration"));
    g_clear_error (&error);
  }
  /* Truncated to half: refused naming the file, not read past its end. */
  cfg.seed = 0;
  g_assert_true (g_file_set_contents (ckpt, bytes, (gssize) (len / 2), NULL));
  {
    g_autoptr (MscTrainer) t = make (f, &cfg);
    g_assert_false (msc_trainer_run (t, NULL, NULL, NULL, &error));
    g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "checkpoint-00000004.safetensors"));
    g_clear_error (&error);
  }
  /* Eight bytes: not even a header. */
  g_assert_true (g_file_set_contents (ckpt, bytes, 8, NULL));
  {
    g_autoptr (MscTrainer) t = make (f, &cfg);
    g_assert_false (msc_trainer_run (t, NULL, NULL, NULL, &error));
    g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "checkpoint-00000004.safetensors"));
    g_clear_error (&error);
  }
  /* Restored, it resumes and has nothing left to do. */
  g_assert_true (g_file_set_contents (ckpt, bytes, (gssize) len, NULL));
  g_autoptr (MscTrainer) t = make (f, &cfg);
  run_ok (t);
  g_assert_cmpuint (msc_trainer_get_step (t), ==, 4);
}

/* A model with another optimiser refuses the checkpoint; the model is
 * left untouched. */
static void
test_checkpoint_optimiser (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "optim");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.steps = 2;
  g_autoptr (MscTrainer) t = make (f, &cfg);
  run_ok (t);
  g_autofree char *ckpt = g_build_filename (out, "checkpoint-00000002.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MscModel) m = msc_model_load (f->graph, NULL, &error);
  g_assert_no_error (error);
  MscOptimConfig sgd = { .kind = MSC_OPTIM_SGD, .momentum = 0.9f };
  g_assert_true (msc_model_set_optimizer (m, &sgd, &error));
  gsize n;
  const float *block = msc_model_get_params_block (m, &n);
  g_autofree float *before = g_memdup2 (block, n * sizeof (float));
  g_assert_false (msc_model_load_checkpoint (m, ckpt, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "optimiser configuration differs"));
  g_assert_cmpmem (before, n * sizeof (float), msc_model_get_params_block (m, &n), n * sizeof (float));
  g_clear_error (&error);
  /* The right optimiser: loads, and the step counter comes back (2). */
  g_assert_true (msc_model_set_optimizer (m, &cfg.optim, &error));
  g_autoptr (GHashTable) meta = NULL;
  g_assert_true (msc_model_load_checkpoint (m, ckpt, &meta, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msc_model_get_optim_step (m), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (meta, "trainer.step"), ==, "2");
}

/* ---- 5. early stopping and cancellation ---------------------------------------- */

static void
test_early_stop (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "early");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.steps = 100;
  cfg.eval_every = 2;
  cfg.patience = 3;
  /* Everything frozen (a prefix no parameter has): the metric is flat, so
   * the first evaluation (step 2) sets the best and the next three (4, 6,
   * 8) do not improve: the run stops after step 8. */
  cfg.stages[0] = (MscTrainStage) { 0, "nothing.", 1.0, 0 };
  cfg.n_stages = 1;
  g_autoptr (MscTrainer) t = make (f, &cfg);
  run_ok (t);
  g_assert_true (msc_trainer_get_stopped_early (t));
  g_assert_cmpuint (msc_trainer_get_step (t), ==, 8);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "cancel");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.steps = 100000;
  g_autoptr (MscTrainer) t = make (f, &cfg);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTimer) timer = g_timer_new ();
  g_assert_false (msc_trainer_run (t, NULL, NULL, cancel, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED);
  g_assert_cmpuint (msc_trainer_get_step (t), ==, 0);
  g_assert_cmpfloat (g_timer_elapsed (timer, NULL), <, 1.0);
  g_clear_error (&error);
  /* Mid-run, from the progress callback: stops before step 13. */
  g_autoptr (GCancellable) later = g_cancellable_new ();
  g_assert_false (msc_trainer_run (t, cancel_at, later, later, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED);
  g_assert_cmpuint (msc_trainer_get_step (t), ==, 12);
}

/* ---- 6. the cache budget --------------------------------------------------------- */

static void
test_cache_budget (Fixture *f, gconstpointer data)
{
  g_autofree char *out1 = out_dir (f, "cache-big"), *out2 = out_dir (f, "cache-small");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out1);
  cfg.steps = 5;
  MscTrainerCacheStats st;
  {
    g_autoptr (MscTrainer) t = make (f, &cfg);
    run_ok (t);
    msc_trainer_get_cache_stats (t, &st);
    /* 40 patches from 4 training images: each preprocessed once. */
    g_assert_cmpuint (st.evictions, ==, 0);
    g_assert_cmpuint (st.misses, ==, 4);
    g_assert_cmpuint (st.hits, ==, 40 - 4);
  }
  /* One entry is 64 * 64 * 4 = 16384 bytes of F32 plus a small header:
   * a 20000-byte budget holds one image, so nearly every switch evicts. */
  cfg.output_dir = out2;
  cfg.cache_bytes = 20000;
  g_autoptr (MscTrainer) t = make (f, &cfg);
  run_ok (t);
  msc_trainer_get_cache_stats (t, &st);
  g_test_message ("hits %" G_GUINT64_FORMAT " misses %" G_GUINT64_FORMAT " evictions %"
                  G_GUINT64_FORMAT " peak %" G_GSIZE_FORMAT, st.hits, st.misses, st.evictions,
                  st.peak_bytes);
  g_assert_cmpuint (st.budget, ==, 20000);
  g_assert_cmpuint (st.peak_bytes, <=, 20000);
  g_assert_cmpuint (st.evictions, >, 0);
  g_assert_cmpuint (st.evictions, ==, st.misses - 1);
}

/* A chain ending in 8 bits ("median") trains on 0..1 like the raw path and
 * like the analyzer, never on 0..255: the cached image is close to the raw
 * one (median of noise moves it little) and within 0..1. */
static void
test_chain_scale (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "scale");
  MscTrainerConfig raw, med;
  small_config (f, &raw, out);
  small_config (f, &med, out);
  med.preprocess_steps = "median";
  g_autoptr (GError) error = NULL;
  MscTrainData *a = msc_train_data_new (&raw, f->manifest, f->train, 2, 2, &error);
  g_assert_no_error (error);
  MscTrainData *b = msc_train_data_new (&med, f->manifest, f->train, 2, 2, &error);
  g_assert_no_error (error);
  const MscTrainEntry *ea = msc_train_data_get (a, f->train[0], &error);
  g_assert_no_error (error);
  g_autoptr (MscPlane) plain = msc_plane_copy (ea->image, &error);
  const MscTrainEntry *eb = msc_train_data_get (b, f->train[0], &error);
  g_assert_no_error (error);
  const float *pa = msc_plane_peek_f32 (plain), *pb = msc_plane_peek_f32 (eb->image);
  gsize n = msc_plane_get_n_pixels (plain), close = 0;
  float top = 0;
  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpfloat (pb[i], >=, 0.0f);
      g_assert_cmpfloat (pb[i], <=, 1.0f);
      top = MAX (top, pb[i]);
      close += fabsf (pa[i] - pb[i]) < 0.2f;
    }
  g_assert_cmpfloat (top, >, 0.7f);         /* the disk, 200+ of 255 */
  g_assert_cmpuint (close, >, n * 9 / 10);
  msc_train_data_free (a);
  msc_train_data_free (b);
}

/* ---- configuration ------------------------------------------------------------- */

static void
test_config_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "cfg");
  MscTrainerConfig cfg;
  g_autoptr (GError) error = NULL;
  small_config (f, &cfg, out);
  cfg.patch_size = 2;
  g_assert_false (msc_trainer_config_check (&cfg, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "patch_size"));
  g_clear_error (&error);

  small_config (f, &cfg, out);
  cfg.seg_output = "heatmap";
  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "\"heatmap\""));
  g_clear_error (&error);

  small_config (f, &cfg, out);
  guint bad[1] = { 99 };
  g_assert_null (msc_trainer_new (&cfg, f->manifest, bad, 1, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 0, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY);
  g_clear_error (&error);

  small_config (f, &cfg, out);
  cfg.graph_path = "/nonexistent/graph.json";
  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING);
  g_clear_error (&error);

  /* The hash follows what changes training, not where it is written. */
  small_config (f, &cfg, out);
  g_autofree char *h1 = msc_trainer_config_hash (&cfg, NULL);
  cfg.output_dir = "elsewhere";
  cfg.cache_bytes = 1;
  g_autofree char *h2 = msc_trainer_config_hash (&cfg, NULL);
  cfg.lr.base_lr = 2e-2;
  g_autofree char *h3 = msc_trainer_config_hash (&cfg, NULL);
  g_assert_cmpstr (h1, ==, h2);
  g_assert_cmpstr (h1, !=, h3);
}

/* ---- staged unfreezing --------------------------------------------------------- */

static gboolean
record_lr (guint step, double loss, double lr, double metric, gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, lr);
  return TRUE;
}

/* Stage 0 (steps 0..3) trains only the mask head at the schedule's rate;
 * stage 1 (from step 4) everything at half of it. With a constant rate of
 * 0.01 the log reads 0.01 for steps 1..4 and 0.005 for 5..8 (the progress
 * step counts steps done, so step 5 is the first of stage 1). */
static void
test_stages (Fixture *f, gconstpointer data)
{
  g_autofree char *out = out_dir (f, "stages");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.steps = 4;
  cfg.lr.kind = MSC_LR_CONSTANT;
  cfg.stages[0] = (MscTrainStage) { 0, "mask_logits.", 1.0, 0 };
  cfg.stages[1] = (MscTrainStage) { 4, "", 0.5, 0 };
  cfg.n_stages = 2;
  g_autoptr (MscTrainer) t = make (f, &cfg);
  gsize n;
  MscModel *m = msc_trainer_get_model (t);
  g_autofree float *enc0 = g_memdup2 (msc_model_get_param (m, "enc.conv1.weight", &n), 72 * sizeof (float));
  g_autofree float *head0 = g_memdup2 (msc_model_get_param (m, "mask_logits.weight", &n), 8 * sizeof (float));
  g_autoptr (GArray) lrs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GError) error = NULL;
  g_assert_true (msc_trainer_run (t, record_lr, lrs, NULL, &error));
  g_assert_no_error (error);
  /* After stage 0: the encoder as initialised, the head moved. */
  g_assert_cmpmem (enc0, 72 * sizeof (float), msc_model_get_param (m, "enc.conv1.weight", NULL), 72 * sizeof (float));
  g_assert_true (memcmp (head0, msc_model_get_param (m, "mask_logits.weight", NULL), 8 * sizeof (float)) != 0);
  /* Both stages in one fresh 8-step run: the rates switch at step 4 and
   * the encoder trains in stage 1. */
  g_autofree char *out2 = out_dir (f, "stages2");
  cfg.output_dir = out2;
  cfg.steps = 8;
  g_autoptr (MscTrainer) t2 = make (f, &cfg);
  g_array_set_size (lrs, 0);
  g_assert_true (msc_trainer_run (t2, record_lr, lrs, NULL, &error));
  g_assert_cmpuint (lrs->len, ==, 8);
  for (guint i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (lrs, double, i), i < 4 ? 0.01 : 0.005, 1e-12);
  g_assert_true (memcmp (enc0, msc_model_get_param (msc_trainer_get_model (t2), "enc.conv1.weight", NULL),
                         72 * sizeof (float)) != 0);
}

/* ---- the hierarchical head ------------------------------------------------------ */

static double
softplus (double x)
{
  return MAX (x, 0.0) + log1p (exp (-fabs (x)));
}

/* The loss by its definition, in double: weighted means of
 * BCE(x, t) = softplus(x) - t x. */
static double
hier_reference (const float *xa, const float *xm, const gint32 *t, guint n, const float *w)
{
  double a = 0, m = 0;
  guint n_lesion = 0;
  for (guint i = 0; i < n; i++)
    {
      a += w[t[i]] * (softplus (xa[i]) - (t[i] > 0) * xa[i]);
      if (t[i] > 0)
        {
          m += w[t[i]] * (softplus (xm[i]) - (t[i] == 2) * xm[i]);
          n_lesion++;
        }
    }
  return a / n + (n_lesion ? m / n_lesion : 0);
}

/* Analytic output gradients of both heads against central differences of
 * the loss; background rows of the malignant head get exactly nothing. */
static void
test_hierarchical_gradient (void)
{
  enum { N = 7 };
  gint32 t[N] = { 0, 1, 2, 0, 2, 1, 0 };
  float xa[N] = { -1.5f, 0.25f, 2.0f, 0.75f, -0.5f, 3.0f, -4.0f };
  float xm[N] = { 0.5f, -1.0f, 1.25f, -2.0f, -0.75f, 0.125f, 6.0f };
  const float w[3] = { 0.5f, 2.0f, 3.0f };
  float da[N] = { 0 }, dm[N];
  for (guint i = 0; i < N; i++)
    dm[i] = 0.25f;   /* gradients accumulate: start from something */
  double loss = msc_trainer_hierarchical_loss (xa, xm, t, N, w, da, dm);
  g_assert_cmpfloat_with_epsilon (loss, hier_reference (xa, xm, t, N, w), 1e-6);
  const float h = 1.0f / 256;
  for (guint head = 0; head < 2; head++)
    for (guint i = 0; i < N; i++)
      {
        float *x = head == 0 ? xa : xm;
        float keep = x[i];
        x[i] = keep + h;
        double up = msc_trainer_hierarchical_loss (xa, xm, t, N, w, NULL, NULL);
        x[i] = keep - h;
        double down = msc_trainer_hierarchical_loss (xa, xm, t, N, w, NULL, NULL);
        x[i] = keep;
        double fd = (up - down) / (2.0 * h);
        double an = head == 0 ? da[i] : dm[i] - 0.25;
        g_test_message ("%s[%u]: analytic %.6f, finite differences %.6f",
                        head == 0 ? "abnormal" : "malignant", i, an, fd);
        g_assert_cmpfloat_with_epsilon (an, fd, 1e-4);
        if (head == 1 && t[i] == 0)
          {
            g_assert_cmpfloat (up, ==, down);       /* no loss ... */
            g_assert_cmpfloat (dm[i], ==, 0.25f);   /* ... and no gradient */
          }
      }
  /* Weights act per class: doubling the malignant weight changes the
   * malignant rows only. */
  const float w2[3] = { 0.5f, 2.0f, 6.0f };
  float da2[N] = { 0 }, dm2[N] = { 0 };
  msc_trainer_hierarchical_loss (xa, xm, t, N, w2, da2, dm2);
  for (guint i = 0; i < N; i++)
    {
      g_assert_cmpfloat_with_epsilon (da2[i], t[i] == 2 ? 2 * da[i] : da[i], 1e-6);
      g_assert_cmpfloat_with_epsilon (dm2[i], t[i] == 2 ? 2 * (dm[i] - 0.25f) : t[i] ? dm[i] - 0.25f : 0,
                                      1e-6);
    }
  /* No lesion patch: the malignant term is 0, not NaN. */
  gint32 none[N] = { 0 };
  float dm3[N] = { 0 };
  double l3 = msc_trainer_hierarchical_loss (xa, xm, none, N, w, NULL, dm3);
  g_assert_cmpfloat_with_epsilon (l3, hier_reference (xa, xm, none, N, w), 1e-6);
  for (guint i = 0; i < N; i++)
    g_assert_cmpfloat (dm3[i], ==, 0);
}

static char *
preset_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "models", "presets", file, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip_printf ("no preset %s (G_TEST_SRCDIR unset?)", path);
      g_free (path);
      return NULL;
    }
  return path;
}

/* unet-tiny-hierarchical, classification only (the abnormal/malignant pair
 * picked by AUTO) on the mixed benign/malignant set: the loss falls over
 * 60 steps, validation reports the
 * AUC of sigmoid(abnormal), and the patch-level evaluation agrees. */
static void
test_hierarchical_run (Fixture *f, gconstpointer data)
{
  g_autofree char *graph = preset_path ("unet-tiny-hierarchical");
  if (!graph)
    return;
  g_autofree char *out = out_dir (f, "hier");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.graph_path = graph;
  cfg.tasks = MSC_TRAIN_TASK_CLASSIFICATION;
  cfg.steps = 60;
  cfg.lr.base_lr = 1e-2;
  cfg.eval_every = 60;
  cfg.val_patches = 32;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainer) t = msc_trainer_new (&cfg, f->manifest, f->train, N_IMAGES - 2, f->val, 2, &error);
  g_assert_no_error (error);
  g_autoptr (GArray) losses = g_array_new (FALSE, FALSE, sizeof (double));
  g_assert_true (msc_trainer_run (t, record_loss, losses, NULL, &error));
  g_assert_no_error (error);
  double first = 0, last = 0;
  for (guint i = 0; i < 10; i++)
    {
      first += g_array_index (losses, double, i) / 10;
      last += g_array_index (losses, double, 50 + i) / 10;
    }
  g_test_message ("hierarchical loss %.4f -> %.4f, validation AUC %.4f", first, last,
                  msc_trainer_get_best_metric (t));
  g_assert_cmpfloat (last, <, 0.7 * first);
  double auc = msc_trainer_get_best_metric (t);
  g_assert_cmpfloat (auc, >=, 0);
  g_assert_cmpfloat (auc, <=, 1);
  /* msc-train-eval scores the same patches the same way. */
  g_autoptr (MscPatchScores) s = msc_train_eval_patches (&cfg, f->manifest, msc_trainer_get_model (t),
                                                         f->val, 2, 32, &error);
  g_assert_no_error (error);
  g_assert_false (s->has_mask);
  double auc2 = 0;
  g_assert_true (msc_metrics_auc (s->scores, s->labels, s->n, &auc2, &error));
  g_assert_cmpfloat (auc2, ==, auc);
  for (gsize i = 0; i < s->n; i++)
    g_assert_true (s->scores[i] > 0 && s->scores[i] < 1);
}

/* Head selection and patch sizes the graph cannot take. */
static void
test_hierarchical_config (Fixture *f, gconstpointer data)
{
  g_autofree char *graph = preset_path ("unet-tiny-hierarchical");
  if (!graph)
    return;
  g_autofree char *out = out_dir (f, "hier-cfg");
  MscTrainerConfig cfg;
  g_autoptr (GError) error = NULL;
  small_config (f, &cfg, out);
  cfg.graph_path = graph;
  cfg.tasks = MSC_TRAIN_TASK_SEGMENTATION | MSC_TRAIN_TASK_CLASSIFICATION;
  /* FLAT asked of a graph without class_logits: refused naming it. */
  cfg.classifier = MSC_TRAIN_CLASSIFIER_FLAT;
  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "\"class_logits\""));
  g_clear_error (&error);
  /* HIERARCHICAL with a misnamed output: refused naming the pair. */
  cfg.classifier = MSC_TRAIN_CLASSIFIER_HIERARCHICAL;
  cfg.malignant_output = "malignancy";
  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "\"malignancy\""));
  g_clear_error (&error);
  /* HIERARCHICAL asked of the flat test graph: refused too. */
  small_config (f, &cfg, out);
  cfg.tasks = MSC_TRAIN_TASK_CLASSIFICATION;
  cfg.classifier = MSC_TRAIN_CLASSIFIER_HIERARCHICAL;
  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "\"abnormal_logit\""));
  g_clear_error (&error);
  /* Four pooling levels and skip connections: 40 pixels do not pass
   * (40 -> 20 -> 10 -> 5 -> 2, up to 4 against 5), as data.patch_size or
   * as a stage's size; 48 does. */
  small_config (f, &cfg, out);
  cfg.graph_path = graph;
  cfg.patch_size = 40;
  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "patch size 40"));
  g_clear_error (&error);
  cfg.patch_size = 32;
  cfg.stages[0] = (MscTrainStage) { 0, "", 1.0, 40 };
  cfg.stages[1] = (MscTrainStage) { 5, "", 1.0, 0 };
  cfg.n_stages = 2;
  g_assert_null (msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error));
  g_assert_nonnull (strstr (error->message, "patch size 40"));
  g_clear_error (&error);
  cfg.stages[0].patch_size = 48;
  g_autoptr (MscTrainer) t = msc_trainer_new (&cfg, f->manifest, f->train, 4, f->val, 2, &error);
  g_assert_no_error (error);
  /* Out of range in the configuration itself. */
  cfg.stages[0].patch_size = 3;
  g_assert_false (msc_trainer_config_check (&cfg, &error));
  g_assert_nonnull (strstr (error->message, "patch_size"));
}

/* ---- real data ------------------------------------------------------------------ */

/* The default chain (median ... normalize at 0.4 mm) on mdb001..mdb004
 * (two benign CIRC masses, two normal): each image is preprocessed once,
 * the mass circles map into the cropped, resampled frame (lesion patches
 * are drawn around them: a circle outside the frame would fail sampling),
 * and a few steps run. A 1024 x 1024 film at 0.2 mm becomes at most
 * 512 x 512 at 0.4 mm: at most 1 MiB of F32 per image in the cache. */
static void
test_mias (Fixture *f, gconstpointer data)
{
  g_autofree char *labels = msc_test_shared_path ("mias/labels.csv");
  if (!labels)
    return;
  g_autofree char *images = msc_test_shared_path ("mias/images");
  g_autoptr (GError) error = NULL;
  g_autoptr (MscManifest) mias = msc_manifest_load_mias (labels, images, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *out = out_dir (f, "mias");
  MscTrainerConfig cfg;
  small_config (f, &cfg, out);
  cfg.preprocess_steps = NULL;
  cfg.source_spacing_mm = 0.2;   /* MIAS PNGs carry no spacing */
  msc_augment_params_init_default (&cfg.augment);
  cfg.steps = 3;
  cfg.eval_every = 3;
  cfg.val_patches = 8;
  guint train[] = { 0, 1, 2 }, val[] = { 3 };
  g_autoptr (MscTrainer) t = msc_trainer_new (&cfg, mias, train, 3, val, 1, &error);
  g_assert_no_error (error);
  g_autoptr (GTimer) timer = g_timer_new ();
  run_ok (t);
  MscTrainerCacheStats st;
  msc_trainer_get_cache_stats (t, &st);
  g_test_message ("3 steps + 1 evaluation in %.2f s; cache: %" G_GUINT64_FORMAT " images, %"
                  G_GSIZE_FORMAT " bytes", g_timer_elapsed (timer, NULL), st.misses, st.bytes);
  g_assert_cmpuint (st.misses, ==, 4);
  g_assert_cmpuint (st.evictions, ==, 0);
  g_assert_cmpuint (st.bytes, <=, 4 * (512 * 512 * 5 + 4096));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/train/trainer/overfit", test_overfit);
  ADD ("/train/trainer/resume", test_resume);
  ADD ("/train/trainer/resume-resized", test_resize_resume);
  ADD ("/train/trainer/determinism", test_determinism);
  ADD ("/train/trainer/checkpoint/refused", test_bad_checkpoint);
  ADD ("/train/trainer/checkpoint/optimiser", test_checkpoint_optimiser);
  ADD ("/train/trainer/early-stop", test_early_stop);
  ADD ("/train/trainer/cancel", test_cancel);
  ADD ("/train/trainer/cache-budget", test_cache_budget);
  ADD ("/train/trainer/chain-scale", test_chain_scale);
  ADD ("/train/trainer/config", test_config_errors);
  ADD ("/train/trainer/stages", test_stages);
  ADD ("/train/trainer/hard-negatives", test_hard_negatives);
  ADD ("/train/trainer/mias", test_mias);
  g_test_add_func ("/train/trainer/hierarchical/gradient", test_hierarchical_gradient);
  g_test_add ("/train/trainer/hierarchical/run", Fixture, "mixed", fixture_set_up,
              test_hierarchical_run, fixture_tear_down);
  ADD ("/train/trainer/hierarchical/config", test_hierarchical_config);
  return g_test_run ();
}
