/* engine/train/msc-patches.c — lesion-centred and background patch
 * sampling. Background centres are drawn exactly uniformly over the breast
 * mask (per-row counts, then the k-th pixel), then rejected while the patch
 * overlaps a lesion; lesion patches are centred on a jittered lesion centre.
 */
#include "msc-patches.h"
#include "msc-train-error.h"
#include "msc-components.h"
#include "msc-i18n.h"

#include <math.h>
#include <string.h>

/* Beyond this many bytes of patches a request is a mistake, not a batch. */
#define MAX_TOTAL_BYTES (G_GUINT64_CONSTANT (1) << 32)

typedef struct {
  double x, y, radius;
  guint class_id;
} Lesion;

typedef struct {
  const MscPatchParams *p;
  const MscPlane *image, *breast, *lesion_mask;
  guint w, h;
  GArray *lesions;              /* Lesion */
  guint n_circles;              /* lesions[0..n_circles) are circles given by the caller;
                                 * the rest stand for lesion_mask components, whose pixels
                                 * (not their equal-area disks) are the lesion */
  guint64 *row_start;           /* breast pixels before row y (h + 1 entries) */
} Sampler;

void
msc_patch_free (MscPatch *patch)
{
  if (patch == NULL)
    return;
  msc_plane_free (patch->image);
  msc_plane_free (patch->mask);
  g_free (patch);
}

void
msc_patches_params_init (MscPatchParams *params)
{
  g_return_if_fail (params != NULL);
  *params = (MscPatchParams) {
    .background_candidates = 1,
    .patch_size = 128, .n_patches = 64, .lesion_share = 0.5, .jitter = 0.5,
    .max_overlap = 0, .max_tries = 100, .mask_class_id = 0,
  };
}

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID, _("patches: %s"), message);
  return FALSE;
}

static gboolean
check_params (const MscPatchParams *p, const MscPlane *image, GError **error)
{
  if (p->patch_size == 0 || p->patch_size > 4096)
    return invalid (error, _("patch size must be 1..4096"));
  if (p->n_patches == 0)
    return invalid (error, _("no patches asked for"));
  if (p->background_candidates < 1 || p->background_candidates > 64)
    return invalid (error, _("background candidates must lie in 1..64"));
  if (!(p->lesion_share >= 0 && p->lesion_share <= 1))
    return invalid (error, _("lesion share must lie in 0..1"));
  if (!(p->jitter >= 0 && p->jitter <= 1))
    return invalid (error, _("jitter must lie in 0..1"));
  if (!(p->hard_share >= 0 && p->hard_share <= 1))
    return invalid (error, _("hard negative share must lie in 0..1"));
  if (p->n_hard_points > 0 && p->hard_points == NULL)
    return invalid (error, _("hard negative points missing"));
  if (!(p->max_overlap >= 0 && p->max_overlap < 1))
    return invalid (error, _("background overlap must lie in 0..1 (1 excluded)"));
  if (p->max_tries == 0)
    return invalid (error, _("max_tries must be at least 1"));
  guint64 px = (guint64) p->patch_size * p->patch_size, bytes;
  guint64 per = px * (msc_plane_get_format (image) + 1);     /* image + U8 mask */
  if (!g_uint64_checked_mul (&bytes, per, p->n_patches) || bytes > MAX_TOTAL_BYTES)
    return invalid (error, _("the patches would need more than 4 GiB"));
  return TRUE;
}

static gboolean
check_mask (const MscPlane *mask, const MscPlane *image, const char *what, GError **error)
{
  if (mask == NULL)
    return TRUE;
  if (msc_plane_get_format (mask) != MSC_PLANE_U8
      || msc_plane_get_width (mask) != msc_plane_get_width (image)
      || msc_plane_get_height (mask) != msc_plane_get_height (image))
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("patches: the %s must be a U8 plane of the image's size (%u x %u)"), what,
                   msc_plane_get_width (image), msc_plane_get_height (image));
      return FALSE;
    }
  return TRUE;
}

