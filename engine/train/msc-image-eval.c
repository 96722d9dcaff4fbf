/* engine/train/msc-image-eval.c — image-level records and the metrics of
 * one evaluation (one fold) from them: normal-vs-abnormal and
 * benign-vs-malignant ROC/PR/AUC with bootstrap intervals, lesion Dice and
 * FROC by lesion type, as JSON and plots. All curve and AUC arithmetic is
 * msc-metrics.h's; this file only picks the subsets and counts.
 */
#include "msc-image-eval.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-load.h"
#include "msc-metrics.h"
#include "msc-plot.h"

/* ---- records ------------------------------------------------------------ */

static void
lesion_free (gpointer p)
{
  MscImageEvalLesion *l = p;
  if (l == NULL)
    return;
  msc_plane_free (l->mask);
  g_free (l->type);
  g_free (l);
}

MscImageEvalRecord *
msc_image_eval_record_new (const char *path, const char *patient, MscLabel label)
{
  MscImageEvalRecord *r = g_new0 (MscImageEvalRecord, 1);
  r->path = g_strdup (path);
  r->patient = g_strdup (patient);
  r->label = label;
  r->findings = g_array_new (FALSE, FALSE, sizeof (MscImageEvalFinding));
  r->lesions = g_ptr_array_new_with_free_func (lesion_free);
  return r;
}

void
msc_image_eval_record_free (MscImageEvalRecord *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->patient);
  g_array_unref (self->findings);
  g_ptr_array_unref (self->lesions);
  g_free (self);
}

void
msc_image_eval_record_add_finding (MscImageEvalRecord *self, double score, double x, double y)
{
  MscImageEvalFinding f = { score, x, y };
  g_array_append_val (self->findings, f);
}

static MscImageEvalLesion *
lesion_new (const char *type, MscLabel severity)
{
  MscImageEvalLesion *l = g_new0 (MscImageEvalLesion, 1);
  l->type = g_strdup (type);
  l->severity = severity;
  return l;
}

void
msc_image_eval_record_add_circle (MscImageEvalRecord *self, double x, double y, double radius,
                                  const char *type, MscLabel severity)
{
  MscImageEvalLesion *l = lesion_new (type, severity);
  l->x = x;
  l->y = y;
  l->radius = radius;
  g_ptr_array_add (self->lesions, l);
}

gboolean
msc_image_eval_lesion_contains (const MscImageEvalLesion *l, double x, double y)
{
  if (l->mask == NULL)
    return (x - l->x) * (x - l->x) + (y - l->y) * (y - l->y) <= l->radius * l->radius;
  /* The pixel under the point, as msc_metrics_froc reads masks (NaN misses). */
  double rx = floor (x + 0.5), ry = floor (y + 0.5);
  if (!(rx >= 0 && ry >= 0 && rx < msc_plane_get_width (l->mask)
        && ry < msc_plane_get_height (l->mask)))
    return FALSE;
  return msc_plane_peek_u8 (l->mask)[(gsize) ry * msc_plane_get_width (l->mask) + (gsize) rx] != 0;
}

guint
msc_image_eval_record_lesions_hit (const MscImageEvalRecord *self)
{
  guint hit = 0;
  for (guint i = 0; i < self->lesions->len; i++)
    for (guint k = 0; k < self->findings->len; k++)
      {
        const MscImageEvalFinding *f = &g_array_index (self->findings, MscImageEvalFinding, k);
        if (msc_image_eval_lesion_contains (self->lesions->pdata[i], f->x, f->y))
          {
            hit++;
            break;
          }
      }
  return hit;
}

