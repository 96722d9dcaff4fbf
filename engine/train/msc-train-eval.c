/* engine/train/msc-train-eval.c — patch-level scoring of a trained model:
 * the trainer's data side (msc-trainer-private.h) builds the fixed
 * validation patches, the model scores them one batch at a time.
 */
#include "msc-train-eval.h"

#include <math.h>
#include <string.h>

#include "msc-graph.h"
#include "msc-i18n.h"
#include "msc-trainer-private.h"

void
msc_patch_scores_free (MscPatchScores *self)
{
  if (!self)
    return;
  g_free (self->scores);
  g_free (self->labels);
  g_free (self);
}

/* 1 - softmax p(background), computed stably from one row of logits. */
static double
lesion_probability (const float *row, guint n_classes)
{
  double mx = row[0], z = 0;
  for (guint c = 1; c < n_classes; c++)
    mx = MAX (mx, row[c]);
  for (guint c = 0; c < n_classes; c++)
    z += exp (row[c] - mx);
  return 1.0 - exp (row[0] - mx) / z;
}

/* head: the resolved classifier (AUTO = none, the mask scores). */
static void
score_batch (MscPatchScores *s, MscModel *model, const MscTrainerConfig *cfg,
             MscTrainClassifier head, guint n_classes, const MscTrainBatch *b, gsize first)
{
  gsize per = (gsize) cfg->patch_size * cfg->patch_size;
  const float *mask = s->has_mask
    ? msc_tensor_data ((MscTensor *) msc_model_get_output (model, cfg->seg_output)) : NULL;
  const float *cls = head == MSC_TRAIN_CLASSIFIER_FLAT
    ? msc_tensor_data ((MscTensor *) msc_model_get_output (model, cfg->class_output)) : NULL;
  const float *abnormal = head == MSC_TRAIN_CLASSIFIER_HIERARCHICAL
    ? msc_tensor_data ((MscTensor *) msc_model_get_output (model, cfg->abnormal_output)) : NULL;
  for (guint i = 0; i < b->n; i++)
    {
      double best = 0;
      gboolean any = FALSE;
      for (gsize k = (gsize) i * per; mask && k < (gsize) (i + 1) * per; k++)
        {
          /* sigmoid(x) >= 0.5 exactly when x >= 0 */
          gboolean p = mask[k] >= 0, t = b->seg_target[k] > 0.5f;
          s->pixels.tp += p && t;
          s->pixels.fp += p && !t;
          s->pixels.fn += !p && t;
          s->pixels.tn += !p && !t;
          best = MAX (best, 1.0 / (1.0 + exp (-(double) mask[k])));
          any |= t;
        }
      if (cls || abnormal)
        {
          s->scores[first + i] = cls ? lesion_probability (cls + (gsize) i * n_classes, n_classes)
                                     : 1.0 / (1.0 + exp (-(double) abnormal[i]));
          s->labels[first + i] = b->class_target[i] > 0;
        }
      else
        {
          s->scores[first + i] = best;
          s->labels[first + i] = any;
        }
    }
}

MscPatchScores *
msc_train_eval_patches (const MscTrainerConfig *cfg, MscManifest *manifest, MscModel *model,
                        const guint *cases, guint n_cases, guint n_patches, GError **error)
{
  if (n_cases == 0 || n_patches == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("%s: no cases to evaluate"),
                   msc_manifest_get_path (manifest));
      return NULL;
    }
  MscTrainClassifier head;
  guint n_classes;
  if (!msc_trainer_resolve_head (cfg, msc_model_get_graph (model), &head, &n_classes, error))
    {
      g_prefix_error (error, "%s: ", cfg->graph_path);
      return NULL;
    }
  g_autoptr (MscPatchScores) s = g_new0 (MscPatchScores, 1);
  s->n = n_patches;
  s->scores = g_new0 (double, n_patches);
  s->labels = g_new0 (guint8, n_patches);
  s->has_mask = (cfg->tasks & MSC_TRAIN_TASK_SEGMENTATION) != 0;
  MscTrainData *data = msc_train_data_new (cfg, manifest, cases, n_cases,
                                           n_classes ? n_classes : 2, error);
  MscTrainBatch *b = data ? msc_train_batch_new (cfg->batch_size, cfg->patch_size, error) : NULL;
  gboolean ok = b != NULL;
  msc_model_set_training (model, FALSE);
  for (guint first = 0; ok && first < n_patches; first += cfg->batch_size)
    {
      /* Stream 2: the trainer's validation patches, so the numbers match
       * what training reported. */
      ok = msc_train_data_fill_fixed (data, cases, n_cases, 2, first, n_patches, b, error);
      g_autoptr (MscTensor) in = ok ? msc_train_batch_view (b, error) : NULL;
      ok = in && msc_model_forward (model, in, error);
      if (ok)
        score_batch (s, model, cfg, head, n_classes, b, first);
    }
  if (b)
    msc_train_batch_free (b);
  if (data)
    msc_train_data_free (data);
  return ok ? g_steal_pointer (&s) : NULL;
}
