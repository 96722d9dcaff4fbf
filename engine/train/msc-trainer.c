/* engine/train/msc-trainer.c — the training run: configuration and its
 * hash, the loss (Dice + weighted BCE on the lesion mask; weighted softmax
 * CE on the patch class, or the hierarchical abnormal/malignant sigmoid
 * pair), staged unfreezing and progressive resizing, validation with early
 * stopping, checkpoints with resume, the CSV log and the training plot.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "msc-i18n.h"
#include "msc-loss.h"
#include "msc-metrics.h"
#include "msc-plot.h"
#include "msc-safetensors.h"
#include "msc-trainer-private.h"

#define CKPT_PREFIX "checkpoint-"
#define CKPT_SUFFIX ".safetensors"
#define LOG_NAME "train-log.csv"
#define PLOT_NAME "training.png"

typedef struct {
  guint step;
  double loss, lr, metric;
} LogRow;

struct _MscTrainer {
  MscTrainerConfig cfg;           /* strings owned below */
  char *graph_path, *seg_output, *class_output, *steps_str, *output_dir, *hard_path;
  char *abnormal_output, *malignant_output;
  char *stage_prefixes[MSC_TRAINER_MAX_STAGES];
  char *hash;
  MscManifest *manifest;
  guint *val;
  guint n_val;
  MscModel *model;
  MscTrainClassifier head;        /* FLAT or HIERARCHICAL; AUTO = no class head */
  guint n_classes;                /* flat head width; 3 for hierarchical; 0 without one */
  MscTrainData *data;
  MscTrainBatch *eval_batch;
  float class_weights[3];
  guint step;
  int stage;                      /* applied stage, -1 none yet */
  double best;
  guint bad_evals;
  gboolean stopped_early;
  GArray *log;                    /* LogRow */
};

void
msc_trainer_config_init (MscTrainerConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->seg_output = "mask_logits";
  cfg->class_output = "class_logits";
  cfg->abnormal_output = "abnormal_logit";
  cfg->malignant_output = "malignant_logit";
  cfg->tasks = MSC_TRAIN_TASK_SEGMENTATION;
  cfg->spacing_mm = 0.4;
  cfg->cache_bytes = (gsize) 512 << 20;
  cfg->patch_size = 64;
  cfg->batch_size = 16;
  cfg->lesion_share = 0.5;
  cfg->background_candidates = 1;
  cfg->jitter = 0.5;
  cfg->balance_classes = TRUE;
  msc_augment_params_init_default (&cfg->augment);
  cfg->steps = 1000;
  cfg->optim = (MscOptimConfig) { .kind = MSC_OPTIM_ADAMW, .weight_decay = 1e-4f,
                                  .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  /* t_max 0 and warm-up 0 mean "the run's steps" and "5% of them". */
  cfg->lr = (MscLrSchedule) { .kind = MSC_LR_WARMUP_COSINE, .base_lr = 1e-3 };
  cfg->pos_weight = 4.0;
  cfg->dice_weight = 1.0;
  cfg->keep_checkpoints = 2;
  cfg->eval_every = 50;
  cfg->val_patches = 64;
  cfg->min_delta = 1e-4;
  cfg->prefetch = TRUE;
}

static gboolean
invalid (GError **error, const char *field, const char *why)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
               _("training configuration: %s %s"), field, why);
  return FALSE;
}