/* A mask file as a U8 0/255 plane; any non-zero stored value is lesion. */
static MscPlane *
load_mask (const char *path, guint width, guint height, GError **error)
{
  g_autoptr (MscImage) img = msc_image_load (path, NULL, error);
  if (img == NULL)
    return NULL;
  g_autoptr (MscPlane) raw = msc_plane_new_from_image (img, FALSE, error);
  if (raw == NULL)
    return NULL;
  if (msc_plane_get_width (raw) != width || msc_plane_get_height (raw) != height)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: mask is %u x %u pixels, the image %u x %u"), path,
                   msc_plane_get_width (raw), msc_plane_get_height (raw), width, height);
      return NULL;
    }
  MscPlane *mask = msc_plane_new (MSC_PLANE_U8, width, height, error);
  if (mask == NULL)
    return NULL;
  const guint16 *src = msc_plane_peek_u16 (raw);
  guint8 *dst = msc_plane_u8 (mask);
  for (gsize i = 0; i < (gsize) width * height; i++)
    dst[i] = src[i] ? 255 : 0;
  return mask;
}

/* Centre of a mask's bounding box (a label for JSON, not used for hits). */
static void
mask_centre (const MscPlane *mask, double *x, double *y)
{
  guint w = msc_plane_get_width (mask), h = msc_plane_get_height (mask);
  guint x0 = w, y0 = h, x1 = 0, y1 = 0;
  const guint8 *m = msc_plane_peek_u8 (mask);
  for (guint j = 0; j < h; j++)
    for (guint i = 0; i < w; i++)
      if (m[(gsize) j * w + i])
        {
          x0 = MIN (x0, i), x1 = MAX (x1, i);
          y0 = MIN (y0, j), y1 = MAX (y1, j);
        }
  *x = x0 <= x1 ? (x0 + x1) / 2.0 : NAN;
  *y = y0 <= y1 ? (y0 + y1) / 2.0 : NAN;
}

/* The union of the record's lesion regions on its grid, U8 0/255. */
static MscPlane *
truth_union (const MscImageEvalRecord *self, GError **error)
{
  MscPlane *u = msc_plane_new (MSC_PLANE_U8, self->width, self->height, error);
  if (u == NULL)
    return NULL;
  guint8 *px = msc_plane_u8 (u);
  for (guint i = 0; i < self->lesions->len; i++)
    {
      const MscImageEvalLesion *l = self->lesions->pdata[i];
      if (l->mask)
        {
          const guint8 *m = msc_plane_peek_u8 (l->mask);
          for (gsize k = 0; k < (gsize) self->width * self->height; k++)
            px[k] |= m[k];
          continue;
        }
      /* Pixels whose centres lie within the circle (the boundary counts,
       * as in the FROC hit rule), only over the circle's box. */
      double r = l->radius;
      gint64 x0 = MAX ((gint64) ceil (l->x - r), 0), x1 = MIN ((gint64) floor (l->x + r),
                                                               (gint64) self->width - 1);
      gint64 y0 = MAX ((gint64) ceil (l->y - r), 0), y1 = MIN ((gint64) floor (l->y + r),
                                                               (gint64) self->height - 1);
      for (gint64 y = y0; y <= y1; y++)
        for (gint64 x = x0; x <= x1; x++)
          if ((x - l->x) * (x - l->x) + (y - l->y) * (y - l->y) <= r * r)
            px[(gsize) y * self->width + (gsize) x] = 255;
    }
  return u;
}

gboolean
msc_image_eval_record_set_truth (MscImageEvalRecord *self, const MscCase *c, guint width,
                                 guint height, const MscPlane *heatmap, double threshold,
                                 GError **error)
{
  self->width = width;
  self->height = height;
  for (guint i = 0; i < c->lesions->len; i++)
    {
      const MscLesion *src = c->lesions->pdata[i];
      if (src->kind == MSC_LESION_CIRCLE)
        {
          msc_image_eval_record_add_circle (self, src->cx, src->cy, src->radius, src->type,
                                            src->severity);
          continue;
        }
      if (src->kind != MSC_LESION_POLYGON && src->kind != MSC_LESION_MASK)
        continue;   /* no geometry: the label counts, Dice and FROC cannot */
      g_autoptr (MscPlane) mask = NULL;
      if (src->kind == MSC_LESION_POLYGON)
        {
          g_autoptr (GPtrArray) one = g_ptr_array_new ();
          g_ptr_array_add (one, src->polygon);
          mask = msc_contour_rasterize (one, width, height, error);
        }
      else
        mask = load_mask (src->mask_path, width, height, error);
      if (mask == NULL)
        return FALSE;
      MscImageEvalLesion *l = lesion_new (src->type, src->severity);
      mask_centre (mask, &l->x, &l->y);
      l->mask = g_steal_pointer (&mask);
      g_ptr_array_add (self->lesions, l);
    }
  self->has_overlap = FALSE;
  if (heatmap == NULL || self->label == MSC_LABEL_NORMAL || self->lesions->len == 0)
    return TRUE;
  g_autoptr (MscPlane) truth = truth_union (self, error);
  MscOverlap ov;
  if (truth == NULL || !msc_metrics_prob_overlap (heatmap, threshold, truth, &ov, error))
    return FALSE;
  self->has_overlap = TRUE;
  self->tp = ov.counts.tp;
  self->fp = ov.counts.fp;
  self->fn = ov.counts.fn;
  return TRUE;
}

