/* engine/train/msc-metrics-froc.c — free-response ROC for lesion detection:
 * findings {score, centre} matched to ground-truth circles or masks, swept
 * over the score threshold into (false positives per image, sensitivity).
 * Declared in msc-metrics.h; the matching rules are documented there.
 */
#include "msc-metrics.h"

#include <math.h>
#include <stdlib.h>

#include "msc-i18n.h"

void
msc_metrics_froc_free (MscFroc *froc)
{
  if (froc == NULL)
    return;
  g_free (froc->fp_per_image);
  g_free (froc->sensitivity);
  g_free (froc->thresholds);
  g_free (froc);
}

static gboolean
check_lesion (const MscFrocLesion *l, gsize image, gsize index, GError **error)
{
  if (l->mask != NULL)
    {
      if (msc_plane_get_format (l->mask) != MSC_PLANE_U8)
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("image %lu, lesion %lu: the mask must be 8-bit"),
                       (gulong) image, (gulong) index);
          return FALSE;
        }
      return TRUE;
    }
  if (!isfinite (l->x) || !isfinite (l->y) || !isfinite (l->radius) || l->radius < 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("image %lu, lesion %lu: circle (%g, %g) radius %g is not valid"),
                   (gulong) image, (gulong) index, l->x, l->y, l->radius);
      return FALSE;
    }
  return TRUE;
}

static gboolean
lesion_hit (const MscFrocLesion *l, double x, double y)
{
  if (l->mask == NULL)
    return (x - l->x) * (x - l->x) + (y - l->y) * (y - l->y) <= l->radius * l->radius;
  /* Pixel (i, j) covers [i - 0.5, i + 0.5) around its centre: round. */
  double i = floor (x + 0.5), j = floor (y + 0.5);
  if (!(i >= 0 && j >= 0 && i < msc_plane_get_width (l->mask)
        && j < msc_plane_get_height (l->mask)))
    return FALSE;
  gsize at = (gsize) j * msc_plane_get_width (l->mask) + (gsize) i;
  return msc_plane_peek_u8 (l->mask)[at] != 0;
}

/* Matches one image's findings: detected lesions append their best score
 * to tp, findings that hit nothing append theirs to fp. */
static gboolean
match_image (const MscFrocImage *im, gsize index, GArray *tp, GArray *fp, GError **error)
{
  g_autofree double *best = g_new (double, MAX (im->n_lesions, 1));
  for (gsize l = 0; l < im->n_lesions; l++)
    {
      if (!check_lesion (&im->lesions[l], index, l, error))
        return FALSE;
      best[l] = -INFINITY;   /* not detected */
    }
  for (gsize f = 0; f < im->n_findings; f++)
    {
      const MscFinding *fd = &im->findings[f];
      if (!isfinite (fd->score) || !isfinite (fd->x) || !isfinite (fd->y))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("image %lu, finding %lu: score %g at (%g, %g) is not finite"),
                       (gulong) index, (gulong) f, fd->score, fd->x, fd->y);
          return FALSE;
        }
      gboolean hit = FALSE;
      for (gsize l = 0; l < im->n_lesions; l++)
        if (lesion_hit (&im->lesions[l], fd->x, fd->y))
          {
            hit = TRUE;
            best[l] = MAX (best[l], fd->score);
          }
      if (!hit)
        g_array_append_val (fp, fd->score);
    }
  for (gsize l = 0; l < im->n_lesions; l++)
    if (best[l] > -INFINITY)
      g_array_append_val (tp, best[l]);
  return TRUE;
}

static int
double_cmp_desc (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x < y) - (x > y);
}

static void
froc_add_point (MscFroc *froc, gsize tp, gsize fp, double threshold)
{
  gsize k = froc->n_points++;
  froc->fp_per_image[k] = (double) fp / (double) froc->n_images;
  froc->sensitivity[k] = (double) tp / (double) froc->n_lesions;
  froc->thresholds[k] = threshold;
}

MscFroc *
msc_metrics_froc (const MscFrocImage *images, gsize n_images, GError **error)
{
  if (n_images == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY, _("no images to evaluate"));
      return NULL;
    }
  g_return_val_if_fail (images != NULL, NULL);

  g_autoptr (GArray) tp = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) fp = g_array_new (FALSE, FALSE, sizeof (double));
  gsize n_lesions = 0;
  for (gsize i = 0; i < n_images; i++)
    {
      if (!match_image (&images[i], i, tp, fp, error))
        return NULL;
      n_lesions += images[i].n_lesions;
    }
  if (n_lesions == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                   _("FROC needs ground-truth lesions; the %lu images have none"), (gulong) n_images);
      return NULL;
    }
  /* An empty GArray may have no buffer at all: qsort must not see NULL. */
  if (tp->len > 1)
    qsort (tp->data, tp->len, sizeof (double), double_cmp_desc);
  if (fp->len > 1)
    qsort (fp->data, fp->len, sizeof (double), double_cmp_desc);

  /* At most one point per score plus the origin. */
  gsize max_points = (gsize) tp->len + fp->len + 1;
  g_autoptr (MscFroc) froc = g_new0 (MscFroc, 1);
  froc->fp_per_image = g_new (double, max_points);
  froc->sensitivity = g_new (double, max_points);
  froc->thresholds = g_new (double, max_points);
  froc->n_images = n_images;
  froc->n_lesions = n_lesions;
  froc_add_point (froc, 0, 0, INFINITY);

  /* Merge the two descending lists; every case with the current score
   * (in either list) enters before the point is taken, so ties are one
   * group as in the ROC. */
  const double *t = (const double *) tp->data, *f = (const double *) fp->data;
  gsize it = 0, jf = 0;
  while (it < tp->len || jf < fp->len)
    {
      double s = it < tp->len ? t[it] : -INFINITY;
      if (jf < fp->len && f[jf] > s)
        s = f[jf];
      while (it < tp->len && t[it] == s)
        it++;
      while (jf < fp->len && f[jf] == s)
        jf++;
      froc_add_point (froc, it, jf, s);
    }
  return g_steal_pointer (&froc);
}

double
msc_metrics_froc_sensitivity_at (const MscFroc *froc, double fp_per_image)
{
  g_return_val_if_fail (froc != NULL && froc->n_points > 0, NAN);
  double best = 0;
  /* Tolerance: fp / n_images is rounded, 0.5 must still admit 3 / 6. */
  for (gsize k = 0; k < froc->n_points; k++)
    if (froc->fp_per_image[k] <= fp_per_image + 1e-12)
      best = MAX (best, froc->sensitivity[k]);
  return best;
}
