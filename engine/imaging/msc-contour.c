/* engine/imaging/msc-contour.c — marching squares on probability maps and
 * masks, Douglas-Peucker simplification (as cv2.approxPolyDP), scanline
 * rasterisation with the pixel-centre rule, and polygon measures in mm.
 * Coordinates are pixel centres at integers, x right, y down.
 */
#include "msc-contour.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"

/* ---- marching squares ---------------------------------------------------- */

/* The grid is the image's pixel centres padded by one ring of "below"
 * samples, so every region closes; cells run from (-1, -1) to (w-1, h-1).
 * Edges are numbered 2 * ((y + 1) * (w + 2) + (x + 1)) + (0 horizontal
 * (x,y)-(x+1,y), 1 vertical (x,y)-(x,y+1)); each crossing edge is the start
 * of exactly one directed segment and the end of exactly one, so the
 * segments link into closed rings. */
typedef struct {
  const MscPlane *map;
  guint w, h;
  double threshold;
  GHashTable *next;       /* edge + 1 -> following edge + 1 */
  GArray *starts;         /* edges in raster order, for a deterministic walk */
} Tracer;

static inline gboolean
in_image (const Tracer *t, int x, int y)
{
  return x >= 0 && y >= 0 && (guint) x < t->w && (guint) y < t->h;
}

static inline double
value_at (const Tracer *t, int x, int y)
{
  gsize i = (gsize) y * t->w + (guint) x;
  switch (msc_plane_get_format (t->map))
    {
    case MSC_PLANE_U8: return msc_plane_peek_u8 (t->map)[i];
    case MSC_PLANE_U16: return msc_plane_peek_u16 (t->map)[i];
    default: return msc_plane_peek_f32 (t->map)[i];
    }
}

/* Inside means value > threshold (as msc_threshold_apply); NaN and the
 * padding are outside. */
static inline gboolean
inside (const Tracer *t, int x, int y)
{
  return in_image (t, x, y) && value_at (t, x, y) > t->threshold;   /* NaN > t is false */
}

/* Where the threshold crosses the edge from corner a to corner b (0..1
 * from a). Next to the padding or a NaN the crossing is half-way, which
 * for a mask puts the contour on the pixel boundary. */
static double
crossing (const Tracer *t, int ax, int ay, int bx, int by)
{
  if (!in_image (t, ax, ay) || !in_image (t, bx, by))
    return 0.5;
  double a = value_at (t, ax, ay), b = value_at (t, bx, by);
  double f = (t->threshold - a) / (b - a);
  if (!isfinite (f))
    return 0.5;
  return CLAMP (f, 0.0, 1.0);
}

static MscPoint
edge_point (const Tracer *t, gsize edge)
{
  gsize cell = edge / 2, pw = (gsize) t->w + 2;
  int x = (int) (cell % pw) - 1, y = (int) (cell / pw) - 1;
  if (edge % 2 == 0)
    return (MscPoint) { x + crossing (t, x, y, x + 1, y), y };
  return (MscPoint) { x, y + crossing (t, x, y, x, y + 1) };
}

static inline gsize
edge_id (const Tracer *t, int x, int y, guint vertical)
{
  return 2 * ((gsize) (y + 1) * (t->w + 2) + (gsize) (x + 1)) + vertical;
}

static void
add_segment (Tracer *t, gsize from, gsize to)
{
  g_hash_table_insert (t->next, GSIZE_TO_POINTER (from + 1), GSIZE_TO_POINTER (to + 1));
  g_array_append_val (t->starts, from);
}

/* Corners clockwise tl, tr, br, bl; edge i joins corner i and i + 1. Going
 * clockwise, an outside -> inside step is an entry; each entry joins the
 * next crossing clockwise, so the inside always lies on the same side of
 * a segment. In a saddle whose centre (mean of the corners) is inside, the
 * two inside corners are connected (8-connected foreground, as
 * cv2.findContours) and each entry joins the previous crossing instead. */