/* ---- metrics -------------------------------------------------------------- */

void
msc_image_eval_options_init (MscImageEvalOptions *opts)
{
  opts->threshold = 0.5;
  opts->n_boot = MSC_IMAGE_EVAL_BOOT;
  opts->seed = MSC_IMAGE_EVAL_BOOT_SEED;
}

static const double froc_rates[] = { 0.25, 0.5, 1.0, 2.0 };
static const char *const froc_rate_keys[] = { "0.25", "0.5", "1", "2" };
#define N_RATES G_N_ELEMENTS (froc_rates)

/* One two-class question: scores of the images it covers. */
typedef struct {
  gsize n, n_pos, n_neg;
  MscRoc *roc;               /* NULL when one class is missing */
  MscPrCurve *pr;
  double auc, lower, upper, sens80, sens90;
  MscCounts confusion;       /* at the threshold */
} Binary;

typedef enum { LESIONS_ALL, LESIONS_MASSES, LESIONS_CALCIFICATIONS, N_LESION_SETS } LesionSet;
static const char *const lesion_set_keys[] = { "all", "masses", "calcifications" };

typedef struct {
  gsize n_lesions;
  MscFroc *froc;             /* NULL without lesions of the set */
  double sens[N_RATES];
} Froc;

struct _MscImageEval {
  GPtrArray *records;
  MscImageEvalOptions opts;
  gsize n_normal, n_benign, n_malignant;
  Binary abnormal, malignant;
  guint64 classes[MSC_LABEL_N_CLASSES * MSC_LABEL_N_CLASSES];
  gsize n_dice;
  double dice_mean, dice_pooled;
  MscCounts dice_pixels;
  Froc froc[N_LESION_SETS];
  GPtrArray *notes;          /* char *: why a metric is null */
};

void
msc_image_eval_free (MscImageEval *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->records);
  Binary *bs[] = { &self->abnormal, &self->malignant };
  for (guint i = 0; i < G_N_ELEMENTS (bs); i++)
    {
      msc_metrics_roc_free (bs[i]->roc);
      msc_metrics_pr_free (bs[i]->pr);
    }
  for (guint i = 0; i < N_LESION_SETS; i++)
    msc_metrics_froc_free (self->froc[i].froc);
  g_ptr_array_unref (self->notes);
  g_free (self);
}

static gboolean
binary_compute (Binary *b, const double *scores, const guint8 *labels, gsize n,
                const MscImageEvalOptions *opts, guint64 seed, GError **error)
{
  b->n = n;
  b->auc = b->lower = b->upper = b->sens80 = b->sens90 = NAN;
  for (gsize i = 0; i < n; i++)
    b->n_pos += labels[i] != 0;
  b->n_neg = n - b->n_pos;
  if (n > 0 && !msc_metrics_confusion_binary (scores, labels, n, opts->threshold, &b->confusion,
                                              error))
    return FALSE;
  if (b->n_pos == 0 || b->n_neg == 0)
    return TRUE;   /* undefined, reported as null */
  double t;
  MscRng rng;
  msc_rng_init (&rng, seed);
  b->roc = msc_metrics_roc (scores, labels, n, error);
  b->pr = b->roc ? msc_metrics_pr (scores, labels, n, error) : NULL;
  if (b->pr == NULL
      || !msc_metrics_auc_bootstrap (scores, labels, n, opts->n_boot, 0.95, &rng, &b->lower,
                                     &b->upper, error)
      || !msc_metrics_sensitivity_at_specificity (b->roc, 0.8, &b->sens80, &t, error)
      || !msc_metrics_sensitivity_at_specificity (b->roc, 0.9, &b->sens90, &t, error))
    return FALSE;
  b->auc = b->roc->auc;
  return TRUE;
}