gboolean
msc_trainer_config_check (const MscTrainerConfig *cfg, GError **error)
{
  if (!cfg->graph_path || !cfg->graph_path[0])
    return invalid (error, "graph_path", _("is not set"));
  if (!cfg->output_dir || !cfg->output_dir[0])
    return invalid (error, "output_dir", _("is not set"));
  if (cfg->tasks == 0 || (cfg->tasks & ~3u))
    return invalid (error, "tasks", _("must name segmentation and/or classification"));
  if ((cfg->tasks & MSC_TRAIN_TASK_SEGMENTATION) && !cfg->seg_output)
    return invalid (error, "seg_output", _("is not set"));
  if ((guint) cfg->classifier > MSC_TRAIN_CLASSIFIER_HIERARCHICAL)
    return invalid (error, "classifier", _("must be auto, flat or hierarchical"));
  if ((cfg->tasks & MSC_TRAIN_TASK_CLASSIFICATION) && !cfg->class_output
      && cfg->classifier != MSC_TRAIN_CLASSIFIER_HIERARCHICAL)
    return invalid (error, "class_output", _("is not set"));
  if ((cfg->tasks & MSC_TRAIN_TASK_CLASSIFICATION) && (!cfg->abnormal_output || !cfg->malignant_output)
      && cfg->classifier == MSC_TRAIN_CLASSIFIER_HIERARCHICAL)
    return invalid (error, "abnormal_output/malignant_output", _("are not set"));
  if (cfg->patch_size < 4 || cfg->patch_size > 2048)
    return invalid (error, "patch_size", _("must be 4..2048"));
  if (cfg->batch_size < 1 || cfg->batch_size > 4096)
    return invalid (error, "batch_size", _("must be 1..4096"));
  if (cfg->steps < 1)
    return invalid (error, "steps", _("must be at least 1"));
  if (!(cfg->spacing_mm > 0) || !isfinite (cfg->spacing_mm))
    return invalid (error, "spacing_mm", _("must be positive"));
  if (!(cfg->source_spacing_mm >= 0) || !isfinite (cfg->source_spacing_mm))
    return invalid (error, "source_spacing_mm", _("must be >= 0"));
  if (!(cfg->lesion_share >= 0 && cfg->lesion_share <= 1) || !(cfg->jitter >= 0 && cfg->jitter <= 1))
    return invalid (error, "lesion_share/jitter", _("must be in 0..1"));
  if (!(cfg->hard_negative_share >= 0 && cfg->hard_negative_share <= 1))
    return invalid (error, "hard_negative_share", _("must be in 0..1"));
  if (!(cfg->pos_weight > 0) || !(cfg->dice_weight >= 0) || !isfinite (cfg->pos_weight)
      || !isfinite (cfg->dice_weight))
    return invalid (error, "pos_weight/dice_weight", _("must be finite, pos_weight > 0"));
  for (guint c = 0; c < 3; c++)
    if (!(cfg->class_weights[c] >= 0) || !isfinite (cfg->class_weights[c]))
      return invalid (error, "class_weights", _("must be finite and >= 0"));
  if (cfg->n_stages > MSC_TRAINER_MAX_STAGES)
    return invalid (error, "n_stages", _("is above MSC_TRAINER_MAX_STAGES"));
  for (guint i = 0; i < cfg->n_stages; i++)
    if ((i == 0 && cfg->stages[0].start != 0) || (i > 0 && cfg->stages[i].start <= cfg->stages[i - 1].start)
        || !(cfg->stages[i].lr_scale >= 0) || !isfinite (cfg->stages[i].lr_scale))
      return invalid (error, "stages", _("must start at 0, increase, and have lr_scale >= 0"));
    else if (cfg->stages[i].patch_size != 0
             && (cfg->stages[i].patch_size < 4 || cfg->stages[i].patch_size > 2048))
      return invalid (error, "stages.patch_size", _("must be 0 (patch_size) or 4..2048"));
  if (!(cfg->min_delta >= 0))
    return invalid (error, "min_delta", _("must be >= 0"));
  if (cfg->eval_every > 0 && cfg->val_patches < 1)
    return invalid (error, "val_patches", _("must be at least 1 when evaluating"));
  return msc_augment_params_check (&cfg->augment, error) && msc_optim_check (&cfg->optim, error);
}

/* ---- the configuration hash -------------------------------------------- */

static void
hash_bits (GChecksum *c, const char *name, const void *p, gsize n)
{
  g_checksum_update (c, (const guchar *) name, strlen (name) + 1);
  g_checksum_update (c, p, n);
}

static void
hash_str (GChecksum *c, const char *name, const char *s)
{
  hash_bits (c, name, s ? s : "\1(null)", s ? strlen (s) + 1 : 8);
}

#define HASH_FIELD(c, cfg, f) hash_bits ((c), #f, &(cfg)->f, sizeof (cfg)->f)

char *
msc_trainer_config_hash (const MscTrainerConfig *cfg, GError **error)
{
  g_autofree char *graph = NULL;
  gsize len = 0;
  if (!g_file_get_contents (cfg->graph_path, &graph, &len, NULL))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_MISSING, _("%s: cannot read the graph"),
                   cfg->graph_path);
      return NULL;
    }
  g_autoptr (GChecksum) c = g_checksum_new (G_CHECKSUM_SHA256);
  hash_bits (c, "graph", graph, len);
  hash_str (c, "seg_output", cfg->seg_output);
  hash_str (c, "class_output", cfg->class_output);
  hash_str (c, "preprocess_steps", cfg->preprocess_steps);
  HASH_FIELD (c, cfg, tasks);
  HASH_FIELD (c, cfg, spacing_mm);
  HASH_FIELD (c, cfg, source_spacing_mm);
  HASH_FIELD (c, cfg, patch_size);
  HASH_FIELD (c, cfg, batch_size);
  HASH_FIELD (c, cfg, lesion_share);
  HASH_FIELD (c, cfg, jitter);
  HASH_FIELD (c, cfg, balance_classes);
  HASH_FIELD (c, cfg, augment);   /* all doubles and gbooleans: no padding holes */
  HASH_FIELD (c, cfg, steps);
  HASH_FIELD (c, cfg, optim.kind);
  HASH_FIELD (c, cfg, optim.momentum);
  HASH_FIELD (c, cfg, optim.nesterov);
  HASH_FIELD (c, cfg, optim.weight_decay);
  HASH_FIELD (c, cfg, optim.beta1);
  HASH_FIELD (c, cfg, optim.beta2);
  HASH_FIELD (c, cfg, optim.eps);
  HASH_FIELD (c, cfg, lr.kind);
  HASH_FIELD (c, cfg, lr.base_lr);
  HASH_FIELD (c, cfg, lr.step_size);
  HASH_FIELD (c, cfg, lr.gamma);
  HASH_FIELD (c, cfg, lr.t_max);
  HASH_FIELD (c, cfg, lr.eta_min);
  HASH_FIELD (c, cfg, lr.warmup);
  HASH_FIELD (c, cfg, pos_weight);
  HASH_FIELD (c, cfg, dice_weight);
  HASH_FIELD (c, cfg, class_weights);
  HASH_FIELD (c, cfg, n_stages);
  for (guint i = 0; i < cfg->n_stages && i < MSC_TRAINER_MAX_STAGES; i++)
    {
      HASH_FIELD (c, cfg, stages[i].start);
      HASH_FIELD (c, cfg, stages[i].lr_scale);
      hash_str (c, "prefixes", cfg->stages[i].prefixes);
      /* Later additions enter the hash only when set, so checkpoints of
       * runs from before them stay resumable. */
      if (cfg->stages[i].patch_size != 0 && cfg->stages[i].patch_size != cfg->patch_size)
        HASH_FIELD (c, cfg, stages[i].patch_size);
    }
  if (cfg->background_candidates != 1)   /* new field: old runs keep their hash */
    HASH_FIELD (c, cfg, background_candidates);
  if (cfg->hard_negatives_path != NULL && cfg->hard_negative_share > 0)
    {
      /* The places themselves, not the file name: a re-mined file is a new run. */
      g_autofree char *text = NULL;
      gsize n = 0;
      if (g_file_get_contents (cfg->hard_negatives_path, &text, &n, NULL))
        hash_bits (c, "hard_negatives", text, n);
      HASH_FIELD (c, cfg, hard_negative_share);
    }
  if (cfg->classifier != MSC_TRAIN_CLASSIFIER_AUTO)
    HASH_FIELD (c, cfg, classifier);
  if (g_strcmp0 (cfg->abnormal_output, "abnormal_logit") != 0)
    hash_str (c, "abnormal_output", cfg->abnormal_output);
  if (g_strcmp0 (cfg->malignant_output, "malignant_logit") != 0)
    hash_str (c, "malignant_output", cfg->malignant_output);
  HASH_FIELD (c, cfg, seed);
  HASH_FIELD (c, cfg, eval_every);
  HASH_FIELD (c, cfg, val_patches);
  HASH_FIELD (c, cfg, patience);
  HASH_FIELD (c, cfg, min_delta);
  return g_strdup (g_checksum_get_string (c));
}

