/* engine/train/msc-image-eval-run.c — the analyzer loop of image-level
 * evaluation: each case's image through msc_analyze_image, kept as an
 * MscImageEvalRecord (probabilities, findings, lesion geometry, Dice
 * counts); the heatmap itself is dropped after each image, so memory does
 * not grow with the number of images. Separate from msc-image-eval.c
 * because msc-analyze.h and msc-metrics.h cannot be included together.
 */
#include "msc-image-eval.h"

#include "msc-analyze.h"
#include "msc-i18n.h"
#include "msc-load.h"

static MscImageEvalRecord *
run_one (MscAnalyzer *analyzer, const MscCase *c, double threshold, GCancellable *cancellable,
         GError **error)
{
  g_autoptr (MscImage) image = msc_image_load (c->image_path, NULL, error);
  if (image == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (MscAnalysis) a = msc_analyze_image (analyzer, image, cancellable, &local);
  if (a == NULL)
    {
      /* Cancellation keeps its code; other problems name the image. */
      if (g_error_matches (local, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, local->domain, local->code, "%s: %s", c->image_path,
                     local->message);
      return NULL;
    }
  g_autoptr (MscImageEvalRecord) r = msc_image_eval_record_new (c->image_path, c->patient,
                                                                c->label);
  MscClassProbabilities p;
  msc_analysis_get_class_probabilities (a, &p);
  r->class_probabilities[0] = p.normal;
  r->class_probabilities[1] = p.benign;
  r->class_probabilities[2] = p.malignant;
  r->abnormal_probability = msc_analysis_get_abnormal_probability (a);
  r->malignant_probability = msc_analysis_get_malignant_probability (a);
  g_autoptr (GPtrArray) findings = msc_analysis_findings (a, threshold);
  for (guint k = 0; k < findings->len; k++)
    {
      const MscFinding *f = findings->pdata[k];
      msc_image_eval_record_add_finding (r, f->score, f->center_x, f->center_y);
    }
  const MscPlane *heat = msc_analysis_get_heatmap (a);
  if (!msc_image_eval_record_set_truth (r, c, msc_plane_get_width (heat),
                                        msc_plane_get_height (heat), heat, threshold, &local))
    {
      g_set_error (error, local->domain, local->code, "%s: %s", c->image_path, local->message);
      return NULL;
    }
  return g_steal_pointer (&r);
}

GPtrArray *
msc_image_eval_run (MscAnalyzer *analyzer, MscManifest *manifest, const guint *cases,
                    guint n_cases, double threshold, MscImageEvalProgress progress,
                    gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (analyzer != NULL && manifest != NULL, NULL);
  if (threshold <= 0)
    threshold = msc_analyzer_get_threshold (analyzer);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (
    (GDestroyNotify) msc_image_eval_record_free);
  for (guint i = 0; i < n_cases; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED,
                       _("evaluation cancelled"));
          return NULL;
        }
      if (cases[i] >= msc_manifest_get_n_cases (manifest))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("case %u is out of range (%u cases)"), cases[i],
                       msc_manifest_get_n_cases (manifest));
          return NULL;
        }
      const MscCase *c = msc_manifest_get_case (manifest, cases[i]);
      if (c->label != MSC_LABEL_UNLABELLED)
        {
          MscImageEvalRecord *r = run_one (analyzer, c, threshold, cancellable, error);
          if (r == NULL)
            return NULL;
          g_ptr_array_add (records, r);
        }
      if (progress)
        progress (i + 1, n_cases, c->image_path, user_data);
    }
  return g_steal_pointer (&records);
}

GPtrArray *
msc_image_eval_run_bundle (const char *model_dir, const MscImageEvalRunOptions *opts,
                           MscManifest *manifest, const guint *cases, guint n_cases,
                           MscImageEvalProgress progress, gpointer user_data,
                           GCancellable *cancellable, double *threshold_used, char **sha256,
                           GError **error)
{
  g_autoptr (MscAnalyzer) analyzer = msc_analyzer_load (model_dir, error);
  if (analyzer == NULL)
    return NULL;
  double threshold = opts && opts->threshold > 0 ? opts->threshold
                                                  : msc_analyzer_get_threshold (analyzer);
  if (opts)
    {
      msc_analyzer_set_assumed_spacing (analyzer, opts->assumed_spacing_mm);
      msc_analyzer_set_threads (analyzer, opts->n_threads);
    }
  GPtrArray *records = msc_image_eval_run (analyzer, manifest, cases, n_cases, threshold,
                                           progress, user_data, cancellable, error);
  if (records == NULL)
    return NULL;
  if (threshold_used)
    *threshold_used = threshold;
  if (sha256)
    *sha256 = g_strdup (msc_analyzer_get_sha256 (analyzer));
  return records;
}