/* The lesions: circles as given, or the lesion mask's components. */
static gboolean
collect_lesions (Sampler *s, const MscLesionCircle *circles, guint n_circles, GError **error)
{
  for (guint i = 0; i < n_circles; i++)
    {
      const MscLesionCircle *c = &circles[i];
      if (!(isfinite (c->radius) && c->radius > 0 && c->x >= -0.5 && c->x < s->w - 0.5
            && c->y >= -0.5 && c->y < s->h - 0.5))
        {
          g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                       _("patches: lesion %u (%g, %g, radius %g) is not a circle centred in the %u x %u image"),
                       i, c->x, c->y, c->radius, s->w, s->h);
          return FALSE;
        }
      Lesion l = { c->x, c->y, c->radius, c->class_id };
      g_array_append_val (s->lesions, l);
    }
  s->n_circles = n_circles;
  if (n_circles > 0 || s->lesion_mask == NULL)
    return TRUE;
  GError *inner = NULL;
  g_autoptr (MscLabels) labels = msc_components_label (s->lesion_mask, 8, &inner);
  if (labels == NULL)
    {
      invalid (error, inner->message);
      g_error_free (inner);
      return FALSE;
    }
  for (guint k = 1; k <= msc_labels_get_n (labels); k++)
    {
      const MscComponent *c = msc_labels_get (labels, k);
      /* The radius of the disk of the same area: what "the lesion's size"
       * means for the jitter. */
      Lesion l = { c->centroid_x, c->centroid_y, sqrt ((double) c->area / G_PI), s->p->mask_class_id };
      g_array_append_val (s->lesions, l);
    }
  return TRUE;
}

/* Per-row counts of breast pixels, so a uniform draw over them is exact. */
static guint64
count_breast (Sampler *s)
{
  s->row_start = g_new (guint64, (gsize) s->h + 1);
  s->row_start[0] = 0;
  const guint8 *m = s->breast ? msc_plane_peek_u8 (s->breast) : NULL;
  for (guint y = 0; y < s->h; y++)
    {
      guint n = 0;
      if (m == NULL)
        n = s->w;
      else
        for (guint x = 0; x < s->w; x++)
          n += m[(gsize) y * s->w + x] != 0;
      s->row_start[y + 1] = s->row_start[y] + n;
    }
  return s->row_start[s->h];
}

/* The k-th breast pixel in raster order. */
static void
breast_pixel (const Sampler *s, guint64 k, guint *px, guint *py)
{
  guint lo = 0, hi = s->h;          /* row_start[lo] <= k < row_start[hi] */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;
      if (s->row_start[mid] <= k)
        lo = mid;
      else
        hi = mid;
    }
  guint64 rest = k - s->row_start[lo];
  const guint8 *row = s->breast ? msc_plane_peek_u8 (s->breast) + (gsize) lo * s->w : NULL;
  guint x = 0;
  if (row == NULL)
    x = (guint) rest;
  else
    for (;; x++)
      if (row[x] != 0 && rest-- == 0)
        break;
  *px = x;
  *py = lo;
}

static inline gboolean
in_circle (const Lesion *l, gint x, gint y)
{
  double dx = x - l->x, dy = y - l->y;
  return dx * dx + dy * dy <= l->radius * l->radius;
}

static gboolean
in_lesion (const Sampler *s, gint x, gint y)
{
  if (s->lesion_mask && msc_plane_peek_u8 (s->lesion_mask)[(gsize) y * s->w + (guint) x] != 0)
    return TRUE;
  for (guint i = 0; i < s->n_circles; i++)
    if (in_circle (&g_array_index (s->lesions, Lesion, i), x, y))
      return TRUE;
  return FALSE;
}

/* Does the P x P patch at (ox, oy) overlap lesions by more than allowed?
 * With max_overlap 0 a circle counts when any point of the patch square
 * (not only a pixel centre) is within its radius: never touching is the
 * stricter promise. */