static void
trace_cell (Tracer *t, int x, int y)
{
  gboolean in[4] = { inside (t, x, y), inside (t, x + 1, y), inside (t, x + 1, y + 1), inside (t, x, y + 1) };
  guint n_in = in[0] + in[1] + in[2] + in[3];
  if (n_in == 0 || n_in == 4)
    return;
  gsize e[4] = { edge_id (t, x, y, 0), edge_id (t, x + 1, y, 1), edge_id (t, x, y + 1, 0), edge_id (t, x, y, 1) };
  gboolean saddle = in[0] == in[2] && in[1] == in[3];
  gboolean centre_in = FALSE;
  if (saddle)
    {
      double sum = 0;
      for (guint i = 0; i < 4; i++)
        {
          int cx = x + (i == 1 || i == 2), cy = y + (i >= 2);
          sum += in_image (t, cx, cy) ? value_at (t, cx, cy) : -INFINITY;
        }
      centre_in = sum / 4 >= t->threshold;   /* NaN -> FALSE */
    }
  for (guint i = 0; i < 4; i++)
    {
      if (in[i] || !in[(i + 1) % 4])
        continue;                     /* not an entry */
      if (!saddle)
        {
          for (guint j = 1; j < 4; j++)
            {
              guint k = (i + j) % 4;
              if (in[k] && !in[(k + 1) % 4])
                {
                  add_segment (t, e[i], e[k]);
                  break;
                }
            }
        }
      else
        add_segment (t, e[i], e[(i + (centre_in ? 3 : 1)) % 4]);
    }
}

/* flags[x + 1] = inside (x, y) for x in [-1, w]; padding stays 0. */
static void
row_flags (const Tracer *t, int y, guint8 *flags)
{
  memset (flags, 0, (gsize) t->w + 2);
  if (y < 0 || (guint) y >= t->h)
    return;
  gsize o = (gsize) y * t->w;
  double thr = t->threshold;
#define FLAGS(T, PEEK)                                                  \
  do {                                                                  \
    const T *v = PEEK (t->map) + o;                                     \
    for (guint x = 0; x < t->w; x++)                                    \
      flags[x + 1] = v[x] > thr;       /* NaN > thr is false */         \
  } while (0)
  switch (msc_plane_get_format (t->map))
    {
    case MSC_PLANE_U8: FLAGS (guint8, msc_plane_peek_u8); break;
    case MSC_PLANE_U16: FLAGS (guint16, msc_plane_peek_u16); break;
    default: FLAGS (float, msc_plane_peek_f32); break;
    }
#undef FLAGS
}

static void
free_polygon (gpointer p)
{
  g_array_unref (p);
}

GPtrArray *
msc_contour_trace (const MscPlane *map, double threshold, GError **error)
{
  if (map == NULL)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID, _("contour: no map"));
      return NULL;
    }
  if (isnan (threshold))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID, _("contour: threshold is NaN"));
      return NULL;
    }
  Tracer t = { map, msc_plane_get_width (map), msc_plane_get_height (map), threshold,
               g_hash_table_new (g_direct_hash, g_direct_equal),
               g_array_new (FALSE, FALSE, sizeof (gsize)) };
  /* Inside flags of two padded rows; only cells with mixed corners (a few
   * per row) go through trace_cell. */
  g_autofree guint8 *above = g_malloc0 ((gsize) t.w + 2);
  g_autofree guint8 *below = g_malloc0 ((gsize) t.w + 2);
  for (int y = -1; y < (int) t.h; y++)
    {
      row_flags (&t, y + 1, below);
      for (int x = -1; x < (int) t.w; x++)
        {
          guint n = above[x + 1] + above[x + 2] + below[x + 1] + below[x + 2];
          if (n != 0 && n != 4)
            trace_cell (&t, x, y);
        }
      guint8 *swap = above;
      above = below;
      below = swap;
    }

  GPtrArray *rings = g_ptr_array_new_with_free_func (free_polygon);
  for (guint i = 0; i < t.starts->len; i++)
    {
      gsize start = g_array_index (t.starts, gsize, i), edge = start;
      if (!g_hash_table_contains (t.next, GSIZE_TO_POINTER (start + 1)))
        continue;                     /* already walked */
      GArray *ring = g_array_new (FALSE, FALSE, sizeof (MscPoint));
      do
        {
          MscPoint p = edge_point (&t, edge);
          g_array_append_val (ring, p);
          gpointer nxt = g_hash_table_lookup (t.next, GSIZE_TO_POINTER (edge + 1));
          g_hash_table_remove (t.next, GSIZE_TO_POINTER (edge + 1));
          if (nxt == NULL)
            break;                    /* cannot happen: every ring closes */
          edge = GPOINTER_TO_SIZE (nxt) - 1;
        }
      while (edge != start);
      g_ptr_array_add (rings, ring);
    }
  g_hash_table_unref (t.next);
  g_array_unref (t.starts);
  return rings;
}

