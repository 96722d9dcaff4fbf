/* engine/train/msc-mpl.c — Meta Pseudo Labels on the trainer's data
 * pipeline: the patient-level labelled subset, the teacher/student run
 * (supervised warm-up, then pseudo-mask steps with the teacher's
 * first-order MPL update), student checkpoints in the trainer's layout plus
 * the teacher's for resume, and the logs.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "msc-i18n.h"
#include "msc-loss.h"
#include "msc-manifest-private.h"
#include "msc-mpl.h"
#include "msc-plot.h"
#include "msc-rng.h"
#include "msc-safetensors.h"
#include "msc-trainer-private.h"

#define CKPT_PREFIX "checkpoint-"
#define TEACHER_PREFIX "teacher-"
#define CKPT_SUFFIX ".safetensors"
#define LOG_NAME "train-log.csv"
#define MPL_LOG_NAME "mpl-log.csv"
#define PLOT_NAME "training.png"

void
msc_mpl_config_init (MscMplConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->warmup = 300;
}

/* ---- the run's state ------------------------------------------------------- */

typedef struct {
  guint step;
  double loss, lr, metric;      /* as train-log.csv */
  gboolean mpl;                 /* FALSE: warm-up step */
  double teacher_loss, l_old, l_new, h;
} Row;

struct _MscMpl {
  MscTrainerConfig cfg;         /* strings owned below */
  MscTrainerConfig ucfg;        /* unlabelled data: background patches only, own seed */
  MscMplConfig mpl;
  char *graph_path, *seg_output, *class_output, *steps_str, *output_dir, *hard_path;
  char *hash;
  MscManifest *manifest;
  MscManifest *blind;           /* unlabelled cases without labels or lesions */
  guint *lab, *val;
  guint n_lab, n_val;
  MscModel *student, *teacher;
  guint n_classes;              /* class head width, 0 without one */
  float class_weights[3];
  MscTrainData *data, *udata;
  MscTrainBatch *eval_batch;
  float *pseudo;                /* (B, P, P) teacher's hard pseudo-masks */
  guint step;
  double best;
  guint bad_evals;
  gboolean stopped_early;
  MscMplStats stats;
  GArray *log;                  /* Row */
};

/* splitmix64 finaliser: a seed for a stream of the run seed. */
static guint64
mix_seed (guint64 seed, guint64 stream)
{
  guint64 z = seed + stream * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static gboolean
invalid (GError **error, const char *fmt, const char *a)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, fmt, a);
  return FALSE;
}

static gboolean
find_heads (MscMpl *self, GError **error)
{
  const MscGraph *g = msc_model_get_graph (self->student);
  if (!msc_graph_has_output (g, self->seg_output))
    return invalid (error, _("%s: MPL needs the segmentation output"), self->graph_path);
  /* The class head, as the trainer resolves it; MPL trains the flat one. */
  MscTrainClassifier kind = MSC_TRAIN_CLASSIFIER_AUTO;
  if (!msc_trainer_resolve_head (&self->cfg, g, &kind, &self->n_classes, error))
    return FALSE;
  if (kind == MSC_TRAIN_CLASSIFIER_HIERARCHICAL)
    return invalid (error, _("%s: MPL trains a flat class head, not a hierarchical one"),
                    self->graph_path);
  return TRUE;
}

/* The same run-length defaults the trainer applies (t_max, warm-up). */
static void
own_strings (MscMpl *self, const MscTrainerConfig *cfg)
{
  self->cfg = *cfg;
  self->cfg.graph_path = self->graph_path = g_strdup (cfg->graph_path);
  self->cfg.seg_output = self->seg_output = g_strdup (cfg->seg_output);
  self->cfg.class_output = self->class_output = g_strdup (cfg->class_output);
  self->cfg.preprocess_steps = self->steps_str = g_strdup (cfg->preprocess_steps);
  self->cfg.output_dir = self->output_dir = g_strdup (cfg->output_dir);
  self->cfg.hard_negatives_path = self->hard_path = g_strdup (cfg->hard_negatives_path);
  msc_trainer_config_resolve_schedule (&self->cfg);
  /* No lesion-centred patches and no class balance: the sampler then never
   * looks at a label or lesion (the blind manifest has none anyway). */
  self->ucfg = self->cfg;
  self->ucfg.lesion_share = 0;
  self->ucfg.balance_classes = FALSE;
  self->ucfg.hard_negative_share = 0;
  self->ucfg.seed = mix_seed (cfg->seed, 2);
}