/* ---- construction --------------------------------------------------------- */

/* Output i's channel count (dimension 1), 0 when the graph has no such
 * output. */
static guint
output_channels (const MscGraph *g, const char *name)
{
  for (guint i = 0; name && i < msc_graph_get_n_outputs (g); i++)
    if (strcmp (msc_graph_get_output (g, i), name) == 0)
      {
        gint64 shape[MSC_TENSOR_MAX_DIMS];
        guint n_dims = msc_graph_node_get_output_shape (msc_graph_find_node (g, name), shape);
        return n_dims >= 2 && shape[1] > 0 ? (guint) shape[1] : 0;
      }
  return 0;
}

gboolean
msc_trainer_resolve_head (const MscTrainerConfig *cfg, const MscGraph *graph,
                          MscTrainClassifier *kind, guint *n_classes, GError **error)
{
  *kind = MSC_TRAIN_CLASSIFIER_AUTO;
  *n_classes = 0;
  if (!(cfg->tasks & MSC_TRAIN_TASK_CLASSIFICATION))
    return TRUE;
  guint flat = output_channels (graph, cfg->class_output);
  guint abnormal = output_channels (graph, cfg->abnormal_output);
  guint malignant = output_channels (graph, cfg->malignant_output);
  MscTrainClassifier k = cfg->classifier;
  if (k == MSC_TRAIN_CLASSIFIER_AUTO)
    k = flat == 0 && abnormal > 0 && malignant > 0 ? MSC_TRAIN_CLASSIFIER_HIERARCHICAL
                                                   : MSC_TRAIN_CLASSIFIER_FLAT;
  if (k == MSC_TRAIN_CLASSIFIER_FLAT && flat != 2 && flat != 3)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("classification needs an output \"%s\" with 2 or 3 channels (or "
                     "the hierarchical pair \"%s\" and \"%s\")"),
                   cfg->class_output ? cfg->class_output : "", cfg->abnormal_output ? cfg->abnormal_output : "",
                   cfg->malignant_output ? cfg->malignant_output : "");
      return FALSE;
    }
  if (k == MSC_TRAIN_CLASSIFIER_HIERARCHICAL && (abnormal != 1 || malignant != 1))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("the hierarchical classifier needs outputs \"%s\" and \"%s\" of "
                     "one channel each"), cfg->abnormal_output, cfg->malignant_output);
      return FALSE;
    }
  *kind = k;
  *n_classes = k == MSC_TRAIN_CLASSIFIER_FLAT ? flat : 3;
  return TRUE;
}

static gboolean
find_head (MscTrainer *self, GError **error)
{
  const MscGraph *g = msc_model_get_graph (self->model);
  if ((self->cfg.tasks & MSC_TRAIN_TASK_SEGMENTATION) && !msc_graph_has_output (g, self->seg_output))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: no output named \"%s\" for segmentation"), self->graph_path, self->seg_output);
      return FALSE;
    }
  if (!msc_trainer_resolve_head (&self->cfg, g, &self->head, &self->n_classes, error))
    {
      g_prefix_error (error, "%s: ", self->graph_path);
      return FALSE;
    }
  return TRUE;
}

/* Every training patch size must pass through the graph (pooling levels
 * and skip connections fix which sides do); refused here rather than at
 * the step that first uses it. */
static gboolean
check_patch_sizes (MscTrainer *self, GError **error)
{
  guint sizes[MSC_TRAINER_MAX_STAGES + 1], n = 0;
  sizes[n++] = self->cfg.patch_size;
  for (guint i = 0; i < self->cfg.n_stages; i++)
    if (self->cfg.stages[i].patch_size)
      sizes[n++] = self->cfg.stages[i].patch_size;
  for (guint i = 0; i < n; i++)
    {
      guint64 flops;
      GError *local = NULL;
      if (!msc_model_count_flops (self->model, sizes[i], sizes[i], &flops, &local))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: patch size %u does not fit the graph: %s"), self->graph_path,
                       sizes[i], local->message);
          g_error_free (local);
          return FALSE;
        }
    }
  return TRUE;
}

