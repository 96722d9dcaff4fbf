/* engine/imaging/msc-enhance-clahe.c — contrast-limited adaptive histogram
 * equalisation (Zuiderveld, "Contrast Limited Adaptive Histogram
 * Equalization", Graphics Gems IV, 1994) with OpenCV 4.6's exact arithmetic,
 * so results are bit-identical to cv2.createCLAHE(clip, (tx, ty)).apply.
 */
#include "msc-enhance.h"

#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"

/* OpenCV's definition, which we follow to the bit:
 * - when the size is not a multiple of the grid, the histograms are taken
 *   on the image padded (reflect-101) at the right by tiles_x - w % tiles_x
 *   and at the bottom by tiles_y - h % tiles_y columns/rows. (When only one
 *   dimension divides, the other is still padded by a whole tile count:
 *   OpenCV's quirk, kept.)
 * - clip = max (1, (int) (clip_limit * tile_area / bins)); clip_limit <= 0
 *   disables clipping. The clipped excess is spread evenly over all bins,
 *   the remainder one count each on every (bins / residual)-th bin from 0.
 * - LUT[v] = round_half_even ((float) cumsum[v] * ((float) (bins - 1) / tile_area)).
 * - out = round_half_even (bilinear blend in float of the four neighbouring
 *   tiles' LUT values, x first), tile centres at ((i + 0.5) * tile_size).
 * Bit-exactness needs every float product and sum rounded separately: a
 * build with FMA (-march=haswell and GCC's default -ffp-contract=fast)
 * would fuse them; test-enhance then fails, which is the point. */

/* 1 GiB: 64 x 64 tiles on full-range U16 data need exactly that. */
#define CLAHE_MAX_LUT_BYTES ((gsize) 1 << 30)

typedef struct {
  gboolean u16;
  guint width, height;          /* the source */
  const void *src;
  void *dst;
  guint tiles_x, tiles_y;
  guint tile_w, tile_h;         /* on the padded image */
  int clip;                     /* 0 = no clipping */
  guint bins;                   /* 256 or 65536, as OpenCV */
  float lut_scale;
  /* LUTs only cover the values that occur: [lo, lo + range). Entries
   * outside are never looked up, so computing them would be wasted work
   * (a 12-bit mammogram touches 4096 of the 65536 U16 bins). */
  guint lo, range;
  /* tiles_x * tiles_y * range entries; the integer LUT values OpenCV
   * stores, kept as float (exact) so the interpolation converts nothing */
  float *luts;
  guint n_lut_tasks;
  /* interpolation: per column weights; runs of columns [seg_x0[g],
   * seg_x0[g + 1]) with the LUT offsets of their tile pair */
  float *col_xa, *col_xa1;
  guint n_segments;
  guint seg_x0[258];
  gsize seg_t1[257], seg_t2[257];
  guint n_row_tasks;
} Clahe;

/* cv::borderInterpolate for BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba). */
static guint
reflect101 (gint64 p, guint len)
{
  if (len == 1)
    return 0;
  while (p < 0 || p >= (gint64) len)
    p = p < 0 ? -p : 2 * (gint64) len - 2 - p;
  return (guint) p;
}

/* Round half to even for 0 <= x < 2^23 without a libm call (cvRound is
 * lrintf): adding 2^23 leaves no fraction bits, the FPU rounds to nearest
 * even, and the subtraction is exact. The compiler may not fold it
 * (no -ffast-math), and it vectorises. */
static inline float
round_even (float x)
{
  return (x + 8388608.0f) - 8388608.0f;
}

/* Counts one row segment into n_sub interleaved sub-histograms (pixel x
 * goes to copy x % n_sub): runs of equal values, common in mammograms,
 * otherwise serialise on one counter's store-to-load dependency. */
#define DEFINE_COUNT(name, T)                                                        \
  static void                                                                        \
  name (const T *s, guint x0, guint x1, guint lo, guint32 *hist, gsize stride,       \
        guint n_sub)                                                                 \
  {                                                                                  \
    guint x = x0;                                                                    \
    if (n_sub == 4)                                                                  \
      for (; x + 4 <= x1; x += 4)                                                    \
        {                                                                            \
          hist[s[x] - lo]++;                                                         \
          hist[stride + s[x + 1] - lo]++;                                            \
          hist[2 * stride + s[x + 2] - lo]++;                                        \
          hist[3 * stride + s[x + 3] - lo]++;                                        \
        }                                                                            \
    for (; x < x1; x++)                                                              \
      hist[s[x] - lo]++;                                                             \
  }

DEFINE_COUNT (count_u8, guint8)
DEFINE_COUNT (count_u16, guint16)