/* The unlabelled cases with lesions and labels removed. */
static MscManifest *
blind_manifest (MscManifest *m, const guint *cases, guint n, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_case_free);
  for (guint i = 0; i < n; i++)
    {
      if (cases[i] >= msc_manifest_get_n_cases (m))
        {
          g_ptr_array_unref (out);
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("%s: split names case %u of %u"),
                       msc_manifest_get_path (m), cases[i], msc_manifest_get_n_cases (m));
          return NULL;
        }
      MscCase *c = msc_case_copy (msc_manifest_get_case (m, cases[i]));
      g_ptr_array_set_size (c->lesions, 0);
      c->label = MSC_LABEL_UNLABELLED;
      g_ptr_array_add (out, c);
    }
  return msc_manifest_new_take (msc_manifest_get_path (m), out);
}

/* The trainer's hash plus everything only MPL has: a checkpoint of another
 * warm-up or labelled subset is refused on resume. */
static char *
mpl_hash (MscMpl *self, const guint *lab, guint n_lab, const guint *unl, guint n_unl,
          GError **error)
{
  g_autofree char *base = msc_trainer_config_hash (&self->cfg, error);
  if (!base)
    return NULL;
  g_autoptr (GChecksum) c = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (c, (const guchar *) base, -1);
  g_checksum_update (c, (const guchar *) "mpl", 4);
  g_checksum_update (c, (const guchar *) &self->mpl.warmup, sizeof self->mpl.warmup);
  g_checksum_update (c, (const guchar *) &n_lab, sizeof n_lab);
  g_checksum_update (c, (const guchar *) lab, n_lab * sizeof (guint));
  g_checksum_update (c, (const guchar *) &n_unl, sizeof n_unl);
  g_checksum_update (c, (const guchar *) unl, n_unl * sizeof (guint));
  return g_strdup (g_checksum_get_string (c));
}

static MscModel *
new_model (MscMpl *self, guint64 seed, GError **error)
{
  MscGraph *graph = msc_graph_load (self->graph_path, error);
  if (!graph)
    return NULL;
  g_autoptr (MscModel) m = msc_model_new_from_graph (graph, seed, error);
  if (!m)
    return NULL;
  msc_model_set_threads (m, self->cfg.n_threads);
  if (!msc_model_set_optimizer (m, &self->cfg.optim, error))
    return NULL;
  return g_steal_pointer (&m);
}