/* Copies the caller's strings so the config may point at temporaries. */
static void
own_strings (MscTrainer *self, const MscTrainerConfig *cfg)
{
  self->cfg = *cfg;
  self->cfg.graph_path = self->graph_path = g_strdup (cfg->graph_path);
  self->cfg.seg_output = self->seg_output = g_strdup (cfg->seg_output);
  self->cfg.class_output = self->class_output = g_strdup (cfg->class_output);
  self->cfg.abnormal_output = self->abnormal_output = g_strdup (cfg->abnormal_output);
  self->cfg.malignant_output = self->malignant_output = g_strdup (cfg->malignant_output);
  self->cfg.preprocess_steps = self->steps_str = g_strdup (cfg->preprocess_steps);
  self->cfg.output_dir = self->output_dir = g_strdup (cfg->output_dir);
  self->cfg.hard_negatives_path = self->hard_path = g_strdup (cfg->hard_negatives_path);
  for (guint i = 0; i < cfg->n_stages; i++)
    self->cfg.stages[i].prefixes = self->stage_prefixes[i] = g_strdup (cfg->stages[i].prefixes);
  msc_trainer_config_resolve_schedule (&self->cfg);
}

void
msc_trainer_config_resolve_schedule (MscTrainerConfig *cfg)
{
  /* 0 = the run's length / 5% warm-up (at least one step). */
  if (cfg->lr.t_max == 0)
    cfg->lr.t_max = cfg->steps;
  if (cfg->lr.kind == MSC_LR_WARMUP_COSINE && cfg->lr.warmup == 0)
    cfg->lr.warmup = MAX (1u, cfg->steps / 20);
  if (cfg->lr.kind == MSC_LR_WARMUP_COSINE && cfg->lr.warmup >= cfg->lr.t_max)
    cfg->lr.warmup = cfg->lr.t_max - 1;
}

MscTrainer *
msc_trainer_new (const MscTrainerConfig *cfg, MscManifest *manifest, const guint *train,
                 guint n_train, const guint *val, guint n_val, GError **error)
{
  if (!msc_trainer_config_check (cfg, error))
    return NULL;
  guint n_cases = msc_manifest_get_n_cases (manifest);
  for (guint i = 0; i < n_train + n_val; i++)
    {
      guint idx = i < n_train ? train[i] : val[i - n_train];
      if (idx >= n_cases)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: split names case %u of %u"), msc_manifest_get_path (manifest), idx, n_cases);
          return NULL;
        }
    }
  g_autoptr (MscTrainer) self = g_new0 (MscTrainer, 1);
  own_strings (self, cfg);
  self->manifest = msc_manifest_ref (manifest);
  self->val = g_memdup2 (val, (gsize) n_val * sizeof (guint));
  self->n_val = n_val;
  self->stage = -1;
  self->best = NAN;
  self->log = g_array_new (FALSE, FALSE, sizeof (LogRow));
  if (!msc_lr_schedule_check (&self->cfg.lr, error))
    return NULL;
  if (!(self->hash = msc_trainer_config_hash (&self->cfg, error)))
    return NULL;
  MscGraph *graph = msc_graph_load (self->graph_path, error);
  if (!graph || !(self->model = msc_model_new_from_graph (graph, cfg->seed, error)))
    return NULL;
  msc_model_set_threads (self->model, cfg->n_threads);
  if (!find_head (self, error) || !check_patch_sizes (self, error)
      || !msc_model_set_optimizer (self->model, &self->cfg.optim, error))
    return NULL;
  for (guint c = 0; c < 3; c++)
    self->class_weights[c] = cfg->class_weights[0] + cfg->class_weights[1] + cfg->class_weights[2] > 0
                             ? (float) cfg->class_weights[c] : 1.0f;
  if (!(self->data = msc_train_data_new (&self->cfg, manifest, train, n_train,
                                         MAX (self->n_classes, 2u), error)))
    return NULL;
  if (!(self->eval_batch = msc_train_batch_new (cfg->batch_size, cfg->patch_size, error)))
    return NULL;
  return g_steal_pointer (&self);
}

void
msc_trainer_free (MscTrainer *self)
{
  if (!self)
    return;
  msc_train_data_free (self->data);
  msc_train_batch_free (self->eval_batch);
  msc_model_free (self->model);
  msc_manifest_unref (self->manifest);
  g_free (self->val);
  g_free (self->hash);
  g_free (self->graph_path);
  g_free (self->seg_output);
  g_free (self->class_output);
  g_free (self->abnormal_output);
  g_free (self->malignant_output);
  g_free (self->steps_str);
  g_free (self->hard_path);
  g_free (self->output_dir);
  for (guint i = 0; i < MSC_TRAINER_MAX_STAGES; i++)
    g_free (self->stage_prefixes[i]);
  if (self->log)
    g_array_unref (self->log);
  g_free (self);
}

MscModel *
msc_trainer_get_model (MscTrainer *self)
{
  return self->model;
}

guint
msc_trainer_get_step (const MscTrainer *self)
{
  return self->step;
}

gboolean
msc_trainer_get_stopped_early (const MscTrainer *self)
{
  return self->stopped_early;
}