static gboolean
overlaps (const Sampler *s, gint ox, gint oy)
{
  guint P = s->p->patch_size;
  gint x0 = MAX (ox, 0), y0 = MAX (oy, 0);
  gint x1 = MIN (ox + (gint) P, (gint) s->w), y1 = MIN (oy + (gint) P, (gint) s->h);
  if (s->p->max_overlap == 0)
    {
      for (guint i = 0; i < s->n_circles; i++)
        {
          const Lesion *l = &g_array_index (s->lesions, Lesion, i);
          double dx = l->x - CLAMP (l->x, ox, ox + (double) P - 1);
          double dy = l->y - CLAMP (l->y, oy, oy + (double) P - 1);
          if (dx * dx + dy * dy <= l->radius * l->radius)
            return TRUE;
        }
      if (s->lesion_mask == NULL)
        return FALSE;
    }
  guint64 limit = (guint64) floor (s->p->max_overlap * P * P), n = 0;
  for (gint y = y0; y < y1; y++)
    for (gint x = x0; x < x1; x++)
      if (in_lesion (s, x, y) && ++n > limit)
        return TRUE;
  return FALSE;
}

/* Lesion pixels x0..x1-1 of row y into out (0/255): the lesion mask, then
 * each circle's span on the row. The span comes from a square root and is
 * then nudged until in_circle agrees, so it matches the pixel test exactly
 * (a per-pixel test made the crops the slowest part of sampling). */
static void
mask_row (const Sampler *s, gint y, gint x0, gint x1, guint8 *out)
{
  gsize n = (gsize) (x1 - x0);
  if (s->lesion_mask != NULL)
    {
      const guint8 *m = msc_plane_peek_u8 (s->lesion_mask) + (gsize) y * s->w + (guint) x0;
      for (gsize i = 0; i < n; i++)
        out[i] = m[i] ? 255 : 0;
    }
  else
    memset (out, 0, n);
  for (guint i = 0; i < s->n_circles; i++)
    {
      const Lesion *l = &g_array_index (s->lesions, Lesion, i);
      double dy = y - l->y, d2 = l->radius * l->radius - dy * dy;
      if (d2 < 0)
        continue;
      double half = sqrt (d2);
      gint a = (gint) ceil (l->x - half), b = (gint) floor (l->x + half);
      while (in_circle (l, a - 1, y)) a--;
      while (a <= b && !in_circle (l, a, y)) a++;
      while (in_circle (l, b + 1, y)) b++;
      while (b >= a && !in_circle (l, b, y)) b--;
      a = MAX (a, x0);
      b = MIN (b, x1 - 1);
      if (a <= b)
        memset (out + (a - x0), 255, (gsize) (b - a + 1));
    }
}

/* Image and lesion-mask crops at (ox, oy), zero outside the image. */
static MscPatch *
crop (const Sampler *s, gint ox, gint oy, GError **error)
{
  guint P = s->p->patch_size;
  MscPlaneFormat f = msc_plane_get_format (s->image);
  g_autoptr (MscPatch) patch = g_new0 (MscPatch, 1);
  patch->x = ox;
  patch->y = oy;
  patch->image = msc_plane_new (f, P, P, error);
  if (patch->image == NULL)
    return NULL;
  if (f != MSC_PLANE_F32)
    msc_plane_set_bits (patch->image, msc_plane_get_bits (s->image));
  patch->mask = msc_plane_new (MSC_PLANE_U8, P, P, error);
  if (patch->mask == NULL)
    return NULL;
  gint x0 = MAX (ox, 0), x1 = MIN (ox + (gint) P, (gint) s->w);
  guint8 *dm = msc_plane_u8 (patch->mask);
  const guint8 *src = NULL;
  guint8 *dst = NULL;
  if (f == MSC_PLANE_U8)
    src = msc_plane_peek_u8 (s->image), dst = msc_plane_u8 (patch->image);
  else if (f == MSC_PLANE_U16)
    src = (const guint8 *) msc_plane_peek_u16 (s->image), dst = (guint8 *) msc_plane_u16 (patch->image);
  else
    src = (const guint8 *) msc_plane_peek_f32 (s->image), dst = (guint8 *) msc_plane_f32 (patch->image);
  for (gint y = MAX (oy, 0); y < MIN (oy + (gint) P, (gint) s->h) && x0 < x1; y++)
    {
      gsize from = ((gsize) y * s->w + (guint) x0) * f;
      gsize to = ((gsize) (y - oy) * P + (guint) (x0 - ox)) * f;
      memcpy (dst + to, src + from, (gsize) (x1 - x0) * f);
      mask_row (s, y, x0, x1, dm + (gsize) (y - oy) * P + (guint) (x0 - ox));
    }
  return g_steal_pointer (&patch);
}