MscMpl *
msc_mpl_new (const MscTrainerConfig *cfg, const MscMplConfig *mpl, MscManifest *manifest,
             const guint *labelled, guint n_labelled, const guint *unlabelled, guint n_unlabelled,
             const guint *val, guint n_val, GError **error)
{
  if (!msc_trainer_config_check (cfg, error))
    return NULL;
  if (!(cfg->tasks & MSC_TRAIN_TASK_SEGMENTATION))
    return invalid (error, _("%s: MPL needs the segmentation task"), "tasks"), NULL;
  if (cfg->n_stages > 0)
    return invalid (error, _("%s: staged unfreezing is not supported by MPL runs"), "stages"), NULL;
  if (mpl->warmup >= cfg->steps)
    return invalid (error, _("%s: the MPL warm-up must be shorter than the run"), "semi.warmup"), NULL;
  if (n_unlabelled == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("%s: no unlabelled cases"),
                   msc_manifest_get_path (manifest));
      return NULL;
    }
  for (guint i = 0; i < n_labelled + n_val; i++)
    {
      guint idx = i < n_labelled ? labelled[i] : val[i - n_labelled];
      if (idx >= msc_manifest_get_n_cases (manifest))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("%s: split names case %u of %u"),
                       msc_manifest_get_path (manifest), idx, msc_manifest_get_n_cases (manifest));
          return NULL;
        }
    }
  g_autoptr (MscMpl) self = g_new0 (MscMpl, 1);
  own_strings (self, cfg);
  self->mpl = *mpl;
  self->manifest = msc_manifest_ref (manifest);
  self->lab = g_memdup2 (labelled, (gsize) n_labelled * sizeof (guint));
  self->n_lab = n_labelled;
  self->val = g_memdup2 (val, (gsize) n_val * sizeof (guint));
  self->n_val = n_val;
  self->best = NAN;
  self->stats = (MscMplStats) { NAN, NAN, NAN, NAN };
  self->log = g_array_new (FALSE, FALSE, sizeof (Row));
  if (!msc_lr_schedule_check (&self->cfg.lr, error)
      || !(self->hash = mpl_hash (self, labelled, n_labelled, unlabelled, n_unlabelled, error)))
    return NULL;
  /* The student starts as a supervised run of the same seed would; the
   * teacher from a seed of its own. */
  if (!(self->student = new_model (self, cfg->seed, error))
      || !(self->teacher = new_model (self, mix_seed (cfg->seed, 1), error))
      || !find_heads (self, error))
    return NULL;
  for (guint c = 0; c < 3; c++)
    self->class_weights[c] = cfg->class_weights[0] + cfg->class_weights[1] + cfg->class_weights[2] > 0
                             ? (float) cfg->class_weights[c] : 1.0f;
  if (!(self->blind = blind_manifest (manifest, unlabelled, n_unlabelled, error)))
    return NULL;
  g_autofree guint *all = g_new (guint, n_unlabelled);
  for (guint i = 0; i < n_unlabelled; i++)
    all[i] = i;
  guint classes = MAX (self->n_classes, 2u);
  if (!(self->data = msc_train_data_new (&self->cfg, manifest, labelled, n_labelled, classes, error))
      || !(self->udata = msc_train_data_new (&self->ucfg, self->blind, all, n_unlabelled, classes, error))
      || !(self->eval_batch = msc_train_batch_new (cfg->batch_size, cfg->patch_size, error)))
    return NULL;
  self->pseudo = g_new0 (float, (gsize) cfg->batch_size * cfg->patch_size * cfg->patch_size);
  return g_steal_pointer (&self);
}

void
msc_mpl_free (MscMpl *self)
{
  if (!self)
    return;
  msc_train_data_free (self->data);
  msc_train_data_free (self->udata);
  msc_train_batch_free (self->eval_batch);
  msc_model_free (self->student);
  msc_model_free (self->teacher);
  msc_manifest_unref (self->manifest);
  msc_manifest_unref (self->blind);
  g_free (self->pseudo);
  g_free (self->lab);
  g_free (self->val);
  g_free (self->hash);
  g_free (self->graph_path);
  g_free (self->seg_output);
  g_free (self->class_output);
  g_free (self->steps_str);
  g_free (self->hard_path);
  g_free (self->output_dir);
  if (self->log)
    g_array_unref (self->log);
  g_free (self);
}

MscModel *msc_mpl_get_student (MscMpl *self) { return self->student; }
MscModel *msc_mpl_get_teacher (MscMpl *self) { return self->teacher; }
guint msc_mpl_get_step (const MscMpl *self) { return self->step; }
gboolean msc_mpl_get_stopped_early (const MscMpl *self) { return self->stopped_early; }
double msc_mpl_get_best_metric (const MscMpl *self) { return self->best; }

void
msc_mpl_get_stats (const MscMpl *self, MscMplStats *stats)
{
  *stats = self->stats;
}

/* ---- losses ----------------------------------------------------------------- */

/* dice_weight Dice + weighted BCE of the first n masks against target
 * (n, P, P), as the trainer's loss; with grad the gradient accumulates
 * into the output's gradient (zeroed by a training forward). */
