/* engine/train/msc-mpl.h — semi-supervised Meta Pseudo Labels (Pham et al.,
 * CVPR 2021) for the lesion mask: a teacher labels unlabelled patches, a
 * student learns from those pseudo-masks only, and the teacher is updated
 * from how much that student step changed the student's loss on labelled
 * patches (the paper's first-order approximation). Both models first train
 * supervised for `warmup` steps so the pseudo-masks mean something. The
 * run's output folder is the trainer's (student checkpoints, train-log.csv,
 * training.png), so `evaluate --model DIR` reads it unchanged.
 *
 *   guint *lab, n_lab, *unl, n_unl;
 *   msc_split_labelled (manifest, train, n_train, 0.25, seed, &lab, &n_lab,
 *                            &unl, &n_unl, &error);
 *   g_autoptr (MscMpl) mpl = msc_mpl_new (&cfg, &mcfg, manifest, lab, n_lab, unl, n_unl,
 *                                         val, n_val, &error);
 *   msc_mpl_run (mpl, progress, NULL, cancellable, &error);
 */
#pragma once

#include "msc-trainer.h"

G_BEGIN_DECLS

typedef struct {
  guint warmup;                 /* supervised steps of both models before MPL (300) */
} MscMplConfig;

void        msc_mpl_config_init (MscMplConfig *cfg);

typedef struct _MscMpl MscMpl;

/* cfg: the trainer's configuration (segmentation task required; a
 * classification head, when configured, trains with CE on labelled
 * batches only). Unlabelled cases are copied into a manifest with no
 * label and no lesion, so nothing but their pixels and breast masks can
 * reach the run. val may be empty. Strings are copied. */
MscMpl     *msc_mpl_new  (const MscTrainerConfig *cfg, const MscMplConfig *mpl,
                          MscManifest *manifest, const guint *labelled, guint n_labelled,
                          const guint *unlabelled, guint n_unlabelled,
                          const guint *val, guint n_val, GError **error);
void        msc_mpl_free (MscMpl *self);                       /* NULL-safe */

/* Trains to cfg->steps (or early stop), resuming from the newest student
 * checkpoint (and the teacher's of the same step) in output_dir. progress
 * gets the student's training loss (labelled in the warm-up, pseudo-masks
 * after); returning FALSE or a cancellation stops before the next step
 * with MSC_TRAIN_ERROR_CANCELLED. Writes checkpoint-NNNNNNNN.safetensors
 * (student) and teacher-NNNNNNNN.safetensors, train-log.csv, mpl-log.csv
 * (step, phase, student and teacher loss, L_old, L_new, h) and
 * training.png. */
gboolean    msc_mpl_run  (MscMpl *self, MscTrainProgress progress, gpointer user_data,
                          GCancellable *cancellable, GError **error);

/* (transfer none) */
MscModel   *msc_mpl_get_student (MscMpl *self);
MscModel   *msc_mpl_get_teacher (MscMpl *self);
guint       msc_mpl_get_step    (const MscMpl *self);
gboolean    msc_mpl_get_stopped_early (const MscMpl *self);
double      msc_mpl_get_best_metric   (const MscMpl *self);

/* What the last MPL step measured (all NAN in the warm-up): the student's
 * labelled loss before and after its pseudo-label step, and h = L_old - L_new,
 * the scale of the teacher's pseudo-label term. */
typedef struct {
  double l_old, l_new, h;
  double teacher_loss;          /* supervised + h x BCE */
} MscMplStats;

void        msc_mpl_get_stats (const MscMpl *self, MscMplStats *stats);

/* Segmentation loss (dice_weight Dice + weighted BCE) of the student in
 * eval mode on n fixed, unaugmented labelled patches (the same patches on
 * every call). */
gboolean    msc_mpl_labelled_loss (MscMpl *self, guint n, double *loss, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscMpl, msc_mpl_free)

G_END_DECLS