double
msc_trainer_get_best_metric (const MscTrainer *self)
{
  return self->best;
}

void
msc_trainer_get_cache_stats (const MscTrainer *self, MscTrainerCacheStats *stats)
{
  msc_train_data_cache_stats (self->data, stats);
}

/* ---- loss ------------------------------------------------------------------ */

typedef struct {
  MscTrainer *self;
  MscTrainBatch *batch;
} LossCtx;

double
msc_trainer_hierarchical_loss (const float *abnormal, const float *malignant,
                               const gint32 *class_target, guint n, const float weights[3],
                               float *d_abnormal, float *d_malignant)
{
  if (n == 0)
    return 0;
  g_autofree float *t = g_new (float, n);
  g_autofree float *w = g_new (float, n);
  g_autofree float *mx = g_new (float, n), *mt = g_new (float, n), *mw = g_new (float, n);
  g_autofree float *mdx = g_new0 (float, n);
  g_autofree guint *rows = g_new (guint, n);
  guint m = 0;
  for (guint i = 0; i < n; i++)
    {
      gint32 c = CLAMP (class_target[i], 0, 2);
      t[i] = c > 0 ? 1.0f : 0.0f;
      w[i] = weights[c];
      if (c > 0)
        {
          /* Lesion patches only: gathered, so the malignant mean is over
           * them and background rows get no gradient at all. */
          rows[m] = i;
          mx[m] = malignant[i];
          mt[m] = c == 2 ? 1.0f : 0.0f;
          mw[m++] = weights[c];
        }
    }
  MscBceParams ap = { .count = n, .pos_weight = 1.0f };
  double loss = msc_bce_loss (&ap, abnormal, t, w, d_abnormal);
  if (m > 0)
    {
      MscBceParams mp = { .count = m, .pos_weight = 1.0f };
      loss += msc_bce_loss (&mp, mx, mt, mw, d_malignant ? mdx : NULL);
      for (guint k = 0; d_malignant && k < m; k++)
        d_malignant[rows[k]] += mdx[k];
    }
  return loss;
}

/* The output name's tensor and gradient, checked to hold `want` values. */
static gboolean
head_output (MscTrainer *self, MscModel *model, const char *name, gint64 want,
             const float **x, float **dx, GError **error)
{
  const MscTensor *out = msc_model_get_output (model, name);
  MscTensor *grad = msc_model_get_output_grad (model, name);
  if (!out || !grad || msc_tensor_numel (out) != want)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: output \"%s\" does not hold %ld values"), self->graph_path, name,
                   (glong) want);
      return FALSE;
    }
  *x = msc_tensor_data ((MscTensor *) out);
  *dx = msc_tensor_data (grad);
  return TRUE;
}

/* Dice first (it is scaled by dice_weight in place), then BCE and CE
 * accumulate on top: the gradient buffers start zeroed by the forward. */
static double
trainer_loss (MscModel *model, gpointer user_data, GError **error)
{
  LossCtx *ctx = user_data;
  MscTrainer *self = ctx->self;
  const MscTrainBatch *b = ctx->batch;
  double loss = 0;
  if (self->cfg.tasks & MSC_TRAIN_TASK_SEGMENTATION)
    {
      const MscTensor *out = msc_model_get_output (model, self->seg_output);
      MscTensor *grad = msc_model_get_output_grad (model, self->seg_output);
      gint64 per = (gint64) b->patch * b->patch;
      if (msc_tensor_numel (out) != (gint64) b->n * per)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: output \"%s\" has %ld values, the masks %ld"),
                       self->graph_path, self->seg_output, (glong) msc_tensor_numel (out), (glong) b->n * per);
          return NAN;
        }
      const float *x = msc_tensor_data ((MscTensor *) out);
      float *dx = msc_tensor_data (grad);
      MscDiceParams dp = { .n = b->n, .per_image = per, .smooth = 1.0f };
      double dice = msc_dice_loss (&dp, x, b->seg_target, dx);
      for (gint64 i = 0; i < b->n * per; i++)
        dx[i] *= (float) self->cfg.dice_weight;
      MscBceParams bp = { .count = b->n * per, .pos_weight = (float) self->cfg.pos_weight };
      loss += self->cfg.dice_weight * dice + msc_bce_loss (&bp, x, b->seg_target, NULL, dx);
    }
  if (self->head == MSC_TRAIN_CLASSIFIER_HIERARCHICAL)
    {
      const float *xa, *xm;
      float *da, *dm;
      if (!head_output (self, model, self->abnormal_output, b->n, &xa, &da, error)
          || !head_output (self, model, self->malignant_output, b->n, &xm, &dm, error))
        return NAN;
      loss += msc_trainer_hierarchical_loss (xa, xm, b->class_target, b->n, self->class_weights,
                                             da, dm);
    }
  else if (self->cfg.tasks & MSC_TRAIN_TASK_CLASSIFICATION)
    {
      const MscTensor *out = msc_model_get_output (model, self->class_output);
      MscTensor *grad = msc_model_get_output_grad (model, self->class_output);
      MscCrossEntropyParams cp = { .n = b->n, .c = self->n_classes, .hw = 1,
                                   .weight = self->class_weights };
      if (msc_tensor_numel (out) != (gint64) b->n * self->n_classes
          || !msc_cross_entropy_check (&cp, b->class_target, error))
        {
          if (error && !*error)
            g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                         _("%s: output \"%s\" is not (N, %u)"), self->graph_path,
                         self->class_output, self->n_classes);
          return NAN;
        }
      loss += msc_cross_entropy_loss (&cp, msc_tensor_data ((MscTensor *) out), b->class_target,
                                      msc_tensor_data (grad));
    }
  return loss;
}