static void
tile_histogram (const Clahe *c, guint tx, guint ty, guint32 *hist, guint n_sub)
{
  guint x0 = tx * c->tile_w, x_end = x0 + c->tile_w;
  guint inside_end = MIN (x_end, c->width);   /* columns [x0, inside_end) are real */
  gsize stride = c->range;
  for (guint r = ty * c->tile_h; r < (ty + 1) * c->tile_h; r++)
    {
      gsize row = (gsize) reflect101 (r, c->height) * c->width;
      if (c->u16)
        {
          const guint16 *s = (const guint16 *) c->src + row;
          count_u16 (s, x0, inside_end, c->lo, hist, stride, n_sub);
          for (guint x = MAX (x0, inside_end); x < x_end; x++)
            hist[s[reflect101 (x, c->width)] - c->lo]++;
        }
      else
        {
          const guint8 *s = (const guint8 *) c->src + row;
          count_u8 (s, x0, inside_end, c->lo, hist, stride, n_sub);
          for (guint x = MAX (x0, inside_end); x < x_end; x++)
            hist[s[reflect101 (x, c->width)] - c->lo]++;
        }
    }
  for (guint k = 1; k < n_sub; k++)
    for (gsize i = 0; i < stride; i++)
      hist[i] += hist[k * stride + i];
}

/* Clips hist (range bins from lo; every other bin of the full bins is
 * empty) and writes the tile's LUT over the range. The bins outside the
 * range still receive their share of the redistribution, which is counted
 * in closed form. Integer arithmetic as OpenCV (int sums: tile area is at
 * most 2^28). */
static void
tile_lut (const Clahe *c, guint32 *hist, float *lut)
{
  gint64 batch = 0, residual = 0, step = 1;
  if (c->clip > 0)
    {
      gint64 clipped = 0;
      for (guint i = 0; i < c->range; i++)
        {
          gint64 excess = (gint64) hist[i] - c->clip;
          clipped += excess > 0 ? excess : 0;
          hist[i] = MIN (hist[i], (guint32) c->clip);
        }
      batch = clipped / c->bins;
      residual = clipped - batch * c->bins;
      step = residual ? MAX ((gint64) c->bins / residual, 1) : 1;
    }
  /* bins i = k * step, k < residual, got one more; how many are <= v: */
#define EXTRA_UPTO(v) (residual ? MIN (residual, (gint64) (v) / step + 1) : 0)
  gint64 sum = (gint64) c->lo * batch + (c->lo ? EXTRA_UPTO (c->lo - 1) : 0);
  gint64 prev_extra = c->lo ? EXTRA_UPTO (c->lo - 1) : 0;
  float max_out = (float) (c->bins - 1);
  for (guint i = 0; i < c->range; i++)
    {
      gint64 extra = EXTRA_UPTO (c->lo + i);
      sum += hist[i] + batch + (extra - prev_extra);
      prev_extra = extra;
      float v = round_even ((float) sum * c->lut_scale);
      v = MIN (v, max_out);
      lut[i] = v;
    }
#undef EXTRA_UPTO
}

static void
lut_task (guint task, gpointer data)
{
  const Clahe *c = data;
  guint n = c->tiles_x * c->tiles_y;
  guint first = (guint) ((guint64) n * task / c->n_lut_tasks);
  guint last = (guint) ((guint64) n * (task + 1) / c->n_lut_tasks);
  /* 4 sub-histograms while they stay in L1/L2 (U8, 12-bit U16) */
  guint n_sub = c->range <= 16384 ? 4 : 1;
  g_autofree guint32 *hist = g_new (guint32, (gsize) n_sub * c->range);
  for (guint k = first; k < last; k++)
    {
      memset (hist, 0, (gsize) n_sub * c->range * sizeof (guint32));
      tile_histogram (c, k % c->tiles_x, k / c->tiles_x, hist, n_sub);
      tile_lut (c, hist, c->luts + (gsize) k * c->range);
    }
}

/* One row, one pixel type. xa/xa1 and the tile pair per column were
 * precomputed exactly as OpenCV does (float tx = x / tile_w - 0.5). The
 * expression order matters for bit-exactness: x blend first, then y. */