static gboolean
lesion_in_set (const MscImageEvalLesion *l, LesionSet set)
{
  const char *t = l->type ? l->type : "";
  switch (set)
    {
    case LESIONS_MASSES:
      return strcmp (t, "CIRC") == 0 || strcmp (t, "SPIC") == 0 || strcmp (t, "MISC") == 0;
    case LESIONS_CALCIFICATIONS:
      return strcmp (t, "CALC") == 0;
    default:
      return TRUE;
    }
}

/* FROC over every record for one lesion set. A finding on a lesion outside
 * the set (a mark on a calcification, in the masses-only curve) is left
 * out: it found something real, so it is neither a hit nor a false alarm.
 * Findings elsewhere are false positives over ALL images, normal ones too. */
static gboolean
froc_compute (Froc *out, GPtrArray *records, LesionSet set, GError **error)
{
  gsize n = records->len;
  g_autofree MscFrocImage *images = g_new0 (MscFrocImage, n);
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < n; i++)
    {
      const MscImageEvalRecord *r = records->pdata[i];
      MscFrocLesion *ls = g_new0 (MscFrocLesion, MAX (r->lesions->len, 1));
      MscFinding *fs = g_new0 (MscFinding, MAX (r->findings->len, 1));
      g_ptr_array_add (keep, ls);
      g_ptr_array_add (keep, fs);
      gsize nl = 0, nf = 0;
      for (guint k = 0; k < r->lesions->len; k++)
        {
          const MscImageEvalLesion *l = r->lesions->pdata[k];
          if (lesion_in_set (l, set))
            ls[nl++] = (MscFrocLesion) { l->x, l->y, l->radius, l->mask };
        }
      for (guint k = 0; k < r->findings->len; k++)
        {
          const MscImageEvalFinding *f = &g_array_index (r->findings, MscImageEvalFinding, k);
          gboolean in_set = FALSE, other = FALSE;
          for (guint j = 0; j < r->lesions->len; j++)
            {
              const MscImageEvalLesion *l = r->lesions->pdata[j];
              if (msc_image_eval_lesion_contains (l, f->x, f->y))
                {
                  if (lesion_in_set (l, set))
                    in_set = TRUE;
                  else
                    other = TRUE;
                }
            }
          if (in_set || !other)
            fs[nf++] = (MscFinding) { f->score, f->x, f->y };
        }
      images[i] = (MscFrocImage) { fs, nf, ls, nl };
      out->n_lesions += nl;
    }
  for (guint k = 0; k < N_RATES; k++)
    out->sens[k] = NAN;
  if (out->n_lesions == 0)
    return TRUE;
  out->froc = msc_metrics_froc (images, n, error);
  if (out->froc == NULL)
    return FALSE;
  for (guint k = 0; k < N_RATES; k++)
    out->sens[k] = msc_metrics_froc_sensitivity_at (out->froc, froc_rates[k]);
  return TRUE;
}

static void
dice_compute (MscImageEval *self)
{
  double sum = 0;
  MscCounts *c = &self->dice_pixels;
  for (guint i = 0; i < self->records->len; i++)
    {
      const MscImageEvalRecord *r = self->records->pdata[i];
      if (!r->has_overlap)
        continue;
      double both = (double) (2 * r->tp + r->fp + r->fn);
      sum += both == 0 ? 1.0 : 2.0 * (double) r->tp / both;
      c->tp += r->tp, c->fp += r->fp, c->fn += r->fn;
      self->n_dice++;
    }
  double both = (double) (2 * c->tp + c->fp + c->fn);
  self->dice_mean = self->n_dice ? sum / (double) self->n_dice : NAN;
  self->dice_pooled = self->n_dice ? (both == 0 ? 1.0 : 2.0 * (double) c->tp / both) : NAN;
}