static double
seg_loss (MscMpl *self, MscModel *model, const float *target, guint n, gboolean grad,
          GError **error)
{
  const MscTensor *out = msc_model_get_output (model, self->seg_output);
  gint64 per = (gint64) self->cfg.patch_size * self->cfg.patch_size;
  if (!out || msc_tensor_numel (out) != (gint64) n * per)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: output \"%s\" does not match the masks"), self->graph_path, self->seg_output);
      return NAN;
    }
  const float *x = msc_tensor_data ((MscTensor *) out);
  float *dx = grad ? msc_tensor_data (msc_model_get_output_grad (model, self->seg_output)) : NULL;
  MscDiceParams dp = { .n = n, .per_image = per, .smooth = 1.0f };
  double dice = msc_dice_loss (&dp, x, target, dx);
  for (gint64 i = 0; dx && i < n * per; i++)
    dx[i] *= (float) self->cfg.dice_weight;
  MscBceParams bp = { .count = n * per, .pos_weight = (float) self->cfg.pos_weight };
  return self->cfg.dice_weight * dice + msc_bce_loss (&bp, x, target, NULL, dx);
}

/* The trainer's supervised loss on a labelled batch: mask, plus the class
 * head's weighted CE when classification is configured. */
static double
sup_loss (MscMpl *self, MscModel *model, const MscTrainBatch *b, GError **error)
{
  double loss = seg_loss (self, model, b->seg_target, b->n, TRUE, error);
  if (isnan (loss) || !(self->cfg.tasks & MSC_TRAIN_TASK_CLASSIFICATION))
    return loss;
  const MscTensor *out = msc_model_get_output (model, self->class_output);
  MscCrossEntropyParams cp = { .n = b->n, .c = self->n_classes, .hw = 1,
                               .weight = self->class_weights };
  if (!out || msc_tensor_numel (out) != (gint64) b->n * self->n_classes
      || !msc_cross_entropy_check (&cp, b->class_target, error))
    {
      if (error && !*error)
        g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                     _("%s: output \"%s\" is not (N, %u)"), self->graph_path, self->class_output,
                     self->n_classes);
      return NAN;
    }
  return loss + msc_cross_entropy_loss (&cp, msc_tensor_data ((MscTensor *) out), b->class_target,
                                        msc_tensor_data (msc_model_get_output_grad (model, self->class_output)));
}

typedef struct {
  MscMpl *self;
  const MscTrainBatch *batch;
  const float *pseudo;          /* non-NULL: segmentation on these masks only */
} LossCtx;

static double
loss_cb (MscModel *model, gpointer user_data, GError **error)
{
  LossCtx *ctx = user_data;
  if (ctx->pseudo)
    return seg_loss (ctx->self, model, ctx->pseudo, ctx->batch->n, TRUE, error);
  return sup_loss (ctx->self, model, ctx->batch, error);
}

/* Segmentation loss of model in eval mode on b (no gradient). */
static gboolean
eval_seg_loss (MscMpl *self, MscModel *model, MscTrainBatch *b, double *loss, GError **error)
{
  msc_model_set_training (model, FALSE);
  gint64 shape[4] = { b->n, 1, self->cfg.patch_size, self->cfg.patch_size };
  g_autoptr (MscTensor) in = msc_tensor_new_view (msc_tensor_data (b->input), shape, 4, error);
  if (!in || !msc_model_forward (model, in, error))
    return FALSE;
  *loss = seg_loss (self, model, b->seg_target, b->n, FALSE, error);
  return !isnan (*loss);
}

gboolean
msc_mpl_labelled_loss (MscMpl *self, guint n, double *loss, GError **error)
{
  /* The labelled cases are the data source's own; stream 3 keeps these
   * patches apart from validation's (stream 2). */
  double sum = 0;
  guint total = 0;
  gboolean was = msc_model_get_training (self->student);
  for (guint first = 0; first < n; first += self->cfg.batch_size)
    {
      double l;
      if (!msc_train_data_fill_fixed (self->data, self->lab, self->n_lab, 3, first, n,
                                      self->eval_batch, error)
          || !eval_seg_loss (self, self->student, self->eval_batch, &l, error))
        {
          msc_model_set_training (self->student, was);
          return FALSE;
        }
      sum += l * self->eval_batch->n;
      total += self->eval_batch->n;
    }
  msc_model_set_training (self->student, was);
  *loss = total ? sum / total : NAN;
  return TRUE;
}

/* ---- validation ------------------------------------------------------------- */

/* The trainer's segmentation metric: global Dice of (logit > 0) over the
 * fixed validation patches (stream 2, the trainer's), student in eval mode. */