/* ---- stages and rates ------------------------------------------------------ */

static int
stage_at (const MscTrainer *self, guint step)
{
  int s = -1;
  for (guint i = 0; i < self->cfg.n_stages; i++)
    if (self->cfg.stages[i].start <= step)
      s = (int) i;
  return s;
}

/* Freezes everything, then thaws the stage's prefixes. */
static void
apply_stage (MscTrainer *self, int stage)
{
  if (stage == self->stage)
    return;
  self->stage = stage;
  MscParamSet *set = msc_model_get_param_set (self->model);
  const char *prefixes = stage >= 0 ? self->cfg.stages[stage].prefixes : NULL;
  if (!prefixes || !prefixes[0])
    {
      msc_param_set_freeze_prefix (set, "", FALSE);
      return;
    }
  msc_param_set_freeze_prefix (set, "", TRUE);
  g_auto (GStrv) parts = g_strsplit (prefixes, ",", -1);
  for (guint i = 0; parts[i]; i++)
    msc_param_set_freeze_prefix (set, g_strstrip (parts[i]), FALSE);
}

static double
lr_at (const MscTrainer *self, guint step)
{
  int s = stage_at (self, step);
  return msc_lr_schedule_at (&self->cfg.lr, step) * (s >= 0 ? self->cfg.stages[s].lr_scale : 1.0);
}

/* ---- evaluation ------------------------------------------------------------ */

/* Global Dice of (sigmoid > 0.5) over all patches (robust to patches with
 * no lesion), or the lesion-vs-background AUC of 1 - p(background) (flat
 * head) or sigmoid(abnormal) (hierarchical head). */
gboolean
msc_trainer_evaluate (MscTrainer *self, const guint *cases, guint n_cases, double *metric,
                      GError **error)
{
  if (!cases)
    {
      cases = self->val;
      n_cases = self->n_val;
    }
  if (n_cases == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("%s: no validation cases"),
                   msc_manifest_get_path (self->manifest));
      return FALSE;
    }
  gboolean seg = (self->cfg.tasks & MSC_TRAIN_TASK_SEGMENTATION) != 0;
  guint total = self->cfg.val_patches;
  guint64 inter = 0, sum = 0;
  g_autofree double *scores = g_new0 (double, total);
  g_autofree guint8 *labels = g_new0 (guint8, total);
  gboolean was_training = msc_model_get_training (self->model);
  msc_model_set_training (self->model, FALSE);
  gboolean ok = TRUE;
  gsize per = (gsize) self->cfg.patch_size * self->cfg.patch_size;
  for (guint first = 0; ok && first < total; first += self->cfg.batch_size)
    {
      MscTrainBatch *b = self->eval_batch;
      ok = msc_train_data_fill_fixed (self->data, cases, n_cases, 2, first, total, b, error);
      if (!ok)
        break;
      /* A short last batch runs as a view of its first b->n images. */
      g_autoptr (MscTensor) in = msc_train_batch_view (b, error);
      ok = in && msc_model_forward (self->model, in, error);
      if (!ok)
        break;
      if (seg)
        {
          const float *x = msc_tensor_data ((MscTensor *) msc_model_get_output (self->model, self->seg_output));
          for (gsize k = 0; k < b->n * per; k++)
            {
              gboolean p = x[k] > 0, t = b->seg_target[k] > 0.5f;
              inter += p && t;
              sum += (guint64) p + t;
            }
        }
      else if (self->head == MSC_TRAIN_CLASSIFIER_HIERARCHICAL)
        {
          const float *x = msc_tensor_data ((MscTensor *) msc_model_get_output (self->model, self->abnormal_output));
          for (guint i = 0; i < b->n; i++)
            {
              scores[first + i] = 1.0 / (1.0 + exp (-(double) x[i]));
              labels[first + i] = b->class_target[i] > 0;
            }
        }
      else
        {
          const float *x = msc_tensor_data ((MscTensor *) msc_model_get_output (self->model, self->class_output));
          for (guint i = 0; i < b->n; i++)
            {
              /* softmax p(background) from the logits, stably */
              const float *row = x + (gsize) i * self->n_classes;
              double mx = row[0], z = 0;
              for (guint c = 1; c < self->n_classes; c++)
                mx = MAX (mx, row[c]);
              for (guint c = 0; c < self->n_classes; c++)
                z += exp (row[c] - mx);
              scores[first + i] = 1.0 - exp (row[0] - mx) / z;
              labels[first + i] = b->class_target[i] > 0;
            }
        }
    }
  msc_model_set_training (self->model, was_training);
  if (!ok)
    return FALSE;
  if (seg)
    {
      *metric = sum == 0 ? 1.0 : 2.0 * (double) inter / (double) sum;
      return TRUE;
    }
  /* Validation patches with a single class cannot give an AUC: the
   * metrics module says so (EMPTY) with the counts. */
  return msc_metrics_auc (scores, labels, total, metric, error);
}

/* ---- checkpoints ----------------------------------------------------------- */

