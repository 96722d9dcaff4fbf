/* engine/train/msc-trainer.h — one patch-training run: a graph, a manifest
 * and a split in, checkpoints, a loss/metric CSV and a training-curve PNG
 * out. Images are preprocessed once and cached within a byte budget; each
 * step's batch is drawn from an RNG derived from (seed, step) alone, on a
 * prefetch thread, so results never depend on timing and a run resumed
 * from a checkpoint continues bit for bit as if it had never stopped.
 *
 *   MscTrainerConfig cfg;
 *   msc_trainer_config_init (&cfg);
 *   cfg.graph_path = "data/models/presets/unet-small.json";
 *   cfg.output_dir = "runs/a";
 *   g_autoptr (MscTrainer) t = msc_trainer_new (&cfg, manifest, train, n_train,
 *                                               val, n_val, &error);
 *   if (!msc_trainer_run (t, progress, NULL, cancellable, &error)) ...
 */
#pragma once

#include <gio/gio.h>

#include "msc-augment.h"
#include "msc-manifest.h"
#include "msc-model.h"
#include "msc-optim.h"
#include "msc-train-error.h"

G_BEGIN_DECLS

/* What the run learns; the two may be combined (a graph with both heads). */
typedef enum {
  MSC_TRAIN_TASK_SEGMENTATION  = 1 << 0,  /* patch lesion mask: Dice + weighted sigmoid BCE */
  MSC_TRAIN_TASK_CLASSIFICATION = 1 << 1, /* patch class: a flat softmax head or the
                                             hierarchical sigmoid pair, see
                                             MscTrainClassifier */
} MscTrainTask;

/* The form of the classification head.
 * FLAT: class_output (N, C) softmax CE with class weights; 2 classes =
 *   background/lesion, 3 = background/benign/malignant.
 * HIERARCHICAL: abnormal_output (N, 1), sigmoid BCE on every patch
 *   (lesion vs background), and malignant_output (N, 1), sigmoid BCE on
 *   lesion patches only (malignant vs benign); background patches give the
 *   malignant head no loss and no gradient.
 * AUTO: HIERARCHICAL when the graph has no class_output but has both
 *   abnormal_output and malignant_output, else FLAT. */
typedef enum {
  MSC_TRAIN_CLASSIFIER_AUTO = 0,
  MSC_TRAIN_CLASSIFIER_FLAT,
  MSC_TRAIN_CLASSIFIER_HIERARCHICAL,
} MscTrainClassifier;

#define MSC_TRAINER_MAX_STAGES 8

/* Staged unfreezing and progressive resizing: from step `start` on, only
 * parameters whose names start with one of the comma-separated `prefixes`
 * ("" or NULL = all) train, at the schedule's rate times lr_scale, on
 * patches of patch_size (0 = the configuration's patch_size; validation
 * always uses that one). Stages are ordered by start; stage 0 must start
 * at 0. */
typedef struct {
  guint start;
  const char *prefixes;
  double lr_scale;
  guint patch_size;
} MscTrainStage;

typedef struct {
  /* model */
  const char *graph_path;        /* JSON graph (a preset or a file) */
  const char *seg_output;        /* "mask_logits": (N, 1, P, P) logits */
  const char *class_output;      /* "class_logits": (N, C) or (N, C, 1, 1) logits */
  const char *abnormal_output;   /* "abnormal_logit": (N, 1) lesion-vs-background logit */
  const char *malignant_output;  /* "malignant_logit": (N, 1) malignant-vs-benign logit */
  MscTrainClassifier classifier; /* AUTO */
  guint tasks;                   /* MscTrainTask flags */
  /* data */
  const char *preprocess_steps;  /* msc_preprocess chain; NULL = MSC_TRAINER_DEFAULT_STEPS,
                                    "" = none (the image as F32 in 0..1) */
  double spacing_mm;             /* resample target (0.4) */
  double source_spacing_mm;      /* pixel spacing of images that carry none (MIAS PNG: 0.2);
                                    0 = such images are refused */
  gsize cache_bytes;             /* budget of preprocessed planes (default 512 MiB) */
  guint patch_size;              /* P (64) */
  guint batch_size;              /* patches per step (16) */
  double lesion_share;           /* share of lesion-centred patches (0.5) */
  double jitter;                 /* lesion patch jitter (0.5) */
  gboolean balance_classes;      /* draw images class-balanced (TRUE) */
  guint background_candidates;   /* background patch at the brightest of K positions (1) */
  const char *hard_negatives_path; /* (nullable) JSON {"IMAGE FILE NAME": [[x, y], ...]}: places in
                                    original top-down pixels where an earlier model fired on
                                    healthy tissue (tools/mine-hard-negatives.py) */
  double hard_negative_share;    /* share of background patches centred on those places (0) */
  MscAugmentParams augment;      /* default: msc_augment_params_init_default */
  /* optimisation */
  guint steps;                   /* total steps (1000) */
  MscOptimConfig optim;          /* AdamW 0.9/0.999/1e-8, weight decay 1e-4 */
  MscLrSchedule lr;              /* warm-up + cosine, base 1e-3, warm-up 5% */
  double pos_weight;             /* BCE positive weight (4) */
  double dice_weight;            /* loss = dice_weight Dice + BCE (+ CE) (1) */
  double class_weights[3];       /* [background, benign, malignant]; all 0 = 1 each. FLAT:
                                    CE class weights. HIERARCHICAL: each patch's BCE
                                    weight by its class: abnormal negatives w[0],
                                    positives w[1] (benign) or w[2] (malignant);
                                    malignant negatives w[1], positives w[2] */
  MscTrainStage stages[MSC_TRAINER_MAX_STAGES];
  guint n_stages;                /* 0 = everything trains at the schedule's rate */
  guint64 seed;
  /* bookkeeping */
  const char *output_dir;        /* checkpoints, train-log.csv, training.png */
  guint checkpoint_every;        /* steps; 0 = only at the end */
  guint keep_checkpoints;        /* newest kept (2) */
  guint eval_every;              /* steps between validation runs (50); 0 = never */
  guint val_patches;             /* fixed validation patches (64) */
  guint patience;                /* evaluations without improvement before stopping; 0 = off */
  double min_delta;              /* improvement that counts (1e-4) */
  guint n_threads;               /* model kernel threads (0 = processors) */
  gboolean prefetch;             /* build the next batch on a thread (TRUE) */
} MscTrainerConfig;