static MscPatch *
lesion_patch (const Sampler *s, MscRng *rng, GError **error)
{
  guint P = s->p->patch_size;
  guint i = (guint) msc_rng_below (rng, s->lesions->len);
  const Lesion *l = &g_array_index (s->lesions, Lesion, i);
  /* Per axis: a lesion that fits (radius <= P/2 - 1) may move by up to
   * P/2 - 1 - radius and stays whole inside the patch; a larger one by up
   * to radius - P/2 (the patch spans P/2 before its centre pixel), so the
   * patch stays inside the lesion's box; capped at P/2 - 1 so the lesion
   * centre is always inside. Rounding the patch centre to a pixel adds at
   * most half a pixel to each. */
  double half = MAX (P / 2.0 - 1, 0);
  double room = l->radius <= half ? half - l->radius : MIN (MAX (l->radius - P / 2.0, 0), half);
  double reach = s->p->jitter * room;
  double cx = l->x + (2 * msc_rng_uniform_double (rng) - 1) * reach;
  double cy = l->y + (2 * msc_rng_uniform_double (rng) - 1) * reach;
  gint ox = (gint) floor (cx + 0.5) - (gint) (P / 2), oy = (gint) floor (cy + 0.5) - (gint) (P / 2);
  MscPatch *patch = crop (s, ox, oy, error);
  if (patch != NULL)
    {
      patch->kind = MSC_PATCH_LESION;
      patch->class_id = l->class_id;
      patch->lesion = i;
    }
  return patch;
}

/* The image value at pixel (x, y), whatever the plane's format. */
static double
value_at (const MscPlane *image, guint x, guint y)
{
  gsize i = (gsize) y * msc_plane_get_width (image) + x;
  switch (msc_plane_get_format (image))
    {
    case MSC_PLANE_U8:
      return msc_plane_peek_u8 (image)[i];
    case MSC_PLANE_U16:
      return msc_plane_peek_u16 (image)[i];
    default:
      return msc_plane_peek_f32 (image)[i];
    }
}

/* A background patch on a hard negative: jittered by up to jitter x P/4 per
 * axis so the model sees the confusing tissue from several offsets.
 * FALSE (nothing drawn beyond the two offsets) when its centre leaves the
 * breast or it would overlap a lesion; the caller then samples uniformly. */
static gboolean
hard_origin (const Sampler *s, MscRng *rng, gint *ox, gint *oy)
{
  guint P = s->p->patch_size;
  const MscPoint *h = &s->p->hard_points[msc_rng_below (rng, s->p->n_hard_points)];
  double reach = s->p->jitter * P / 4.0;
  double cx = h->x + (2 * msc_rng_uniform_double (rng) - 1) * reach;
  double cy = h->y + (2 * msc_rng_uniform_double (rng) - 1) * reach;
  *ox = (gint) floor (cx + 0.5) - (gint) (P / 2);
  *oy = (gint) floor (cy + 0.5) - (gint) (P / 2);
  gint x = *ox + (gint) (P / 2), y = *oy + (gint) (P / 2);
  if (x < 0 || y < 0 || x >= (gint) s->w || y >= (gint) s->h)
    return FALSE;
  if (s->breast && msc_plane_peek_u8 (s->breast)[(gsize) y * s->w + (guint) x] == 0)
    return FALSE;
  return !overlaps (s, *ox, *oy);
}