static gboolean
evaluate (MscMpl *self, double *metric, GError **error)
{
  guint64 inter = 0, sum = 0;
  gsize per = (gsize) self->cfg.patch_size * self->cfg.patch_size;
  gboolean ok = TRUE;
  msc_model_set_training (self->student, FALSE);
  for (guint first = 0; ok && first < self->cfg.val_patches; first += self->cfg.batch_size)
    {
      MscTrainBatch *b = self->eval_batch;
      gint64 shape[4] = { 0, 1, self->cfg.patch_size, self->cfg.patch_size };
      ok = msc_train_data_fill_fixed (self->data, self->val, self->n_val, 2, first,
                                      self->cfg.val_patches, b, error);
      shape[0] = b->n;
      g_autoptr (MscTensor) in = ok ? msc_tensor_new_view (msc_tensor_data (b->input), shape, 4, error) : NULL;
      ok = in && msc_model_forward (self->student, in, error);
      if (!ok)
        break;
      const float *x = msc_tensor_data ((MscTensor *) msc_model_get_output (self->student, self->seg_output));
      for (gsize k = 0; k < b->n * per; k++)
        {
          gboolean p = x[k] > 0, t = b->seg_target[k] > 0.5f;
          inter += p && t;
          sum += (guint64) p + t;
        }
    }
  if (ok)
    *metric = sum == 0 ? 1.0 : 2.0 * (double) inter / (double) sum;
  return ok;
}

/* ---- checkpoints and logs ----------------------------------------------------- */

static char *
ckpt_path (MscMpl *self, const char *prefix, guint step)
{
  g_autofree char *name = g_strdup_printf ("%s%08u" CKPT_SUFFIX, prefix, step);
  return g_build_filename (self->output_dir, name, NULL);
}

