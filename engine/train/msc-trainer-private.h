/* engine/train/msc-trainer-private.h — the trainer's data side shared by
 * msc-trainer.c (the run) and msc-trainer-data.c (preprocessing cache,
 * patch batches, prefetch thread). Not installed. */
#pragma once

#include "msc-graph.h"
#include "msc-patches.h"
#include "msc-plane.h"
#include "msc-trainer.h"

G_BEGIN_DECLS

/* One preprocessed image: F32 plane, breast mask (nullable) and the lesion
 * circles mapped into its pixels. */
typedef struct {
  guint case_index;
  MscPlane *image;
  MscPlane *breast;
  MscLesionCircle *circles;
  guint n_circles;
  MscPoint *hard;                 /* hard-negative places mapped into the plane's pixels */
  guint n_hard;
  gsize bytes;
  guint64 last_use;
} MscTrainEntry;

/* One step's inputs and targets, allocated once per slot for the largest
 * patch side of the run; a fill with a smaller side packs its patches
 * densely at the start (the first n * patch * patch floats). */
typedef struct {
  guint step;
  MscTensor *input;          /* (B, 1, Pmax, Pmax) storage */
  float *seg_target;         /* (n, patch, patch) 0/1 */
  gint32 *class_target;      /* (B) 0 = background, 1 benign / lesion, 2 malignant */
  guint n;                   /* patches filled (B) */
  guint patch;               /* side of the filled patches */
  guint max_patch;           /* side the storage was made for */
} MscTrainBatch;

/* (transfer full) the filled patches as an (n, 1, patch, patch) view of
 * b->input's storage (valid while b lives). */
MscTensor *msc_train_batch_view (const MscTrainBatch *b, GError **error);

/* Progressive resizing: the training patch side at step (the stage's
 * patch_size, else cfg->patch_size), and the largest one of the run. */
guint msc_trainer_config_patch_at  (const MscTrainerConfig *cfg, guint step);
/* Fills the schedule's run-length defaults in place: t_max 0 = the run's
 * steps, a warm-up of 0 = 5% of them (at least 1, below t_max). */
void  msc_trainer_config_resolve_schedule (MscTrainerConfig *cfg);
guint msc_trainer_config_max_patch (const MscTrainerConfig *cfg);

/* The classification head cfg asks of graph: FLAT with *n_classes 2 or
 * 3, HIERARCHICAL (*n_classes 3: benign and malignant targets kept
 * apart), or AUTO with *n_classes 0 when cfg has no classification task.
 * INVALID naming the graph and the outputs it lacks. */
gboolean msc_trainer_resolve_head (const MscTrainerConfig *cfg, const MscGraph *graph,
                                   MscTrainClassifier *kind, guint *n_classes, GError **error);

/* The hierarchical head's loss for n patches with class targets 0/1/2:
 * the mean over all patches of w[t] BCE(abnormal, t > 0), plus the mean
 * over lesion patches of w[t] BCE(malignant, t == 2) (0 without lesion
 * patches). ACCUMULATES dLoss/dlogit into d_abnormal and d_malignant
 * (nullable); background rows of d_malignant are left untouched. */
double msc_trainer_hierarchical_loss (const float *abnormal, const float *malignant,
                                      const gint32 *class_target, guint n, const float weights[3],
                                      float *d_abnormal, float *d_malignant);

typedef struct _MscTrainData MscTrainData;

/* cfg and manifest must outlive the source. classes: 2 or 3 (class codes). */
MscTrainData *msc_train_data_new   (const MscTrainerConfig *cfg, MscManifest *manifest,
                                    const guint *train, guint n_train, guint n_classes,
                                    GError **error);
void          msc_train_data_free  (MscTrainData *self);
/* The preprocessed case through the cache (transfer none: valid until the
 * next get). Only one thread may call it at a time. */
const MscTrainEntry *msc_train_data_get (MscTrainData *self, guint case_index, GError **error);
void          msc_train_data_cache_stats (const MscTrainData *self, MscTrainerCacheStats *stats);

MscTrainBatch *msc_train_batch_new  (guint batch, guint patch, GError **error);
void           msc_train_batch_free (MscTrainBatch *b);

/* Fills b for step from an RNG derived from (seed, step) only. */
gboolean msc_train_data_fill (MscTrainData *self, guint step, MscTrainBatch *b, GError **error);
/* Validation patches: patch j (first <= j < total) comes from
 * cases[j % n_cases] with an RNG from (seed, stream, j), no augmentation;
 * b->n = min (B, total - first). */
gboolean msc_train_data_fill_fixed (MscTrainData *self, const guint *cases, guint n_cases,
                                    guint64 stream, guint first, guint total, MscTrainBatch *b,
                                    GError **error);

/* Prefetch: start_step asks the worker for step; take waits for it and
 * returns the filled slot (FALSE with the worker's error). */
gboolean       msc_train_data_start_prefetch (MscTrainData *self, GError **error);
void           msc_train_data_request (MscTrainData *self, guint step);
MscTrainBatch *msc_train_data_take    (MscTrainData *self, guint step, GError **error);
/* Waits until the worker has nothing in hand (before a run starts again). */
void           msc_train_data_drain   (MscTrainData *self);

G_END_DECLS