#define DEFINE_INTERP_ROW(name, T)                                                        \
  static void                                                                             \
  name (const Clahe *c, guint y)                                                          \
  {                                                                                       \
    float tyf = (float) y * (1.0f / (float) c->tile_h) - 0.5f;                            \
    int ty1 = (int) tyf - (tyf < (float) (int) tyf);   /* floor */                        \
    int ty2 = ty1 + 1;                                                                    \
    float ya = tyf - (float) ty1, ya1 = 1.0f - ya;                                        \
    ty1 = MAX (ty1, 0);                                                                   \
    ty2 = MIN (ty2, (int) c->tiles_y - 1);                                                \
    const float *plane1 = c->luts + (gsize) ty1 * c->tiles_x * c->range;                  \
    const float *plane2 = c->luts + (gsize) ty2 * c->tiles_x * c->range;                  \
    const T *s = (const T *) c->src + (gsize) y * c->width;                               \
    T *d = (T *) c->dst + (gsize) y * c->width;                                           \
    float max_out = (float) (c->bins - 1);                                                \
    guint lo = c->lo;                                                                     \
    /* column runs that share a tile pair: four fixed LUTs per run */                   \
    for (guint g = 0; g < c->n_segments; g++)                                             \
      {                                                                                   \
        const float *a1 = plane1 + c->seg_t1[g], *a2 = plane1 + c->seg_t2[g];             \
        const float *b1 = plane2 + c->seg_t1[g], *b2 = plane2 + c->seg_t2[g];             \
        for (guint x = c->seg_x0[g]; x < c->seg_x0[g + 1]; x++)                           \
          {                                                                               \
            guint v = s[x] - lo;                                                          \
            float xa = c->col_xa[x], xa1 = c->col_xa1[x];                                 \
            float res = (a1[v] * xa1 + a2[v] * xa) * ya1                                  \
                        + (b1[v] * xa1 + b2[v] * xa) * ya;                                \
            d[x] = (T) MIN (round_even (res), max_out);                                   \
          }                                                                               \
      }                                                                                   \
  }

DEFINE_INTERP_ROW (interp_row_u8, guint8)
DEFINE_INTERP_ROW (interp_row_u16, guint16)

static void
interp_task (guint task, gpointer data)
{
  const Clahe *c = data;
  guint first = (guint) ((guint64) c->height * task / c->n_row_tasks);
  guint last = (guint) ((guint64) c->height * (task + 1) / c->n_row_tasks);
  for (guint y = first; y < last; y++)
    {
      if (c->u16)
        interp_row_u16 (c, y);
      else
        interp_row_u8 (c, y);
    }
}

typedef struct {
  const guint16 *src;
  gsize n;
  guint n_tasks;
  guint16 min[64], max[64];     /* per task */
} Range;

static void
range_task (guint task, gpointer data)
{
  Range *r = data;
  gsize first = r->n * task / r->n_tasks, last = r->n * (task + 1) / r->n_tasks;
  guint16 mn = 65535, mx = 0;
  for (gsize i = first; i < last; i++)     /* branch-free min/max: vectorises */
    {
      mn = r->src[i] < mn ? r->src[i] : mn;
      mx = r->src[i] > mx ? r->src[i] : mx;
    }
  r->min[task] = mn;
  r->max[task] = mx;
}

/* The values present: all 256 for U8 (not worth a pass), the min..max of
 * a U16 plane (a pass over the pool). */
static void
value_range (const MscPlane *src, MscThreadPool *pool, guint *lo, guint *hi)
{
  if (msc_plane_get_format (src) == MSC_PLANE_U8)
    {
      *lo = 0;
      *hi = 255;
      return;
    }
  Range r = { .src = msc_plane_peek_u16 (src), .n = msc_plane_get_n_pixels (src) };
  r.n_tasks = (guint) MIN (MIN (msc_thread_pool_n_threads (pool), G_N_ELEMENTS (r.min)), r.n);
  msc_thread_pool_run (pool, r.n_tasks, range_task, &r);
  *lo = 65535;
  *hi = 0;
  for (guint t = 0; t < r.n_tasks; t++)
    {
      *lo = MIN (*lo, r.min[t]);
      *hi = MAX (*hi, r.max[t]);
    }
}

static gboolean
clahe_check (const MscPlane *src, guint tiles_x, guint tiles_y, GError **error)
{
  MscPlaneFormat f = msc_plane_get_format (src);
  if (f != MSC_PLANE_U8 && f != MSC_PLANE_U16)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("clahe: pixel format F32 is not U8 or U16"));
      return FALSE;
    }
  /* The grid is bounded so LUT memory (tiles x up to 65536 entries) and
   * padding stay reasonable; 256 is far beyond any clinical setting. */
  if (tiles_x < 1 || tiles_y < 1 || tiles_x > 256 || tiles_y > 256)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("clahe: tile grid %u x %u is not within 1..256 x 1..256"), tiles_x, tiles_y);
      return FALSE;
    }
  return TRUE;
}