static gboolean
write_logs (MscMpl *self, GError **error)
{
  g_autoptr (GString) s = g_string_new ("step,loss,lr,val_metric\n");
  g_autoptr (GString) m = g_string_new ("step,phase,loss,lr,val_metric,teacher_loss,l_old,l_new,h\n");
  char a[6][G_ASCII_DTOSTR_BUF_SIZE];
  for (guint i = 0; i < self->log->len; i++)
    {
      const Row *r = &g_array_index (self->log, Row, i);
      const double v[6] = { r->loss, r->lr, r->teacher_loss, r->l_old, r->l_new, r->h };
      for (guint k = 0; k < 6; k++)
        if (isnan (v[k]))
          a[k][0] = '\0';
        else
          g_ascii_dtostr (a[k], sizeof a[k], v[k]);
      char met[G_ASCII_DTOSTR_BUF_SIZE] = "";
      if (!isnan (r->metric))
        g_ascii_dtostr (met, sizeof met, r->metric);
      g_string_append_printf (s, "%u,%s,%s,%s\n", r->step, a[0], a[1], met);
      g_string_append_printf (m, "%u,%s,%s,%s,%s,%s,%s,%s,%s\n", r->step,
                              r->mpl ? "mpl" : "warmup", a[0], a[1], met, a[2], a[3], a[4], a[5]);
    }
  g_autofree char *p1 = g_build_filename (self->output_dir, LOG_NAME, NULL);
  g_autofree char *p2 = g_build_filename (self->output_dir, MPL_LOG_NAME, NULL);
  GError *local = NULL;
  if (!g_file_set_contents (p1, s->str, (gssize) s->len, &local)
      || !g_file_set_contents (p2, m->str, (gssize) m->len, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

/* After a resume: the rows up to the checkpoint's step, from mpl-log.csv
 * (it holds everything train-log.csv does). */
static void
read_log (MscMpl *self)
{
  g_autofree char *path = g_build_filename (self->output_dir, MPL_LOG_NAME, NULL);
  g_autofree char *text = NULL;
  g_array_set_size (self->log, 0);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      guint64 step;
      if (g_strv_length (f) != 9 || !g_ascii_string_to_unsigned (f[0], 10, 1, self->step, &step, NULL))
        continue;
      double v[7];
      const guint col[7] = { 2, 3, 4, 5, 6, 7, 8 };
      for (guint k = 0; k < 7; k++)
        v[k] = f[col[k]][0] ? g_ascii_strtod (f[col[k]], NULL) : NAN;
      Row r = { (guint) step, v[0], v[1], v[2], strcmp (f[1], "mpl") == 0, v[3], v[4], v[5], v[6] };
      g_array_append_val (self->log, r);
    }
}

static gboolean
write_plot (MscMpl *self, GError **error)
{
  guint n = self->log->len;
  g_autofree double *steps = g_new (double, MAX (n, 1u));
  g_autofree double *loss = g_new (double, MAX (n, 1u));
  g_autofree double *metric = g_new (double, MAX (n, 1u));
  for (guint i = 0; i < n; i++)
    {
      const Row *r = &g_array_index (self->log, Row, i);
      steps[i] = r->step, loss[i] = r->loss, metric[i] = r->metric;
    }
  g_autofree char *path = g_build_filename (self->output_dir, PLOT_NAME, NULL);
  return msc_plot_training_log (path, _("Meta Pseudo Labels"), _("student training loss"),
                                _("Dice"), steps, loss, metric, n, error);
}

static gboolean
save_model (MscMpl *self, MscModel *model, const char *role, const char *path, GError **error)
{
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  guint64 best_bits;
  memcpy (&best_bits, &self->best, sizeof best_bits);
  g_hash_table_insert (meta, "trainer.config_hash", g_strdup (self->hash));
  g_hash_table_insert (meta, "trainer.step", g_strdup_printf ("%u", self->step));
  g_hash_table_insert (meta, "trainer.best", g_strdup_printf ("%016" G_GINT64_MODIFIER "x", best_bits));
  g_hash_table_insert (meta, "trainer.bad_evals", g_strdup_printf ("%u", self->bad_evals));
  g_hash_table_insert (meta, "trainer.data_position", g_strdup_printf ("%u", self->step));
  g_hash_table_insert (meta, "mpl.role", g_strdup (role));
  GError *local = NULL;
  if (!msc_model_save_checkpoint (model, path, meta, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

/* The teacher first: a student checkpoint (what resume looks for) then
 * always has its teacher. Older pairs beyond keep_checkpoints go. */
static gboolean
save_checkpoints (MscMpl *self, GError **error)
{
  g_autofree char *tpath = ckpt_path (self, TEACHER_PREFIX, self->step);
  g_autofree char *spath = ckpt_path (self, CKPT_PREFIX, self->step);
  if (!save_model (self, self->teacher, "teacher", tpath, error)
      || !save_model (self, self->student, "student", spath, error) || !write_logs (self, error))
    return FALSE;
  g_autoptr (GPtrArray) all = msc_trainer_list_checkpoints (self->output_dir, NULL);
  for (guint i = MAX (self->cfg.keep_checkpoints, 1u); all && i < all->len; i++)
    {
      g_autofree char *base = g_path_get_basename (all->pdata[i]);
      g_autofree char *tname = g_strconcat (TEACHER_PREFIX, base + strlen (CKPT_PREFIX), NULL);
      g_autofree char *tp = g_build_filename (self->output_dir, tname, NULL);
      g_remove (all->pdata[i]);
      g_remove (tp);
    }
  return TRUE;
}

static gboolean
bad_checkpoint (GError **error, const char *path, const char *why)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, "%s: %s", path, why);
  return FALSE;
}

static gboolean
load_model (MscMpl *self, MscModel *model, const char *path, GError **error)
{
  GError *local = NULL;
  if (!msc_model_load_checkpoint (model, path, NULL, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("bad checkpoint: %s"),
                   local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

/* The student's newest checkpoint and the teacher's of the same step. */
static gboolean
resume (MscMpl *self, GError **error)
{
  if (g_mkdir_with_parents (self->output_dir, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, _("%s: cannot create: %s"),
                   self->output_dir, g_strerror (e));
      return FALSE;
    }
  g_autoptr (GPtrArray) ckpts = msc_trainer_list_checkpoints (self->output_dir, error);
  if (!ckpts)
    return FALSE;
  if (ckpts->len == 0)
    {
      g_array_set_size (self->log, 0);
      return TRUE;
    }
  const char *spath = ckpts->pdata[0];
  GError *local = NULL;
  g_autoptr (MscSafetensors) st = msc_safetensors_load (spath, &local);
  if (!st)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("bad checkpoint: %s"), local->message);
      g_error_free (local);
      return FALSE;
    }
  const char *hash = msc_safetensors_get_metadata (st, "trainer.config_hash");
  if (g_strcmp0 (hash, self->hash) != 0)
    return bad_checkpoint (error, spath, _("written by another training configuration; use a new "
                                           "output folder"));
  guint64 step, bad, bits;
  if (!g_ascii_string_to_unsigned (msc_safetensors_get_metadata (st, "trainer.step"), 10, 0,
                                   self->cfg.steps, &step, NULL)
      || !g_ascii_string_to_unsigned (msc_safetensors_get_metadata (st, "trainer.bad_evals"), 10, 0,
                                      G_MAXUINT, &bad, NULL)
      || !g_ascii_string_to_unsigned (msc_safetensors_get_metadata (st, "trainer.best"), 16, 0,
                                      G_MAXUINT64, &bits, NULL))
    return bad_checkpoint (error, spath, _("bad trainer metadata (step, bad_evals or best)"));
  g_autofree char *tpath = ckpt_path (self, TEACHER_PREFIX, (guint) step);
  if (!g_file_test (tpath, G_FILE_TEST_EXISTS))
    return bad_checkpoint (error, tpath, _("the teacher's checkpoint is missing"));
  if (!load_model (self, self->student, spath, error) || !load_model (self, self->teacher, tpath, error))
    return FALSE;
  self->step = (guint) step;
  self->bad_evals = (guint) bad;
  memcpy (&self->best, &bits, sizeof bits);
  read_log (self);
  return TRUE;
}

/* ---- the run ------------------------------------------------------------------ */

static double
lr_at (const MscMpl *self, guint step)
{
  return msc_lr_schedule_at (&self->cfg.lr, step);
}

/* Warm-up: both models one supervised step on the same labelled batch. */
static gboolean
warmup_step (MscMpl *self, MscTrainBatch *lb, double lr, Row *row, GError **error)
{
  LossCtx ctx = { self, lb, NULL };
  msc_model_set_training (self->student, TRUE);
  msc_model_set_training (self->teacher, TRUE);
  return msc_model_train_step (self->student, lb->input, loss_cb, &ctx, (float) lr, &row->loss, error)
         && msc_model_train_step (self->teacher, lb->input, loss_cb, &ctx, (float) lr,
                                  &row->teacher_loss, error);
}

/* One MPL step (module comment; numbers as in the brief):
 * 1. teacher, eval mode, on x_u: hard pseudo-masks p > 0.5 (logit > 0);
 * 2. student labelled loss L_old (eval mode, no update);
 * 3. student trains on (x_u, pseudo-masks);
 * 4. student labelled loss L_new on the same batch; h = L_old - L_new;
 * 5. teacher: supervised loss on x_l + h x BCE(teacher(x_u), pseudo-masks),
 *    two forward/backward passes accumulating into one gradient. */
static gboolean
mpl_step (MscMpl *self, MscTrainBatch *lb, MscTrainBatch *ub, double lr, Row *row, GError **error)
{
  gsize n = (gsize) ub->n * self->cfg.patch_size * self->cfg.patch_size;
  msc_model_set_training (self->teacher, FALSE);
  if (!msc_model_forward (self->teacher, ub->input, error))
    return FALSE;
  const float *tu = msc_tensor_data ((MscTensor *) msc_model_get_output (self->teacher, self->seg_output));
  for (gsize i = 0; i < n; i++)
    self->pseudo[i] = tu[i] > 0 ? 1.0f : 0.0f;

  if (!eval_seg_loss (self, self->student, lb, &row->l_old, error))
    return FALSE;
  msc_model_set_training (self->student, TRUE);
  LossCtx ctx = { self, ub, self->pseudo };
  if (!msc_model_train_step (self->student, ub->input, loss_cb, &ctx, (float) lr, &row->loss, error)
      || !eval_seg_loss (self, self->student, lb, &row->l_new, error))
    return FALSE;
  row->h = row->l_old - row->l_new;
  if (!isfinite (row->h) || !isfinite (row->loss))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED,
                   _("MPL step %u: the student's loss is not finite (diverged?)"), self->step + 1);
      return FALSE;
    }

  MscModel *t = self->teacher;
  msc_model_set_training (t, TRUE);
  msc_model_zero_grad (t);
  GError *local = NULL;
  double sup = msc_model_forward (t, lb->input, error) ? sup_loss (self, t, lb, &local) : NAN;
  if (local)
    g_propagate_error (error, local);
  if (isnan (sup) || !msc_model_backward (t, error) || !msc_model_forward (t, ub->input, error))
    return FALSE;
  const float *x = msc_tensor_data ((MscTensor *) msc_model_get_output (t, self->seg_output));
  float *dx = msc_tensor_data (msc_model_get_output_grad (t, self->seg_output));
  MscBceParams bp = { .count = (gint64) n, .pos_weight = (float) self->cfg.pos_weight };
  double bce = msc_bce_loss (&bp, x, self->pseudo, NULL, dx);
  for (gsize i = 0; i < n; i++)
    dx[i] *= (float) row->h;
  row->teacher_loss = sup + row->h * bce;
  return msc_model_backward (t, error) && msc_model_step (t, (float) lr, error);
}

static gboolean
cancelled (GError **error)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED, _("training cancelled"));
  return FALSE;
}