static void
note (MscImageEval *self, const char *text)
{
  g_ptr_array_add (self->notes, g_strdup (text));
}

MscImageEval *
msc_image_eval_compute (GPtrArray *records, const MscImageEvalOptions *opts, GError **error)
{
  g_return_val_if_fail (records != NULL, NULL);
  if (records->len == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("no image to evaluate"));
      return NULL;
    }
  g_autoptr (MscImageEval) self = g_new0 (MscImageEval, 1);
  self->records = g_ptr_array_ref (records);
  self->notes = g_ptr_array_new_with_free_func (g_free);
  if (opts)
    self->opts = *opts;
  else
    msc_image_eval_options_init (&self->opts);
  gsize n = records->len;
  g_autofree double *scores = g_new (double, n);
  g_autofree guint8 *labels = g_new (guint8, n);
  g_autofree double *probs = g_new (double, 3 * n);
  g_autofree guint *truth = g_new (guint, n);
  for (gsize i = 0; i < n; i++)
    {
      const MscImageEvalRecord *r = records->pdata[i];
      if (r->label > MSC_LABEL_MALIGNANT)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("%s: unlabelled images cannot be evaluated"), r->path);
          return NULL;
        }
      self->n_normal += r->label == MSC_LABEL_NORMAL;
      self->n_benign += r->label == MSC_LABEL_BENIGN;
      self->n_malignant += r->label == MSC_LABEL_MALIGNANT;
      scores[i] = r->abnormal_probability;
      labels[i] = r->label != MSC_LABEL_NORMAL;
      memcpy (probs + 3 * i, r->class_probabilities, sizeof r->class_probabilities);
      truth[i] = (guint) r->label;
    }
  /* Normal vs abnormal over all images; seeds differ per question so the
   * two intervals do not share resampling noise. */
  if (!binary_compute (&self->abnormal, scores, labels, n, &self->opts, self->opts.seed, error)
      || !msc_metrics_confusion_argmax (probs, truth, n, MSC_LABEL_N_CLASSES, self->classes,
                                        error))
    return NULL;
  if (!self->abnormal.roc)
    note (self, "abnormal: AUC and curves need both normal and abnormal images");
  /* Benign vs malignant on the abnormal images only. */
  gsize m = 0;
  for (gsize i = 0; i < n; i++)
    {
      const MscImageEvalRecord *r = records->pdata[i];
      if (r->label == MSC_LABEL_NORMAL)
        continue;
      scores[m] = r->malignant_probability;
      labels[m++] = r->label == MSC_LABEL_MALIGNANT;
    }
  if (!binary_compute (&self->malignant, scores, labels, m, &self->opts, self->opts.seed + 1,
                       error))
    return NULL;
  if (!self->malignant.roc)
    note (self, "malignant: AUC and curves need both benign and malignant images");
  dice_compute (self);
  if (self->n_dice == 0)
    note (self, "dice: no abnormal image with lesion geometry");
  for (guint s = 0; s < N_LESION_SETS; s++)
    {
      if (!froc_compute (&self->froc[s], records, s, error))
        return NULL;
      if (!self->froc[s].froc)
        {
          g_autofree char *t = g_strdup_printf ("froc.%s: no lesion of this kind with geometry",
                                                lesion_set_keys[s]);
          note (self, t);
        }
    }
  return g_steal_pointer (&self);
}

/* ---- JSON ------------------------------------------------------------------ */