static MscPatch *
background_patch (const Sampler *s, MscRng *rng, GError **error)
{
  guint P = s->p->patch_size;
  /* No draw at all without hard points, so runs without them keep their
   * patches exactly. */
  if (s->p->n_hard_points > 0 && s->p->hard_share > 0
      && msc_rng_uniform_double (rng) < s->p->hard_share)
    {
      gint hx, hy;
      if (hard_origin (s, rng, &hx, &hy))
        return crop (s, hx, hy, error);
    }
  gint best_x = 0, best_y = 0, near_x = 0, near_y = 0;
  guint found = 0;
  gboolean near = FALSE;
  double best = -G_MAXDOUBLE;
  for (guint t = 0; t < s->p->max_tries && found < s->p->background_candidates; t++)
    {
      guint px, py;
      breast_pixel (s, msc_rng_below (rng, s->row_start[s->h]), &px, &py);
      /* The patch centre pixel is (ox + P/2, oy + P/2). */
      gint ox = (gint) px - (gint) (P / 2), oy = (gint) py - (gint) (P / 2);
      if (overlaps (s, ox, oy))
        {
          /* Kept in case nothing clears the lesions: a small breast with a
           * large lesion at a coarse spacing (MIAS mdb148 at 0.8 mm). */
          if (!near && !in_lesion (s, (gint) px, (gint) py))
            near = TRUE, near_x = ox, near_y = oy;
          continue;
        }
      double v = value_at (s->image, px, py);
      if (found++ == 0 || v > best)
        best = v, best_x = ox, best_y = oy;
    }
  if (found > 0)
    return crop (s, best_x, best_y, error);
  if (near)
    return crop (s, near_x, near_y, error);   /* its mask shows the lesion pixels */
  g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
               _("patches: no %u x %u background patch centred off the lesions in %u tries"),
               P, P, s->p->max_tries);
  return NULL;
}

static GPtrArray *
sample_all (Sampler *s, MscRng *rng, GError **error)
{
  const MscPatchParams *p = s->p;
  /* Stochastic rounding: E[n_lesion] = N * share exactly, even for N = 1. */
  double want = p->n_patches * p->lesion_share;
  guint n_lesion = (guint) floor (want);
  if (msc_rng_uniform_double (rng) < want - n_lesion)
    n_lesion++;
  if (s->lesions->len == 0)
    n_lesion = 0;
  if (n_lesion < p->n_patches && count_breast (s) == 0)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_EMPTY,
                   _("patches: the breast mask is empty, no background patch can be drawn"));
      return NULL;
    }
  g_autofree gboolean *is_lesion = g_new0 (gboolean, p->n_patches);
  for (guint i = 0; i < n_lesion; i++)
    is_lesion[i] = TRUE;
  for (guint i = p->n_patches - 1; i > 0; i--)        /* Fisher-Yates */
    {
      guint j = (guint) msc_rng_below (rng, (guint64) i + 1);
      gboolean t = is_lesion[i];
      is_lesion[i] = is_lesion[j];
      is_lesion[j] = t;
    }
  g_autoptr (GPtrArray) out = g_ptr_array_new_full (p->n_patches, (GDestroyNotify) msc_patch_free);
  for (guint i = 0; i < p->n_patches; i++)
    {
      MscPatch *patch = is_lesion[i] ? lesion_patch (s, rng, error) : background_patch (s, rng, error);
      if (patch == NULL)
        return NULL;
      g_ptr_array_add (out, patch);
    }
  return g_steal_pointer (&out);
}

GPtrArray *
msc_patches_sample (const MscPatchParams *params, const MscPlane *image, const MscPlane *breast_mask,
                    const MscLesionCircle *circles, guint n_circles, const MscPlane *lesion_mask,
                    MscRng *rng, GError **error)
{
  g_return_val_if_fail (params != NULL && image != NULL && rng != NULL, NULL);
  g_return_val_if_fail (circles != NULL || n_circles == 0, NULL);
  if (!check_params (params, image, error)
      || !check_mask (breast_mask, image, _("breast mask"), error)
      || !check_mask (lesion_mask, image, _("lesion mask"), error))
    return NULL;
  Sampler s = { params, image, breast_mask, lesion_mask, msc_plane_get_width (image),
                msc_plane_get_height (image), g_array_new (FALSE, FALSE, sizeof (Lesion)), 0, NULL };
  GPtrArray *out = NULL;
  if (collect_lesions (&s, circles, n_circles, error))
    out = sample_all (&s, rng, error);
  g_array_unref (s.lesions);
  g_free (s.row_start);
  return out;
}
