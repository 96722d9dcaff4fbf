/* engine/imaging/msc-components.c — connected-component labelling by runs:
 * each row's runs of non-zero pixels are linked to the overlapping runs of
 * the row above with union-find, so the cost follows the number of runs,
 * not pixels (a breast mask is a few thousand runs). Labels are numbered in
 * raster order of each component's first pixel.
 */
#include "msc-components.h"

#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"

typedef struct {
  guint x0, x1;              /* [x0, x1) */
  guint y;
} Run;

struct _MscLabels {
  guint width, height;
  guint n;
  guint32 *labels;           /* width x height, NULL when not wanted */
  MscComponent *stats;       /* n + 1, index 0 unused */
};

static guint
find_root (guint *parent, guint i)
{
  guint root = i;
  while (parent[root] != root)
    root = parent[root];
  while (parent[i] != root)    /* path compression */
    {
      guint next = parent[i];
      parent[i] = root;
      i = next;
    }
  return root;
}

/* The root is always the smaller index, i.e. the run first in raster
 * order: that is what makes the final numbering follow raster order. */
static void
unite (guint *parent, guint a, guint b)
{
  a = find_root (parent, a);
  b = find_root (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

/* Appends the runs of one row; returns the new run count. */
static guint
row_runs (const guint8 *row, guint w, guint y, Run *runs, guint n)
{
  guint x = 0;
  while (x < w)
    {
      while (x < w && row[x] == 0)
        x++;
      if (x == w)
        break;
      guint x0 = x;
      while (x < w && row[x] != 0)
        x++;
      runs[n++] = (Run) { x0, x, y };
    }
  return n;
}

/* Links the runs [cur, cur_end) of one row to [prev, prev_end) of the row
 * above. With 8-connectivity runs touching diagonally count (slack 1). */
static void
link_rows (const Run *runs, guint *parent, guint prev, guint prev_end,
           guint cur, guint cur_end, guint slack)
{
  guint p = prev;
  for (guint c = cur; c < cur_end; c++)
    {
      /* Skip runs above that end before this one starts. */
      while (p < prev_end && runs[p].x1 + slack <= runs[c].x0)
        p++;
      for (guint q = p; q < prev_end && runs[q].x0 < runs[c].x1 + slack; q++)
        unite (parent, q, c);
    }
}

static gboolean
check_mask (const MscPlane *mask, guint connectivity, GError **error)
{
  if (msc_plane_get_format (mask) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("components: the mask must be an 8-bit plane"));
      return FALSE;
    }
  if (connectivity != 4 && connectivity != 8)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("components: connectivity %u is not 4 or 8"), connectivity);
      return FALSE;
    }
  return TRUE;
}

static void
add_run (MscComponent *c, const Run *r, guint64 *sum_x, guint64 *sum_y)
{
  guint64 len = r->x1 - r->x0;
  if (c->area == 0)
    {
      c->x = r->x0;
      c->y = r->y;
      c->width = r->x1;             /* temporarily: right edge (exclusive) */
      c->height = r->y + 1;         /* temporarily: bottom edge (exclusive) */
    }
  else
    {
      c->x = MIN (c->x, r->x0);
      c->width = MAX (c->width, r->x1);
      c->height = MAX (c->height, r->y + 1);
    }
  c->area += len;
  /* Sum of x over [x0, x1) = len (x0 + x1 - 1) / 2, kept exact in integers. */
  *sum_x += len * (r->x0 + r->x1 - 1) / 2;
  *sum_y += len * r->y;
}