/* ---- Douglas-Peucker --------------------------------------------------- */

static inline MscPoint
pt (const GArray *p, gsize i)
{
  return g_array_index (p, MscPoint, i % p->len);
}

/* Marks the points kept between ring indices a and b (b > a, indices
 * modulo n) with an explicit stack, as cv::approxPolyDP: a point splits
 * the chain when its distance to the line a-b exceeds the tolerance. */
static void
dp_chain (const GArray *p, gsize a, gsize b, double eps, gboolean *keep)
{
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (gsize) * 2);
  gsize s[2] = { a, b };
  g_array_append_val (stack, s);
  while (stack->len > 0)
    {
      gsize *top = &g_array_index (stack, gsize, 2 * (stack->len - 1));
      gsize i0 = top[0], i1 = top[1];
      g_array_set_size (stack, stack->len - 1);
      MscPoint p0 = pt (p, i0), p1 = pt (p, i1);
      double dx = p1.x - p0.x, dy = p1.y - p0.y, best = -1;
      gsize best_i = i0;
      for (gsize i = i0 + 1; i < i1; i++)
        {
          MscPoint q = pt (p, i);
          double d = fabs ((q.x - p0.x) * dy - (q.y - p0.y) * dx);
          if (d > best)
            best = d, best_i = i;
        }
      keep[i0 % p->len] = TRUE;
      if (best_i != i0 && best * best > eps * eps * (dx * dx + dy * dy))
        {
          gsize l[2] = { i0, best_i }, r[2] = { best_i, i1 };
          g_array_append_val (stack, r);
          g_array_append_val (stack, l);
        }
    }
}

static gsize
farthest_from (const GArray *p, gsize from)
{
  MscPoint s = pt (p, from);
  double best = 0;
  gsize best_i = from;
  for (gsize i = 0; i < p->len; i++)
    {
      MscPoint q = pt (p, i);
      double d = (q.x - s.x) * (q.x - s.x) + (q.y - s.y) * (q.y - s.y);
      if (d > best)
        best = d, best_i = i;
    }
  return best_i;
}

GArray *
msc_contour_simplify (const GArray *polygon, double tolerance)
{
  g_return_val_if_fail (polygon != NULL, NULL);
  gsize n = polygon->len;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (MscPoint));
  if (n < 3 || !(tolerance > 0))
    {
      g_array_append_vals (out, polygon->data, n);
      return out;
    }
  /* Split the ring at two nearly farthest points (three rounds of
   * "farthest from the last", as OpenCV), then simplify both chains. */
  gsize a = 0, b = 0;
  for (guint round = 0; round < 3; round++)
    {
      a = b;
      b = farthest_from (polygon, a);
    }
  MscPoint pa = pt (polygon, a), pb = pt (polygon, b);
  if (a == b || hypot (pa.x - pb.x, pa.y - pb.y) <= tolerance)
    {
      g_array_append_val (out, pa);
      return out;
    }
  g_autofree gboolean *keep = g_new0 (gboolean, n);
  gsize lo = MIN (a, b), hi = MAX (a, b);
  dp_chain (polygon, lo, hi, tolerance, keep);
  dp_chain (polygon, hi, lo + n, tolerance, keep);
  for (gsize i = 0; i < n; i++)
    if (keep[i])
      g_array_append_val (out, g_array_index (polygon, MscPoint, i));
  return out;
}

/* ---- rasterisation and measures ---------------------------------------- */

typedef struct { guint row; double x; } Crossing;

static int
crossing_cmp (const void *a, const void *b)
{
  const Crossing *p = a, *q = b;
  if (p->row != q->row)
    return p->row < q->row ? -1 : 1;
  return (p->x > q->x) - (p->x < q->x);
}