static gboolean
parse_ckpt_name (const char *name, guint *step)
{
  guint64 v;
  if (!g_str_has_prefix (name, CKPT_PREFIX) || !g_str_has_suffix (name, CKPT_SUFFIX))
    return FALSE;
  g_autofree char *num = g_strndup (name + strlen (CKPT_PREFIX),
                                    strlen (name) - strlen (CKPT_PREFIX) - strlen (CKPT_SUFFIX));
  if (!g_ascii_string_to_unsigned (num, 10, 0, G_MAXUINT, &v, NULL))
    return FALSE;
  *step = (guint) v;
  return TRUE;
}

static gint
by_step_desc (gconstpointer a, gconstpointer b)
{
  guint sa = 0, sb = 0;
  g_autofree char *na = g_path_get_basename (*(char **) a);
  g_autofree char *nb = g_path_get_basename (*(char **) b);
  parse_ckpt_name (na, &sa);
  parse_ckpt_name (nb, &sb);
  return sa < sb ? 1 : sa > sb ? -1 : 0;
}

GPtrArray *
msc_trainer_list_checkpoints (const char *folder, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  GError *local = NULL;
  g_autoptr (GDir) dir = g_dir_open (folder, 0, &local);
  if (!dir)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_error_free (local);
          return g_steal_pointer (&out);
        }
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s: %s", folder, local->message);
      g_error_free (local);
      return NULL;
    }
  const char *name;
  guint step;
  while ((name = g_dir_read_name (dir)))
    if (parse_ckpt_name (name, &step))
      g_ptr_array_add (out, g_build_filename (folder, name, NULL));
  g_ptr_array_sort (out, by_step_desc);
  return g_steal_pointer (&out);
}

static char *
bits_string (double v)
{
  guint64 u;
  memcpy (&u, &v, sizeof u);
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", u);
}

static gboolean
parse_bits (const char *s, double *v)
{
  guint64 u;
  if (!s || !g_ascii_string_to_unsigned (s, 16, 0, G_MAXUINT64, &u, NULL))
    return FALSE;
  memcpy (v, &u, sizeof u);
  return TRUE;
}

static gboolean write_log (MscTrainer *self, GError **error);

static gboolean
save_checkpoint (MscTrainer *self, GError **error)
{
  g_autofree char *name = g_strdup_printf (CKPT_PREFIX "%08u" CKPT_SUFFIX, self->step);
  g_autofree char *path = g_build_filename (self->output_dir, name, NULL);
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (meta, "trainer.config_hash", g_strdup (self->hash));
  g_hash_table_insert (meta, "trainer.step", g_strdup_printf ("%u", self->step));
  g_hash_table_insert (meta, "trainer.best", bits_string (self->best));
  g_hash_table_insert (meta, "trainer.bad_evals", g_strdup_printf ("%u", self->bad_evals));
  /* Batches come from (seed, step): the step is the whole data position. */
  g_hash_table_insert (meta, "trainer.data_position", g_strdup_printf ("%u", self->step));
  GError *local = NULL;
  if (!msc_model_save_checkpoint (self->model, path, meta, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  if (!write_log (self, error))
    return FALSE;
  /* Older checkpoints beyond keep_checkpoints go; failures to delete are
   * harmless (the newest is what resume reads). */
  g_autoptr (GPtrArray) all = msc_trainer_list_checkpoints (self->output_dir, NULL);
  for (guint i = MAX (self->cfg.keep_checkpoints, 1u); all && i < all->len; i++)
    g_remove (g_ptr_array_index (all, i));
  return TRUE;
}

static gboolean
load_checkpoint (MscTrainer *self, const char *path, GError **error)
{
  g_autoptr (GHashTable) meta = NULL;
  GError *local = NULL;
  /* The hash is checked first, on a throw-away read, so a checkpoint of
   * another configuration is named as such rather than as a shape error. */
  g_autoptr (MscSafetensors) st = msc_safetensors_load (path, &local);
  if (!st)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("bad checkpoint: %s"),
                   local->message);
      g_error_free (local);
      return FALSE;
    }
  const char *hash = msc_safetensors_get_metadata (st, "trainer.config_hash");
  if (g_strcmp0 (hash, self->hash) != 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: written by another training configuration (config hash %.12s, this run "
                     "%.12s); use a new output folder"), path, hash ? hash : "none", self->hash);
      return FALSE;
    }
  guint64 step, bad;
  double best;
  if (!g_ascii_string_to_unsigned (msc_safetensors_get_metadata (st, "trainer.step"), 10, 0,
                                   self->cfg.steps, &step, NULL)
      || !g_ascii_string_to_unsigned (msc_safetensors_get_metadata (st, "trainer.bad_evals"), 10, 0,
                                      G_MAXUINT, &bad, NULL)
      || !parse_bits (msc_safetensors_get_metadata (st, "trainer.best"), &best))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: bad trainer metadata (step, bad_evals or best)"), path);
      return FALSE;
    }
  if (!msc_model_load_checkpoint (self->model, path, &meta, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("bad checkpoint: %s"),
                   local->message);
      g_error_free (local);
      return FALSE;
    }
  self->step = (guint) step;
  self->bad_evals = (guint) bad;
  self->best = best;
  return TRUE;
}

/* ---- the log and the plot -------------------------------------------------- */