static void
clahe_columns (Clahe *c)
{
  float inv_tw = 1.0f / (float) c->tile_w;
  c->n_segments = 0;
  for (guint x = 0; x < c->width; x++)
    {
      float txf = (float) x * inv_tw - 0.5f;
      int tx1 = (int) txf - (txf < (float) (int) txf);
      int tx2 = tx1 + 1;
      c->col_xa[x] = txf - (float) tx1;
      c->col_xa1[x] = 1.0f - c->col_xa[x];
      gsize t1 = (gsize) MAX (tx1, 0) * c->range;
      gsize t2 = (gsize) MIN (tx2, (int) c->tiles_x - 1) * c->range;
      guint g = c->n_segments;
      /* at most tiles_x + 1 <= 257 runs (tx1 goes from -1 to tiles_x - 1): the arrays fit */
      if (g == 0 || c->seg_t1[g - 1] != t1 || c->seg_t2[g - 1] != t2)
        {
          c->seg_x0[g] = x;
          c->seg_t1[g] = t1;
          c->seg_t2[g] = t2;
          c->n_segments++;
        }
    }
  c->seg_x0[c->n_segments] = c->width;
}

MscPlane *
msc_enhance_clahe (const MscPlane *src, double clip_limit, guint tiles_x, guint tiles_y,
                   MscThreadPool *pool, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);
  if (!clahe_check (src, tiles_x, tiles_y, error))
    return NULL;
  if (!(clip_limit == clip_limit))
    clip_limit = 0;                 /* NaN: no clipping, as OpenCV's "<= 0" */

  static const Clahe zero;
  Clahe c = zero;
  c.u16 = msc_plane_get_format (src) == MSC_PLANE_U16;
  c.width = msc_plane_get_width (src);
  c.height = msc_plane_get_height (src);
  c.tiles_x = tiles_x;
  c.tiles_y = tiles_y;
  gboolean divides = c.width % tiles_x == 0 && c.height % tiles_y == 0;
  guint pad_x = divides ? 0 : tiles_x - c.width % tiles_x;
  guint pad_y = divides ? 0 : tiles_y - c.height % tiles_y;
  c.tile_w = (c.width + pad_x) / tiles_x;
  c.tile_h = (c.height + pad_y) / tiles_y;
  guint64 area = (guint64) c.tile_w * c.tile_h;   /* <= 2^28 + grid padding: fits int */
  c.bins = c.u16 ? 65536 : 256;
  c.lut_scale = (float) (c.bins - 1) / (float) area;
  if (clip_limit > 0)
    {
      double clip = clip_limit * (double) area / c.bins;
      c.clip = clip >= G_MAXINT ? G_MAXINT : MAX ((int) clip, 1);
    }

  guint hi = 0;
  value_range (src, pool, &c.lo, &hi);
  c.range = hi - c.lo + 1;

  g_autoptr (MscPlane) dst = msc_plane_new (msc_plane_get_format (src), c.width, c.height, error);
  if (dst == NULL)
    return NULL;
  gsize n_tiles = (gsize) tiles_x * tiles_y;
  /* up to 2^16 tiles x 2^16 values x 4 bytes: refuse rather than let a
   * 256 x 256 grid on full-range U16 data ask for 16 GiB */
  gsize lut_bytes = n_tiles * c.range * sizeof (float);
  g_autofree float *luts = lut_bytes <= CLAHE_MAX_LUT_BYTES ? g_try_malloc (lut_bytes) : NULL;
  if (luts == NULL)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE,
                   _("clahe: %u x %u tiles over %u values need %lu MiB of tables"),
                   tiles_x, tiles_y, c.range, (gulong) (lut_bytes >> 20));
      return NULL;
    }
  g_autofree float *weights = g_new (float, 2 * (gsize) c.width);
  c.src = c.u16 ? (const void *) msc_plane_peek_u16 (src) : (const void *) msc_plane_peek_u8 (src);
  c.dst = c.u16 ? (void *) msc_plane_u16 (dst) : (void *) msc_plane_u8 (dst);
  c.luts = luts;
  c.col_xa = weights;
  c.col_xa1 = weights + c.width;

  /* One task per thread for the LUTs (each allocates one histogram; tiles
   * are equal work), a few row bands per thread for the interpolation. */
  guint threads = msc_thread_pool_n_threads (pool);
  c.n_lut_tasks = (guint) MIN ((gsize) threads, n_tiles);
  msc_thread_pool_run (pool, c.n_lut_tasks, lut_task, &c);
  clahe_columns (&c);
  c.n_row_tasks = MIN (c.height, threads * 4);
  msc_thread_pool_run (pool, c.n_row_tasks, interp_task, &c);
  if (c.u16)
    msc_plane_set_bits (dst, 16);   /* the LUT spans 0..65535 whatever the input bits */
  return g_steal_pointer (&dst);
}