/* Each edge crosses the rows r with min(y0, y1) <= r < max(y0, y1): half
 * open, so a vertex on a row is counted once and rows pair up. */
static void
add_crossings (GArray *out, MscPoint p0, MscPoint p1, guint height)
{
  if (!isfinite (p0.x) || !isfinite (p0.y) || !isfinite (p1.x) || !isfinite (p1.y) || p0.y == p1.y)
    return;
  double ylo = MIN (p0.y, p1.y), yhi = MAX (p0.y, p1.y);
  double r0 = MAX (ceil (ylo), 0.0), r1 = MIN (ceil (yhi) - 1, (double) height - 1);
  for (double r = r0; r <= r1; r++)
    {
      Crossing c = { (guint) r, p0.x + (r - p0.y) * (p1.x - p0.x) / (p1.y - p0.y) };
      g_array_append_val (out, c);
    }
}

MscPlane *
msc_contour_rasterize (const GPtrArray *polygons, guint width, guint height, GError **error)
{
  g_autoptr (MscPlane) mask = msc_plane_new (MSC_PLANE_U8, width, height, error);
  if (mask == NULL)
    return NULL;
  if (polygons == NULL)
    return g_steal_pointer (&mask);
  g_autoptr (GArray) xs = g_array_new (FALSE, FALSE, sizeof (Crossing));
  for (guint k = 0; k < polygons->len; k++)
    {
      const GArray *p = g_ptr_array_index ((GPtrArray *) polygons, k);
      for (gsize i = 0; p != NULL && p->len >= 3 && i < p->len; i++)
        add_crossings (xs, pt (p, i), pt (p, i + 1), height);
    }
  if (xs->len > 1)                    /* no crossings: the array may have no buffer */
    qsort (xs->data, xs->len, sizeof (Crossing), crossing_cmp);
  guint8 *m = msc_plane_u8 (mask);
  const Crossing *c = (const Crossing *) xs->data;
  for (gsize i = 0; i + 1 < xs->len; i += 2)
    {
      if (c[i].row != c[i + 1].row)
        {
          i++;                        /* unpaired (cannot happen for closed rings) */
          if (i + 1 >= xs->len)
            break;
        }
      /* Pixel centres x with xa <= x < xb. */
      double xa = MAX (ceil (c[i].x), 0.0), xb = MIN (ceil (c[i + 1].x), (double) width);
      if (xa < xb)
        memset (m + (gsize) c[i].row * width + (gsize) xa, 255, (gsize) (xb - xa));
    }
  return g_steal_pointer (&mask);
}

double
msc_contour_area_mm2 (const GArray *polygon, double row_mm, double col_mm)
{
  g_return_val_if_fail (polygon != NULL, 0);
  double twice = 0;
  for (gsize i = 0; polygon->len >= 3 && i < polygon->len; i++)
    {
      MscPoint a = pt (polygon, i), b = pt (polygon, i + 1);
      twice += a.x * b.y - b.x * a.y;
    }
  return fabs (twice) / 2 * row_mm * col_mm;
}

double
msc_contour_perimeter_mm (const GArray *polygon, double row_mm, double col_mm)
{
  g_return_val_if_fail (polygon != NULL, 0);
  double len = 0;
  for (gsize i = 0; polygon->len >= 2 && i < polygon->len; i++)
    {
      MscPoint a = pt (polygon, i), b = pt (polygon, i + 1);
      len += hypot ((b.x - a.x) * col_mm, (b.y - a.y) * row_mm);
    }
  return len;
}

/* Same half-open rules as msc_contour_rasterize, so a pixel centre is
 * inside exactly when rasterisation sets it. */
gboolean
msc_contour_contains (const GArray *polygon, double x, double y)
{
  g_return_val_if_fail (polygon != NULL, FALSE);
  gboolean in = FALSE;
  for (gsize i = 0; polygon->len >= 3 && i < polygon->len; i++)
    {
      MscPoint a = pt (polygon, i), b = pt (polygon, i + 1);
      if ((a.y <= y) != (b.y <= y))
        {
          double xc = a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y);
          if (xc <= x)
            in = !in;
        }
    }
  return in;
}
