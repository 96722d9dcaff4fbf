/* engine/train/msc-analyze-findings.c — the kept result of one analysis and
 * the findings re-extracted from its probability map at any threshold, so
 * a viewer can move the threshold without running the model again.
 */
#include "msc-analyze-private.h"

#include <math.h>

#include "msc-components.h"
#include "msc-geometry.h"

struct _MscAnalysis {
  MscPlane *heat;               /* F32 0..1, original grid */
  MscClassProbabilities probs;
  double row_mm, col_mm, min_area_mm2, seconds;
};

MscAnalysis *
msc_analysis_new (MscPlane *heat, const MscClassProbabilities *probs, double row_mm,
                  double col_mm, double min_area_mm2, double seconds)
{
  MscAnalysis *self = g_new0 (MscAnalysis, 1);
  self->heat = heat;
  self->probs = *probs;
  self->row_mm = row_mm;
  self->col_mm = col_mm;
  self->min_area_mm2 = min_area_mm2;
  self->seconds = seconds;
  return self;
}

void
msc_analysis_free (MscAnalysis *self)
{
  if (self == NULL)
    return;
  msc_plane_free (self->heat);
  g_free (self);
}

const MscPlane *msc_analysis_get_heatmap (const MscAnalysis *self) { return self->heat; }
double msc_analysis_get_seconds (const MscAnalysis *self) { return self->seconds; }

void
msc_analysis_get_class_probabilities (const MscAnalysis *self, MscClassProbabilities *out)
{
  *out = self->probs;
}

double
msc_analysis_get_abnormal_probability (const MscAnalysis *self)
{
  return self->probs.benign + self->probs.malignant;
}

/* P(malignant | abnormal): what the hierarchical head's second stage says;
 * for a 3-class head, malignant / (benign + malignant). */
double
msc_analysis_get_malignant_probability (const MscAnalysis *self)
{
  double ab = self->probs.benign + self->probs.malignant;
  return ab > 0 ? self->probs.malignant / ab : 0.0;
}

/* The polygon with the largest area among polys (transfer none). */
static GArray *
largest_polygon (GPtrArray *polys)
{
  GArray *best = NULL;
  double best_area = -1;
  for (guint i = 0; i < polys->len; i++)
    {
      double a = msc_contour_area_mm2 (polys->pdata[i], 1.0, 1.0);
      if (a > best_area)
        {
          best_area = a;
          best = polys->pdata[i];
        }
    }
  return best;
}

/* One component: its pixels (others zeroed) in a crop one pixel wider than
 * its box, traced at threshold; the outer polygon moved back. */
static MscFinding *
component_finding (const MscAnalysis *self, const MscLabels *labels, guint label,
                   double threshold)
{
  const MscComponent *c = msc_labels_get (labels, label);
  guint w = msc_plane_get_width (self->heat), h = msc_plane_get_height (self->heat);
  guint x0 = c->x > 0 ? c->x - 1 : 0, y0 = c->y > 0 ? c->y - 1 : 0;
  guint x1 = MIN (w, c->x + c->width + 1), y1 = MIN (h, c->y + c->height + 1);
  g_autoptr (MscPlane) crop = msc_plane_new (MSC_PLANE_F32, x1 - x0, y1 - y0, NULL);
  if (crop == NULL)
    return NULL;
  float *dst = msc_plane_f32 (crop);
  const float *src = msc_plane_peek_f32 (self->heat);
  const guint32 *lab = msc_labels_peek (labels);
  double score = 0, sx = 0, sy = 0, s = 0;
  for (guint y = y0; y < y1; y++)
    for (guint x = x0; x < x1; x++)
      {
        gsize i = (gsize) y * w + x;
        if (lab[i] != label)
          continue;
        float p = src[i];
        dst[(gsize) (y - y0) * (x1 - x0) + (x - x0)] = p;
        score = MAX (score, p);
        sx += p * x;
        sy += p * y;
        s += p;
      }
  g_autoptr (GPtrArray) polys = msc_contour_trace (crop, threshold, NULL);
  GArray *outer = polys ? largest_polygon (polys) : NULL;
  if (outer == NULL || s <= 0)
    return NULL;
  MscFinding *f = g_new0 (MscFinding, 1);
  f->contour = msc_contour_simplify (outer, 0.5);
  for (guint k = 0; k < f->contour->len; k++)
    {
      MscPoint *pt = &g_array_index (f->contour, MscPoint, k);
      pt->x += x0;
      pt->y += y0;
    }
  f->score = score;
  f->center_x = sx / s;
  f->center_y = sy / s;
  f->area_mm2 = msc_contour_area_mm2 (outer, self->row_mm, self->col_mm);
  f->bbox_x = c->x;
  f->bbox_y = c->y;
  f->bbox_width = c->width;
  f->bbox_height = c->height;
  return f;
}

static gint
by_score (gconstpointer a, gconstpointer b)
{
  const MscFinding *fa = *(MscFinding * const *) a, *fb = *(MscFinding * const *) b;
  return (fa->score < fb->score) - (fa->score > fb->score);
}

/* Regions under the card's min_area_mm2 are dropped: single noisy pixels
 * would otherwise each be a "finding". Without a known spacing nothing is
 * dropped (areas are 0 then). */
GPtrArray *
msc_analysis_findings (const MscAnalysis *self, double threshold)
{
  g_return_val_if_fail (self != NULL, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_finding_free);
  threshold = CLAMP (threshold, 1e-6, 1.0);
  guint w = msc_plane_get_width (self->heat), h = msc_plane_get_height (self->heat);
  g_autoptr (MscPlane) mask = msc_plane_new (MSC_PLANE_U8, w, h, NULL);
  if (mask == NULL)
    return out;
  guint8 *m = msc_plane_u8 (mask);
  const float *p = msc_plane_peek_f32 (self->heat);
  for (gsize i = 0; i < (gsize) w * h; i++)
    m[i] = p[i] >= threshold ? 255 : 0;
  g_autoptr (MscLabels) labels = msc_components_label (mask, 8, NULL);
  for (guint l = 1; labels && l <= msc_labels_get_n (labels); l++)
    {
      MscFinding *f = component_finding (self, labels, l, threshold);
      if (f == NULL)
        continue;
      gboolean known = self->row_mm > 0 && self->col_mm > 0;
      if (known && f->area_mm2 < self->min_area_mm2)
        msc_finding_free (f);
      else
        g_ptr_array_add (out, f);
    }
  g_ptr_array_sort (out, by_score);
  return out;
}