static void
add_number (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_binary (JsonBuilder *b, const char *key, const Binary *s, double threshold)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  add_int (b, "n_positive", (gint64) s->n_pos);
  add_int (b, "n_negative", (gint64) s->n_neg);
  add_number (b, "auc", s->auc);
  json_builder_set_member_name (b, "auc_ci95");
  if (isfinite (s->lower) && isfinite (s->upper))
    {
      json_builder_begin_array (b);
      json_builder_add_double_value (b, s->lower);
      json_builder_add_double_value (b, s->upper);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  add_number (b, "average_precision", s->pr ? s->pr->average_precision : NAN);
  add_number (b, "sensitivity_at_80_specificity", s->sens80);
  add_number (b, "sensitivity_at_90_specificity", s->sens90);
  add_number (b, "threshold", threshold);
  json_builder_set_member_name (b, "confusion");
  json_builder_begin_object (b);
  add_int (b, "tp", (gint64) s->confusion.tp);
  add_int (b, "fp", (gint64) s->confusion.fp);
  add_int (b, "tn", (gint64) s->confusion.tn);
  add_int (b, "fn", (gint64) s->confusion.fn);
  add_number (b, "sensitivity", s->n ? msc_metrics_sensitivity (&s->confusion) : NAN);
  add_number (b, "specificity", s->n ? msc_metrics_specificity (&s->confusion) : NAN);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
add_froc (JsonBuilder *b, const Froc *f)
{
  json_builder_begin_object (b);
  add_int (b, "n_lesions", (gint64) f->n_lesions);
  json_builder_set_member_name (b, "sensitivity_at_fp");
  json_builder_begin_object (b);
  for (guint k = 0; k < N_RATES; k++)
    add_number (b, froc_rate_keys[k], f->sens[k]);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
add_record (JsonBuilder *b, const MscImageEvalRecord *r)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, r->path);
  json_builder_set_member_name (b, "patient");
  json_builder_add_string_value (b, r->patient);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, msc_label_to_string (r->label));
  add_number (b, "abnormal_probability", r->abnormal_probability);
  add_number (b, "malignant_probability", r->malignant_probability);
  json_builder_set_member_name (b, "class_probabilities");
  json_builder_begin_array (b);
  for (guint k = 0; k < 3; k++)
    json_builder_add_double_value (b, r->class_probabilities[k]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint k = 0; k < r->findings->len; k++)
    {
      const MscImageEvalFinding *f = &g_array_index (r->findings, MscImageEvalFinding, k);
      json_builder_begin_object (b);
      add_number (b, "score", f->score);
      json_builder_set_member_name (b, "center");
      json_builder_begin_array (b);
      json_builder_add_double_value (b, f->x);
      json_builder_add_double_value (b, f->y);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_int (b, "lesions", r->lesions->len);
  add_int (b, "lesions_hit", msc_image_eval_record_lesions_hit (r));
  double both = (double) (2 * r->tp + r->fp + r->fn);
  add_number (b, "dice", !r->has_overlap ? NAN : both == 0 ? 1.0 : 2.0 * (double) r->tp / both);
  json_builder_end_object (b);
}

JsonNode *
msc_image_eval_to_json (const MscImageEval *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "level");
  json_builder_add_string_value (b, "image");
  add_int (b, "n_images", self->records->len);
  add_int (b, "n_normal", (gint64) self->n_normal);
  add_int (b, "n_abnormal", (gint64) (self->n_benign + self->n_malignant));
  add_int (b, "n_benign", (gint64) self->n_benign);
  add_int (b, "n_malignant", (gint64) self->n_malignant);
  add_number (b, "threshold", self->opts.threshold);
  add_int (b, "bootstrap_resamples", self->opts.n_boot);
  add_int (b, "bootstrap_seed", (gint64) self->opts.seed);
  add_binary (b, "abnormal", &self->abnormal, self->opts.threshold);
  add_binary (b, "malignant", &self->malignant, self->opts.threshold);

  /* Argmax of the three class probabilities; rows true, columns predicted. */
  json_builder_set_member_name (b, "class_confusion");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint i = 0; i < MSC_LABEL_N_CLASSES; i++)
    json_builder_add_string_value (b, msc_label_to_string (i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "counts");
  json_builder_begin_array (b);
  for (guint i = 0; i < MSC_LABEL_N_CLASSES; i++)
    {
      json_builder_begin_array (b);
      for (guint j = 0; j < MSC_LABEL_N_CLASSES; j++)
        json_builder_add_int_value (b, (gint64) self->classes[i * MSC_LABEL_N_CLASSES + j]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "dice");
  json_builder_begin_object (b);
  add_int (b, "n_images", (gint64) self->n_dice);
  add_number (b, "mean", self->dice_mean);
  add_number (b, "pooled", self->dice_pooled);
  json_builder_set_member_name (b, "pixels");
  json_builder_begin_object (b);
  add_int (b, "tp", (gint64) self->dice_pixels.tp);
  add_int (b, "fp", (gint64) self->dice_pixels.fp);
  add_int (b, "fn", (gint64) self->dice_pixels.fn);
  json_builder_end_object (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "froc");
  json_builder_begin_object (b);
  for (guint s = 0; s < N_LESION_SETS; s++)
    {
      json_builder_set_member_name (b, lesion_set_keys[s]);
      add_froc (b, &self->froc[s]);
    }
  json_builder_end_object (b);
  add_number (b, "mass_sensitivity_at_1fp", self->froc[LESIONS_MASSES].sens[2]);

  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->notes->len; i++)
    json_builder_add_string_value (b, self->notes->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "per_image");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->records->len; i++)
    add_record (b, self->records->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- plots ------------------------------------------------------------------ */

static gboolean
plot_roc (const char *dir, const char *name, const char *title, const char *label,
          const Binary *s, GPtrArray *skipped, GError **error)
{
  if (s->roc == NULL)
    {
      g_ptr_array_add (skipped, g_strdup (name));
      return TRUE;
    }
  g_autofree char *path = g_build_filename (dir, name, NULL);
  MscPlotSeries r = { .label = label, .x = s->roc->fpr, .y = s->roc->tpr,
                      .n = s->roc->n_points };
  return msc_plot_roc (path, 640, 640, title, &r, 1, error);
}

gboolean
msc_image_eval_write_plots (const MscImageEval *self, const char *dir, GPtrArray **skipped,
                            GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED, "%s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  g_autoptr (GPtrArray) skip = g_ptr_array_new_with_free_func (g_free);
  if (!plot_roc (dir, "roc-abnormal.png", _("ROC, normal vs abnormal images"), _("abnormal"),
                 &self->abnormal, skip, error)
      || !plot_roc (dir, "roc-malignant.png", _("ROC, benign vs malignant images"),
                    _("malignant"), &self->malignant, skip, error))
    return FALSE;
  if (self->abnormal.pr)
    {
      g_autofree char *path = g_build_filename (dir, "pr-abnormal.png", NULL);
      g_autofree char *label = g_strdup_printf (_("abnormal (AP %.3f)"),
                                                self->abnormal.pr->average_precision);
      MscPlotSeries p = { .label = label, .x = self->abnormal.pr->recall,
                          .y = self->abnormal.pr->precision, .n = self->abnormal.pr->n_points };
      if (!msc_plot_pr (path, 640, 640, _("Precision-recall, normal vs abnormal images"), &p, 1,
                        error))
        return FALSE;
    }
  else
    g_ptr_array_add (skip, g_strdup ("pr-abnormal.png"));
  const char *names[] = { _("all lesions"), _("masses"), _("calcifications") };
  MscPlotSeries fs[N_LESION_SETS];
  gsize n_fs = 0;
  for (guint s = 0; s < N_LESION_SETS; s++)
    if (self->froc[s].froc)
      fs[n_fs++] = (MscPlotSeries) { .label = names[s], .x = self->froc[s].froc->fp_per_image,
                                     .y = self->froc[s].froc->sensitivity,
                                     .n = self->froc[s].froc->n_points };
  if (n_fs > 0)
    {
      g_autofree char *path = g_build_filename (dir, "froc.png", NULL);
      if (!msc_plot_froc (path, 640, 640, _("FROC, lesion detection"), fs, n_fs, error))
        return FALSE;
    }
  else
    g_ptr_array_add (skip, g_strdup ("froc.png"));
  if (skipped)
    *skipped = g_steal_pointer (&skip);
  return TRUE;
}