static MscLabels *
label_impl (const MscPlane *mask, guint connectivity, gboolean want_image, GError **error)
{
  if (!check_mask (mask, connectivity, error))
    return NULL;
  guint w = msc_plane_get_width (mask), h = msc_plane_get_height (mask);
  const guint8 *src = msc_plane_peek_u8 (mask);

  /* At most ceil(w / 2) runs per row; n_pixels <= 2^28 keeps this in range. */
  gsize max_runs = (gsize) (w / 2 + 1) * h;
  g_autofree Run *runs = g_new (Run, max_runs);
  g_autofree guint *parent = g_new (guint, max_runs);
  guint slack = connectivity == 8 ? 1 : 0;
  guint n_runs = 0, prev = 0, prev_end = 0;
  for (guint y = 0; y < h; y++)
    {
      guint cur = n_runs;
      n_runs = row_runs (src + (gsize) y * w, w, y, runs, n_runs);
      for (guint i = cur; i < n_runs; i++)
        parent[i] = i;
      link_rows (runs, parent, prev, prev_end, cur, n_runs, slack);
      prev = cur;
      prev_end = n_runs;
    }

  /* Final labels in raster order of each root run (= first pixel). */
  g_autofree guint *final = g_new (guint, MAX (n_runs, 1));
  guint n = 0;
  for (guint i = 0; i < n_runs; i++)
    final[i] = find_root (parent, i) == i ? ++n : final[parent[i]];

  MscLabels *self = g_new0 (MscLabels, 1);
  self->width = w;
  self->height = h;
  self->n = n;
  self->stats = g_new0 (MscComponent, (gsize) n + 1);
  g_autofree guint64 *sums = g_new0 (guint64, 2 * ((gsize) n + 1));
  for (guint i = 0; i < n_runs; i++)
    {
      guint l = final[i];
      add_run (&self->stats[l], &runs[i], &sums[2 * l], &sums[2 * l + 1]);
    }
  for (guint l = 1; l <= n; l++)
    {
      MscComponent *c = &self->stats[l];
      c->width -= c->x;
      c->height -= c->y;
      c->centroid_x = (double) sums[2 * l] / (double) c->area;
      c->centroid_y = (double) sums[2 * l + 1] / (double) c->area;
    }
  if (want_image)
    {
      self->labels = g_new0 (guint32, (gsize) w * h);
      for (guint i = 0; i < n_runs; i++)
        {
          guint32 *row = self->labels + (gsize) runs[i].y * w;
          for (guint x = runs[i].x0; x < runs[i].x1; x++)
            row[x] = final[i];
        }
    }
  return self;
}

MscLabels *
msc_components_label (const MscPlane *mask, guint connectivity, GError **error)
{
  g_return_val_if_fail (mask != NULL, NULL);
  return label_impl (mask, connectivity, TRUE, error);
}

void
msc_labels_free (MscLabels *self)
{
  if (self == NULL)
    return;
  g_free (self->labels);
  g_free (self->stats);
  g_free (self);
}

guint
msc_labels_get_n (const MscLabels *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n;
}

const MscComponent *
msc_labels_get (const MscLabels *self, guint label)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (label >= 1 && label <= self->n, NULL);
  return &self->stats[label];
}

const guint32 *
msc_labels_peek (const MscLabels *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->labels;
}

/* Ties go to the smaller label (the component met first in raster order). */
guint
msc_labels_largest (const MscLabels *self)
{
  g_return_val_if_fail (self != NULL, 0);
  guint best = 0;
  for (guint l = 1; l <= self->n; l++)
    if (best == 0 || self->stats[l].area > self->stats[best].area)
      best = l;
  return best;
}

MscPlane *
msc_labels_mask (const MscLabels *self, guint label, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (label < 1 || label > self->n)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("components: label %u is not in 1..%u"), label, self->n);
      return NULL;
    }
  g_autoptr (MscPlane) out = msc_plane_new (MSC_PLANE_U8, self->width, self->height, error);
  if (out == NULL)
    return NULL;
  guint8 *dst = msc_plane_u8 (out);
  gsize n = (gsize) self->width * self->height;
  for (gsize i = 0; i < n; i++)
    dst[i] = self->labels[i] == label ? 255 : 0;
  return g_steal_pointer (&out);
}

MscPlane *
msc_components_largest (const MscPlane *mask, GError **error)
{
  g_return_val_if_fail (mask != NULL, NULL);
  g_autoptr (MscLabels) labels = label_impl (mask, 8, TRUE, error);
  if (labels == NULL)
    return NULL;
  g_autoptr (MscPlane) out = msc_plane_new (MSC_PLANE_U8, labels->width, labels->height, error);
  if (out == NULL)
    return NULL;
  guint best = msc_labels_largest (labels);
  if (best == 0)
    return g_steal_pointer (&out);
  guint8 *dst = msc_plane_u8 (out);
  gsize n = (gsize) labels->width * labels->height;
  for (gsize i = 0; i < n; i++)
    dst[i] = labels->labels[i] == best ? 255 : 0;
  return g_steal_pointer (&out);
}