static gboolean
train_one (MscMpl *self, Row *row, GError **error)
{
  guint s = self->step;
  gboolean mpl = s >= self->mpl.warmup;
  MscTrainBatch *lb = msc_train_data_take (self->data, s, error);
  MscTrainBatch *ub = lb && mpl ? msc_train_data_take (self->udata, s, error) : NULL;
  if (!lb || (mpl && !ub))
    return FALSE;
  if (s + 1 < self->cfg.steps)
    {
      msc_train_data_request (self->data, s + 1);
      if (s + 1 >= self->mpl.warmup)
        msc_train_data_request (self->udata, s + 1);
    }
  *row = (Row) { s + 1, NAN, lr_at (self, s), NAN, mpl, NAN, NAN, NAN, NAN };
  if (!(mpl ? mpl_step (self, lb, ub, row->lr, row, error) : warmup_step (self, lb, row->lr, row, error)))
    return FALSE;
  if (mpl)
    self->stats = (MscMplStats) { row->l_old, row->l_new, row->h, row->teacher_loss };
  self->step++;
  return TRUE;
}

gboolean
msc_mpl_run (MscMpl *self, MscTrainProgress progress, gpointer user_data,
             GCancellable *cancellable, GError **error)
{
  self->stopped_early = FALSE;
  msc_train_data_drain (self->data);
  msc_train_data_drain (self->udata);
  if (!resume (self, error) || !msc_train_data_start_prefetch (self->data, error)
      || !msc_train_data_start_prefetch (self->udata, error))
    return FALSE;
  gboolean can_eval = self->cfg.eval_every > 0 && self->n_val > 0;
  if (can_eval && self->cfg.patience > 0 && self->bad_evals >= self->cfg.patience)
    self->stopped_early = TRUE;
  if (self->step < self->cfg.steps && !self->stopped_early)
    {
      msc_train_data_request (self->data, self->step);
      if (self->step >= self->mpl.warmup)
        msc_train_data_request (self->udata, self->step);
    }
  while (self->step < self->cfg.steps && !self->stopped_early)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return cancelled (error);
      Row row;
      if (!train_one (self, &row, error))
        return FALSE;
      if (can_eval && self->step % self->cfg.eval_every == 0)
        {
          if (!evaluate (self, &row.metric, error))
            return FALSE;
          if (isnan (self->best) || row.metric > self->best + self->cfg.min_delta)
            {
              self->best = row.metric;
              self->bad_evals = 0;
            }
          else
            self->bad_evals++;
          self->stopped_early = self->cfg.patience > 0 && self->bad_evals >= self->cfg.patience;
        }
      g_array_append_val (self->log, row);
      if (self->cfg.checkpoint_every > 0 && self->step % self->cfg.checkpoint_every == 0
          && self->step < self->cfg.steps && !self->stopped_early && !save_checkpoints (self, error))
        return FALSE;
      if (progress && !progress (self->step, row.loss, row.lr, row.metric, user_data))
        return cancelled (error);
    }
  return save_checkpoints (self, error) && write_plot (self, error);
}