static gboolean
write_log (MscTrainer *self, GError **error)
{
  g_autoptr (GString) s = g_string_new ("step,loss,lr,val_metric\n");
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
  for (guint i = 0; i < self->log->len; i++)
    {
      const LogRow *r = &g_array_index (self->log, LogRow, i);
      g_string_append_printf (s, "%u,%s,%s,%s\n", r->step, g_ascii_dtostr (a, sizeof a, r->loss),
                              g_ascii_dtostr (b, sizeof b, r->lr),
                              isnan (r->metric) ? "" : g_ascii_dtostr (c, sizeof c, r->metric));
    }
  g_autofree char *path = g_build_filename (self->output_dir, LOG_NAME, NULL);
  GError *local = NULL;
  if (!g_file_set_contents (path, s->str, (gssize) s->len, &local))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

/* After a resume: the rows up to the checkpoint's step (later ones were
 * written by the run that was killed and will be redone). */
static void
read_log (MscTrainer *self)
{
  g_autofree char *path = g_build_filename (self->output_dir, LOG_NAME, NULL);
  g_autofree char *text = NULL;
  g_array_set_size (self->log, 0);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      guint64 step;
      if (g_strv_length (f) != 4 || !g_ascii_string_to_unsigned (f[0], 10, 1, self->step, &step, NULL))
        continue;
      LogRow r = { (guint) step, g_ascii_strtod (f[1], NULL), g_ascii_strtod (f[2], NULL),
                   f[3][0] ? g_ascii_strtod (f[3], NULL) : NAN };
      g_array_append_val (self->log, r);
    }
}

static gboolean
write_plot (MscTrainer *self, GError **error)
{
  guint n = self->log->len;
  g_autofree double *steps = g_new (double, MAX (n, 1u));
  g_autofree double *loss = g_new (double, MAX (n, 1u));
  g_autofree double *metric = g_new (double, MAX (n, 1u));
  for (guint i = 0; i < n; i++)
    {
      const LogRow *r = &g_array_index (self->log, LogRow, i);
      steps[i] = r->step, loss[i] = r->loss, metric[i] = r->metric;
    }
  gboolean seg = (self->cfg.tasks & MSC_TRAIN_TASK_SEGMENTATION) != 0;
  g_autofree char *path = g_build_filename (self->output_dir, PLOT_NAME, NULL);
  return msc_plot_training_log (path, NULL, _("training loss"), seg ? _("Dice") : _("AUC"), steps,
                                loss, metric, n, error);
}

/* ---- the run ---------------------------------------------------------------- */

static gboolean
cancelled (GError **error)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED, _("training cancelled"));
  return FALSE;
}

/* Validation after a step: best and the count of evaluations without an
 * improvement of more than min_delta; TRUE when patience ran out. */
static gboolean
evaluate_step (MscTrainer *self, double *metric, GError **error)
{
  if (!msc_trainer_evaluate (self, NULL, 0, metric, error))
    return FALSE;
  if (isnan (self->best) || *metric > self->best + self->cfg.min_delta)
    {
      self->best = *metric;
      self->bad_evals = 0;
    }
  else
    self->bad_evals++;
  return TRUE;
}

static gboolean
resume (MscTrainer *self, GError **error)
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
  if (ckpts->len > 0 && !load_checkpoint (self, g_ptr_array_index (ckpts, 0), error))
    return FALSE;
  read_log (self);
  return TRUE;
}

static gboolean
train_one (MscTrainer *self, double *loss, double *lr, GError **error)
{
  MscTrainBatch *batch = msc_train_data_take (self->data, self->step, error);
  if (!batch)
    return FALSE;
  if (self->step + 1 < self->cfg.steps)
    msc_train_data_request (self->data, self->step + 1);
  apply_stage (self, stage_at (self, self->step));
  *lr = lr_at (self, self->step);
  LossCtx ctx = { self, batch };
  /* The stage's patch size: the model re-plans its arena for the shape. */
  g_autoptr (MscTensor) in = msc_train_batch_view (batch, error);
  if (!in || !msc_model_train_step (self->model, in, trainer_loss, &ctx, (float) *lr, loss, error))
    return FALSE;
  self->step++;
  return TRUE;
}

gboolean
msc_trainer_run (MscTrainer *self, MscTrainProgress progress, gpointer user_data,
                 GCancellable *cancellable, GError **error)
{
  self->stopped_early = FALSE;
  msc_train_data_drain (self->data);
  if (!resume (self, error) || !msc_train_data_start_prefetch (self->data, error))
    return FALSE;
  gboolean can_eval = self->cfg.eval_every > 0 && self->n_val > 0;
  if (can_eval && self->cfg.patience > 0 && self->bad_evals >= self->cfg.patience)
    self->stopped_early = TRUE;
  msc_model_set_training (self->model, TRUE);
  if (self->step < self->cfg.steps && !self->stopped_early)
    msc_train_data_request (self->data, self->step);
  while (self->step < self->cfg.steps && !self->stopped_early)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return cancelled (error);
      double loss, lr, metric = NAN;
      if (!train_one (self, &loss, &lr, error))
        return FALSE;
      if (can_eval && self->step % self->cfg.eval_every == 0)
        {
          if (!evaluate_step (self, &metric, error))
            return FALSE;
          self->stopped_early = self->cfg.patience > 0 && self->bad_evals >= self->cfg.patience;
        }
      LogRow row = { self->step, loss, lr, metric };
      g_array_append_val (self->log, row);
      if (self->cfg.checkpoint_every > 0 && self->step % self->cfg.checkpoint_every == 0
          && self->step < self->cfg.steps && !self->stopped_early && !save_checkpoint (self, error))
        return FALSE;
      if (progress && !progress (self->step, loss, lr, metric, user_data))
        return cancelled (error);
    }
  return save_checkpoint (self, error) && write_plot (self, error);
}