#define MSC_TRAINER_DEFAULT_STEPS "median,mask,artefacts,orient,crop,resample,clahe,normalize"

void     msc_trainer_config_init  (MscTrainerConfig *cfg);
/* INVALID naming the field for anything out of range. */
gboolean msc_trainer_config_check (const MscTrainerConfig *cfg, GError **error);
/* SHA-256 hex of everything that changes the trained weights (not the
 * output folder, cache budget, checkpoint cadence, threads or prefetch),
 * the graph file's bytes included. (transfer full) */
char    *msc_trainer_config_hash  (const MscTrainerConfig *cfg, GError **error);

typedef struct _MscTrainer MscTrainer;

/* train/val: case indices into manifest (val may be empty: no evaluation,
 * no early stopping). The config's strings are copied. */
MscTrainer *msc_trainer_new  (const MscTrainerConfig *cfg, MscManifest *manifest,
                              const guint *train, guint n_train,
                              const guint *val, guint n_val, GError **error);
void        msc_trainer_free (MscTrainer *self);                 /* NULL-safe */

/* Called after every step; val_metric is NAN except after an evaluation.
 * Returning FALSE stops the run like a cancellation. */
typedef gboolean (*MscTrainProgress) (guint step, double loss, double lr, double val_metric,
                                      gpointer user_data);

/* Trains to cfg->steps (or early stop), resuming from the newest
 * checkpoint in output_dir when there is one. Writes
 * checkpoint-NNNNNNNN.safetensors every checkpoint_every steps and at the
 * end, train-log.csv (step,loss,lr,val_metric) and training.png. A
 * cancellation (or progress returning FALSE) returns FALSE with
 * MSC_TRAIN_ERROR_CANCELLED before the next step starts. */
gboolean    msc_trainer_run  (MscTrainer *self, MscTrainProgress progress, gpointer user_data,
                              GCancellable *cancellable, GError **error);

/* (transfer none) the model being trained. */
MscModel   *msc_trainer_get_model     (MscTrainer *self);
/* Steps done (after a resume, counting those before it). */
guint       msc_trainer_get_step      (const MscTrainer *self);
/* TRUE when the last run ended by early stopping. */
gboolean    msc_trainer_get_stopped_early (const MscTrainer *self);
/* Best validation metric so far (NAN before any evaluation). */
double      msc_trainer_get_best_metric (const MscTrainer *self);
/* Mean Dice (segmentation) or lesion-vs-background AUC (classification
 * only: of 1 - p(background) for a flat head, sigmoid(abnormal) for a
 * hierarchical one) on the fixed validation patches, or on patches of
 * cases when given; higher is better. */
gboolean    msc_trainer_evaluate      (MscTrainer *self, const guint *cases, guint n_cases,
                                       double *metric, GError **error);

typedef struct {
  guint64 hits, misses, evictions;
  gsize bytes, peak_bytes, budget;
} MscTrainerCacheStats;

void        msc_trainer_get_cache_stats (const MscTrainer *self, MscTrainerCacheStats *stats);

/* Checkpoint files in folder, newest (highest step) first (transfer full),
 * empty when none. */
GPtrArray  *msc_trainer_list_checkpoints (const char *folder, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscTrainer, msc_trainer_free)

G_END_DECLS
