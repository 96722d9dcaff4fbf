/* engine/imaging/msc-filter.c — median, Gaussian and unsharp filters.
 *
 * All kernels work on whole rows so GCC/clang vectorise across columns:
 * the median is a branch-free min/max network, the Gaussian a symmetric
 * multiply-add per tap. Rows are split into bands run on the thread pool.
 */
#include "msc-filter.h"

#include <math.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"
#include "msc-median-network-private.h"
#include "msc-plane-private.h"

/* Bands per thread: a few, so one slow band does not idle the others. */
#define BANDS_PER_THREAD 4

static guint
n_bands (MscThreadPool *pool, guint height)
{
  guint n = pool ? msc_thread_pool_n_threads (pool) * BANDS_PER_THREAD : 1;
  return MAX (1u, MIN (n, height));
}

static gboolean
check_src (const MscPlane *src, const char *step, gboolean allow_f32, GError **error)
{
  if (src == NULL)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID, _("%s: no input plane"), step);
      return FALSE;
    }
  MscPlaneFormat f = msc_plane_get_format (src);
  if (f == MSC_PLANE_F32 && !allow_f32)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("%s: F32 planes are not supported (U8 or U16 only)"), step);
      return FALSE;
    }
  return TRUE;
}

static inline guint
clamp_index (gint64 i, guint n)
{
  return i < 0 ? 0 : i >= (gint64) n ? n - 1 : (guint) i;
}

/* ---- median ------------------------------------------------------------ */

/* Vectorised across output pixels: each min/max of a selection network is
 * done for a block of MEDIAN_BLOCK neighbouring outputs at once, in loops
 * over small local arrays that GCC and clang turn into SIMD min/max.
 *
 * Per output row: each column's 2r+1 values are sorted once and shared by
 * the 2r+1 outputs that use the column; 3x3 then takes Paeth's median of
 * three sorted columns, 5x5 merges neighbouring column pairs (each shared by
 * two output pairs) and selects the medians of two neighbouring windows
 * together (gen-median-network.py). Borders replicate (cv2.medianBlur), by
 * copying each input row once into a padded row.
 *
 * U16 values are compared as signed 16-bit keys (v ^ 0x8000): SSE2, the
 * x86-64 baseline, has signed but no unsigned 16-bit min/max, and without
 * them the compiler falls back to scalar code. The flip keeps the order. */

/* The row kernels are also built for AVX2 (MSC_CPU_CLONES). */
#define MEDIAN_CLONES MSC_CPU_CLONES
#define MEDIAN_BLOCK 256                  /* outputs per block, even */

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  guint r, n_bands;
} MedianJob;

#define SORT2(a, b) do { __typeof__ (a) lo_ = MIN (a, b); b = MAX (a, b); a = lo_; } while (0)

/* For one output row: sc[e][j] = rank e of padded column x0 + j, for the
 * nb outputs from x0 (and the columns their windows reach). */
#define DEFINE_MEDIAN_ROW(T, K, sfx, FROM_KEY)                                  \
MEDIAN_CLONES static void                                                       \
median3_row_##sfx (const K *const *rows, T *o, guint w)                         \
{                                                                               \
  K sc[3][MEDIAN_BLOCK + 2];                                                    \
  for (guint x0 = 0; x0 < w; x0 += MEDIAN_BLOCK)                                \
    {                                                                           \
      gsize nb = MIN (MEDIAN_BLOCK, w - x0);                                    \
      const K *a = rows[0] + x0, *b = rows[1] + x0, *c = rows[2] + x0;          \
      for (gsize j = 0; j < nb + 2; j++)                                        \
        {                                                                       \
          K v0 = a[j], v1 = b[j], v2 = c[j];                                    \
          SORT2 (v0, v1); SORT2 (v1, v2); SORT2 (v0, v1);                       \
          sc[0][j] = v0; sc[1][j] = v1; sc[2][j] = v2;                          \
        }                                                                       \
      for (gsize i = 0; i < nb; i++)                                            \
        {                                                                       \
          K m;                                                                  \
          MSC_MEDIAN_NET_3 (K, COL0, COL1, COL2, m);                            \
          o[x0 + i] = FROM_KEY (m);                                             \
        }                                                                       \
    }                                                                           \
}                                                                               \
                                                                                \
MEDIAN_CLONES static void                                                       \
median5_row_##sfx (const K *const *rows, T *o, guint w)                         \
{                                                                               \
  K sc[5][MEDIAN_BLOCK + 6], pr[MSC_MEDIAN_NET_5_N_SLOTS][MEDIAN_BLOCK / 2 + 1];\
  K ko[MEDIAN_BLOCK];                                                           \
  for (guint x0 = 0; x0 < w; x0 += MEDIAN_BLOCK)                                \
    {                                                                           \
      gsize nb = MIN (MEDIAN_BLOCK, w - x0), np = (nb + 1) / 2;                 \
      const K *a = rows[0] + x0, *b = rows[1] + x0, *c = rows[2] + x0,          \
        *d = rows[3] + x0, *e = rows[4] + x0;                                   \
      for (gsize j = 0; j < 2 * np + 4; j++)                                    \
        {                                                                       \
          K v0 = a[j], v1 = b[j], v2 = c[j], v3 = d[j], v4 = e[j];              \
          SORT2 (v0, v1); SORT2 (v3, v4); SORT2 (v2, v4); SORT2 (v2, v3);       \
          SORT2 (v0, v3); SORT2 (v0, v2); SORT2 (v1, v4); SORT2 (v1, v3);       \
          SORT2 (v1, v2);                                                       \
          sc[0][j] = v0; sc[1][j] = v1; sc[2][j] = v2; sc[3][j] = v3; sc[4][j] = v4;\
        }                                                                       \
      /* pr[.][m]: columns 2m+1 and 2m+2 merged */                              \
      for (gsize m = 0; m < np + 1; m++)                                        \
        MSC_MEDIAN_NET_5_MERGE2 (K, PAIR_A, PAIR_B, PAIR_STORE);                \
      /* outputs 2m (columns 2m..2m+4) and 2m+1 (2m+1..2m+5) */                 \
      for (gsize m = 0; m < np; m++)                                            \
        MSC_MEDIAN_NET_5_SELECT (K, SEL_P1, SEL_P2, SEL_L, SEL_R, SEL_OUT0, SEL_OUT1);\
      for (gsize i = 0; i < nb; i++)                                            \
        o[x0 + i] = FROM_KEY (ko[i]);                                           \
    }                                                                           \
}

/* Network inputs and outputs, see msc-median-network-private.h. */
#define COL0(e) sc[e][i]
#define COL1(e) sc[e][i + 1]
#define COL2(e) sc[e][i + 2]
#define PAIR_A(e) sc[e][2 * m + 1]
#define PAIR_B(e) sc[e][2 * m + 2]
#define PAIR_STORE(s, v) (pr[s][m] = (v))
#define SEL_P1(s) pr[s][m]
#define SEL_P2(s) pr[s][m + 1]
#define SEL_L(e) sc[e][2 * m]
#define SEL_R(e) sc[e][2 * m + 5]
#define SEL_OUT0(v) (ko[2 * m] = (v))
#define SEL_OUT1(v) (ko[2 * m + 1] = (v))

#define U8_FROM_KEY(k) (k)
#define U16_FROM_KEY(k) ((guint16) ((guint16) (k) ^ 0x8000u))
DEFINE_MEDIAN_ROW (guint8, guint8, u8, U8_FROM_KEY)
DEFINE_MEDIAN_ROW (guint16, gint16, u16, U16_FROM_KEY)

/* Input row y as keys, padded with replicated values: r on the left, r + 2
 * on the right (an odd-width 5x5 block's last pair reads one column past). */
static void
median_pad_row (const MedianJob *job, guint y, gpointer dst)
{
  guint w = msc_plane_get_width (job->src), r = job->r;
  if (msc_plane_get_format (job->src) == MSC_PLANE_U8)
    {
      const guint8 *in = msc_plane_peek_u8 (job->src) + (gsize) y * w;
      guint8 *p = dst;
      memcpy (p + r, in, w);
      for (guint k = 0; k < r; k++)
        p[k] = in[0];
      for (guint k = 0; k < r + 2; k++)
        p[r + w + k] = in[w - 1];
    }
  else
    {
      const guint16 *in = msc_plane_peek_u16 (job->src) + (gsize) y * w;
      gint16 *p = dst;
      /* conversion to gint16 wraps (GCC and clang define it so) */
      for (gsize x = 0; x < w; x++)
        p[r + x] = (gint16) (in[x] ^ 0x8000u);
      for (guint k = 0; k < r; k++)
        p[k] = p[r];
      for (guint k = 0; k < r + 2; k++)
        p[r + w + k] = p[r + w - 1];
    }
}

static void
median_task (guint task, gpointer data)
{
  MedianJob *job = data;
  guint h = msc_plane_get_height (job->src), w = msc_plane_get_width (job->src);
  guint y0 = (guint) ((guint64) h * task / job->n_bands);
  guint y1 = (guint) ((guint64) h * (task + 1) / job->n_bands);
  guint r = job->r, d = 2 * r + 1;
  gsize bpp = msc_plane_get_format (job->src);
  gsize pw = ((gsize) w + 2 * r + 2) * bpp;    /* w < 2^28: no overflow */
  /* Padded rows y-r..y+r (before clamping) live in slot (row + r) % d, so
   * moving down one output row pads just one new input row. */
  g_autofree guint8 *ring = g_malloc (d * pw);
  for (guint y = y0; y < y1; y++)
    {
      gconstpointer rows[5];
      for (guint e = 0; e < d; e++)
        {
          gint64 yy = (gint64) y + e - r;
          guint8 *slot = ring + (gsize) ((yy + r) % d) * pw;
          if (y == y0 || e == d - 1)
            median_pad_row (job, clamp_index (yy, h), slot);
          rows[e] = slot;
        }
      if (bpp == 1)
        {
          guint8 *o = msc_plane_u8 (job->dst) + (gsize) y * w;
          if (r == 1)
            median3_row_u8 ((const guint8 *const *) rows, o, w);
          else
            median5_row_u8 ((const guint8 *const *) rows, o, w);
        }
      else
        {
          guint16 *o = msc_plane_u16 (job->dst) + (gsize) y * w;
          if (r == 1)
            median3_row_u16 ((const gint16 *const *) rows, o, w);
          else
            median5_row_u16 ((const gint16 *const *) rows, o, w);
        }
    }
}

MscPlane *
msc_filter_median (const MscPlane *src, guint ksize, MscThreadPool *pool, GError **error)
{
  if (!check_src (src, "median", FALSE, error))
    return NULL;
  if (ksize != 3 && ksize != 5)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("median: kernel size %u is not 3 or 5"), ksize);
      return NULL;
    }
  /* every pixel is written: no need to zero or copy */
  g_autoptr (MscPlane) dst = msc_plane_new_uninitialised (msc_plane_get_format (src),
                                                          msc_plane_get_width (src),
                                                          msc_plane_get_height (src), error);
  if (dst == NULL)
    return NULL;
  msc_plane_set_bits (dst, msc_plane_get_bits (src));
  MedianJob job = { src, dst, ksize / 2, n_bands (pool, msc_plane_get_height (src)) };
  msc_thread_pool_run (pool, job.n_bands, median_task, &job);
  return g_steal_pointer (&dst);
}

/* ---- Gaussian ---------------------------------------------------------- */

/* Reflect-101 (gfedcb|abcdefgh|gfedcba) as OpenCV's borderInterpolate,
 * repeated for kernels wider than the image; a 1-pixel axis maps to 0. */
static guint
reflect101 (gint64 p, guint n)
{
  if (n == 1)
    return 0;
  while (p < 0 || p >= (gint64) n)
    p = p < 0 ? -p : 2 * ((gint64) n - 1) - p;
  return (guint) p;
}

/* Half kernel k[0..r] (k[0] the centre) of cv2.getGaussianKernel (n, sigma)
 * in double, normalised over the full kernel. */
static void
gaussian_kernel (double sigma, guint r, double *k)
{
  double scale = -0.5 / (sigma * sigma), sum = 0;
  for (guint i = 0; i <= r; i++)
    {
      k[i] = exp (scale * (double) i * i);
      sum += i ? 2 * k[i] : k[i];
    }
  for (guint i = 0; i <= r; i++)
    k[i] /= sum;
}

/* Integer kernel with `bits` fraction bits summing to exactly 2^bits, for
 * the U8 (8 bits) and U16 (16 bits) paths, quantised as OpenCV's bit-exact
 * paths do: from the outermost tap inwards each tap is rounded (half to
 * even, as cvRound) after adding the rounding error carried from the
 * previous one, and the centre takes what is left. Rows then columns are
 * exact integer sums; the only rounding is the final shift. */
static void
gaussian_kernel_fixed (const double *k, guint r, guint bits, guint32 *kf)
{
  double one = (double) (1u << bits), carry = 0;
  guint64 side = 0;
  for (guint i = r; i >= 1; i--)
    {
      double v = k[i] * one + carry;
      kf[i] = (guint32) lrint (v);
      carry = v - kf[i];
      side += kf[i];
    }
  kf[0] = (guint32) ((1u << bits) - 2 * side);
}

/* The two passes are fused per band of output rows: each band keeps the
 * row-filtered rows its column sums need in a ring of min (2r + 1, h) rows
 * (a row y lives in slot y % ring_rows), so the intermediate stays in L2
 * instead of going through memory as a whole image, and one pool run does
 * both passes. A band recomputes the r rows past each of its edges.
 *
 * Every integer path is exact, so evaluation order and lane width cannot
 * change a result:
 * - U8: taps have 8 fraction bits and sum to exactly 256 (k[0] >= 0, see
 *   gaussian_kernel_fixed), so a row sum is at most 255 * 256 = 65280 and
 *   is computed in 16-bit lanes (OpenCV's ufixedpoint16; its saturation
 *   can never trigger). The column sum is below 255 * 2^16 < 2^24, and so
 *   is every partial sum and product: exact in float, which has 8 lanes
 *   and a cheap multiply where 32-bit integers have neither before AVX2.
 * - U16: taps have 16 fraction bits; a row sum is below 2^32 (32-bit
 *   lanes), the column sum below 2^48, exact in double (53-bit mantissa).
 *   SIMD has no 64-bit integer multiply before AVX-512. Row sums go into
 *   the ring as doubles, offset by -2^31 so the conversion is the signed
 *   one SSE2 has; the taps summing to 2^16 puts the offset back.
 * - F32: the per-pixel order of operations is the old two-pass one. */

/* Columns per chunk: the chunk's accumulators stay in L1. Stores go
 * through a pointer to the chunk (oc): GCC 12 does not vectorise
 * out[x0 + j] with 32-bit unsigned indices, which may wrap. */
#define GAUSS_CHUNK 256

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  guint r, n_bands, ring_rows;
  gsize esize;              /* bytes per ring element: float, or double (U16) */
  guint8 *rings;            /* n_bands rings of ring_rows * width elements */
  const guint *xmap;        /* padded column -> source column (reflect-101) */
  const float *kf;          /* half kernel: float (F32), or the U8 fixed taps */
  const guint32 *ki;        /* fixed taps, 8 (U8) or 16 (U16) fraction bits */
  const double *kd16;       /* the U16 fixed taps as doubles */
} GaussJob;

/* Row sums of a padded row (pad[r + x] is column x): out[x], exact. */
MSC_CPU_CLONES static void
gauss_hrow_u8 (const guint8 *pad, guint w, guint r, const guint32 *ki, float *out)
{
  for (guint x0 = 0; x0 < w; x0 += GAUSS_CHUNK)
    {
      guint n = MIN (GAUSS_CHUNK, w - x0);
      float *oc = out + x0;
      const guint8 *c = pad + r + x0;
      guint16 acc[GAUSS_CHUNK], k0 = (guint16) ki[0];
      for (guint j = 0; j < n; j++)
        acc[j] = (guint16) (k0 * c[j]);
      for (guint i = 1; i <= r; i++)
        {
          guint16 kk = (guint16) ki[i];
          const guint8 *a = c - i, *b = c + i;
          for (guint j = 0; j < n; j++)
            acc[j] = (guint16) (acc[j] + kk * (guint16) (a[j] + b[j]));
        }
      for (guint j = 0; j < n; j++)
        oc[j] = acc[j];
    }
}

MSC_CPU_CLONES static void
gauss_hrow_u16 (const guint16 *pad, guint w, guint r, const guint32 *ki, double *out)
{
  for (guint x0 = 0; x0 < w; x0 += GAUSS_CHUNK)
    {
      guint n = MIN (GAUSS_CHUNK, w - x0);
      double *oc = out + x0;
      const guint16 *c = pad + r + x0;
      guint32 acc[GAUSS_CHUNK], k0 = ki[0];
      for (guint j = 0; j < n; j++)
        acc[j] = k0 * c[j];
      for (guint i = 1; i <= r; i++)
        {
          guint32 kk = ki[i];
          const guint16 *a = c - i, *b = c + i;
          for (guint j = 0; j < n; j++)
            acc[j] += kk * ((guint32) a[j] + b[j]);
        }
      for (guint j = 0; j < n; j++)
        oc[j] = (double) (gint32) (acc[j] ^ 0x80000000u);
    }
}

MSC_CPU_CLONES static void
gauss_hrow_f32 (const float *pad, guint w, guint r, const float *kf, float *out)
{
  for (guint x0 = 0; x0 < w; x0 += GAUSS_CHUNK)
    {
      guint n = MIN (GAUSS_CHUNK, w - x0);
      float *oc = out + x0;
      const float *c = pad + r + x0;
      float acc[GAUSS_CHUNK];
      for (guint j = 0; j < n; j++)
        acc[j] = kf[0] * c[j];
      for (guint i = 1; i <= r; i++)
        {
          float kk = kf[i];
          const float *a = c - i, *b = c + i;
          for (guint j = 0; j < n; j++)
            acc[j] += kk * (a[j] + b[j]);
        }
      for (guint j = 0; j < n; j++)
        oc[j] = acc[j];
    }
}

/* Column sums of one output row from rows[0..2r] (rows[r] the centre). */
MSC_CPU_CLONES static void
gauss_vrow_u8 (const float *const *rows, guint w, guint r, const float *k, guint8 *o)
{
  for (guint x0 = 0; x0 < w; x0 += GAUSS_CHUNK)
    {
      guint n = MIN (GAUSS_CHUNK, w - x0);
      guint8 *oc = o + x0;
      const float *c = rows[r] + x0;
      float acc[GAUSS_CHUNK];
      for (guint j = 0; j < n; j++)
        acc[j] = k[0] * c[j];
      for (guint i = 1; i <= r; i++)
        {
          float kk = k[i];
          const float *a = rows[r - i] + x0, *b = rows[r + i] + x0;
          for (guint j = 0; j < n; j++)
            acc[j] += kk * (a[j] + b[j]);
        }
      /* 16 fraction bits, rounded half up as OpenCV's ufixedpoint32 */
      for (guint j = 0; j < n; j++)
        oc[j] = (guint8) MIN (((guint32) (gint32) acc[j] + (1u << 15)) >> 16, 255u);
    }
}

MSC_CPU_CLONES static void
gauss_vrow_u16 (const double *const *rows, guint w, guint r, const double *k, guint16 *o)
{
  /* Adds back the ring's -2^31 offset times the taps' sum 2^16, and half
   * of the final 2^-32 step for rounding; all exact. */
  const double bias = 140737488355328.0 + 2147483648.0, step = 1.0 / 4294967296.0;
  for (guint x0 = 0; x0 < w; x0 += GAUSS_CHUNK)
    {
      guint n = MIN (GAUSS_CHUNK, w - x0);
      guint16 *oc = o + x0;
      const double *c = rows[r] + x0;
      double acc[GAUSS_CHUNK];
      for (guint j = 0; j < n; j++)
        acc[j] = k[0] * c[j];
      for (guint i = 1; i <= r; i++)
        {
          double kk = k[i];
          const double *a = rows[r - i] + x0, *b = rows[r + i] + x0;
          for (guint j = 0; j < n; j++)
            acc[j] += kk * (a[j] + b[j]);
        }
      /* non-negative, so truncation is the floor */
      for (guint j = 0; j < n; j++)
        oc[j] = (guint16) MIN ((gint32) ((acc[j] + bias) * step), 65535);
    }
}

MSC_CPU_CLONES static void
gauss_vrow_f32 (const float *const *rows, guint w, guint r, const float *k, float *o)
{
  for (guint x0 = 0; x0 < w; x0 += GAUSS_CHUNK)
    {
      guint n = MIN (GAUSS_CHUNK, w - x0);
      float *oc = o + x0;
      const float *c = rows[r] + x0;
      float acc[GAUSS_CHUNK];
      for (guint j = 0; j < n; j++)
        acc[j] = k[0] * c[j];
      for (guint i = 1; i <= r; i++)
        {
          float kk = k[i];
          const float *a = rows[r - i] + x0, *b = rows[r + i] + x0;
          for (guint j = 0; j < n; j++)
            acc[j] += kk * (a[j] + b[j]);
        }
      for (guint j = 0; j < n; j++)
        oc[j] = acc[j];
    }
}

/* Source row y padded with reflect-101 columns, then its row sums into
 * the ring slot `out`. */
static void
gauss_row (const GaussJob *job, guint y, gpointer pad, gpointer out)
{
  guint w = msc_plane_get_width (job->src), r = job->r;
  const guint *xmap = job->xmap;
  switch (msc_plane_get_format (job->src))
    {
    case MSC_PLANE_U8:
      {
        const guint8 *row = msc_plane_peek_u8 (job->src) + (gsize) y * w;
        guint8 *p = pad;
        memcpy (p + r, row, w);
        for (guint x = 0; x < r; x++)
          {
            p[x] = row[xmap[x]];
            p[r + w + x] = row[xmap[r + w + x]];
          }
        gauss_hrow_u8 (p, w, r, job->ki, out);
        break;
      }
    case MSC_PLANE_U16:
      {
        const guint16 *row = msc_plane_peek_u16 (job->src) + (gsize) y * w;
        guint16 *p = pad;
        memcpy (p + r, row, (gsize) w * 2);
        for (guint x = 0; x < r; x++)
          {
            p[x] = row[xmap[x]];
            p[r + w + x] = row[xmap[r + w + x]];
          }
        gauss_hrow_u16 (p, w, r, job->ki, out);
        break;
      }
    case MSC_PLANE_F32:
    default:
      {
        const float *row = msc_plane_peek_f32 (job->src) + (gsize) y * w;
        float *p = pad;
        memcpy (p + r, row, (gsize) w * 4);
        for (guint x = 0; x < r; x++)
          {
            p[x] = row[xmap[x]];
            p[r + w + x] = row[xmap[r + w + x]];
          }
        gauss_hrow_f32 (p, w, r, job->kf, out);
        break;
      }
    }
}

static void
gauss_task (guint task, gpointer data)
{
  GaussJob *job = data;
  guint h = msc_plane_get_height (job->src), w = msc_plane_get_width (job->src);
  guint y0 = (guint) ((guint64) h * task / job->n_bands);
  guint y1 = (guint) ((guint64) h * (task + 1) / job->n_bands);
  guint r = job->r, k = job->ring_rows;
  gsize row_bytes = (gsize) w * job->esize;
  guint8 *ring = job->rings + (gsize) task * k * row_bytes;
  MscPlaneFormat f = msc_plane_get_format (job->src);
  /* w + 2r <= 2^28 + 2^17 + 2: the byte count fits a gsize on 64-bit hosts. */
  g_autofree gpointer pad = g_malloc (((gsize) w + 2 * r) * 4);
  g_autofree gint64 *held = g_new (gint64, k);             /* source row in each slot */
  g_autofree gconstpointer *rows = g_new (gconstpointer, 2 * (gsize) r + 1);
  for (guint s = 0; s < k; s++)
    held[s] = -1;
  for (guint y = y0; y < y1; y++)
    {
      /* The distinct rows y - r .. y + r reflect to lie within that window
       * (or, when h <= r, are all of [0, h)), so their slots differ. */
      for (guint i = 0; i <= 2 * r; i++)
        {
          guint p = reflect101 ((gint64) y + i - r, h), s = p % k;
          guint8 *slot = ring + (gsize) s * row_bytes;
          if (held[s] != p)
            {
              gauss_row (job, p, pad, slot);
              held[s] = p;
            }
          rows[i] = slot;
        }
      gsize o = (gsize) y * w;
      if (f == MSC_PLANE_U8)
        gauss_vrow_u8 ((const float *const *) rows, w, r, job->kf, msc_plane_u8 (job->dst) + o);
      else if (f == MSC_PLANE_U16)
        gauss_vrow_u16 ((const double *const *) rows, w, r, job->kd16, msc_plane_u16 (job->dst) + o);
      else
        gauss_vrow_f32 ((const float *const *) rows, w, r, job->kf, msc_plane_f32 (job->dst) + o);
    }
}

MscPlane *
msc_filter_gaussian (const MscPlane *src, double sigma, guint ksize, MscThreadPool *pool, GError **error)
{
  if (!check_src (src, "gaussian", TRUE, error))
    return NULL;
  MscPlaneFormat f = msc_plane_get_format (src);
  if (!(sigma > 0) || !isfinite (sigma) || sigma > 1e4)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("gaussian: sigma %g is not in (0, 10000]"), sigma);
      return NULL;
    }
  if (ksize == 0)   /* cv2.GaussianBlur: cvRound (sigma * (8U ? 3 : 4) * 2 + 1) | 1 */
    ksize = (guint) lrint (sigma * (f == MSC_PLANE_U8 ? 3 : 4) * 2 + 1) | 1;
  if (ksize % 2 == 0 || ksize > 2 * 65536 + 1)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("gaussian: kernel size %u is not odd and at most 131073"), ksize);
      return NULL;
    }
  guint r = ksize / 2, w = msc_plane_get_width (src), h = msc_plane_get_height (src);
  /* every pixel is written: no need to zero or copy */
  g_autoptr (MscPlane) dst = msc_plane_new_uninitialised (f, w, h, error);
  if (dst == NULL)
    return NULL;
  if (f != MSC_PLANE_F32)
    msc_plane_set_bits (dst, msc_plane_get_bits (src));
  g_autofree double *kd = g_new (double, r + 1);
  g_autofree float *kf = g_new (float, r + 1);
  g_autofree guint32 *ki = g_new (guint32, r + 1);
  g_autofree double *kd16 = g_new (double, r + 1);
  gaussian_kernel (sigma, r, kd);
  if (f == MSC_PLANE_F32)
    for (guint i = 0; i <= r; i++)
      kf[i] = (float) kd[i];
  gaussian_kernel_fixed (kd, r, f == MSC_PLANE_U8 ? 8 : 16, ki);
  for (guint i = 0; i <= r; i++)
    {
      if (f == MSC_PLANE_U8)
        kf[i] = (float) ki[i];      /* <= 256: exact */
      kd16[i] = ki[i];
    }
  g_autofree guint *xmap = g_new (guint, (gsize) w + 2 * r);
  for (gsize x = 0; x < w + 2 * (gsize) r; x++)
    xmap[x] = reflect101 ((gint64) x - r, w);
  /* Bands no shorter than 4r + 2 rows, so recomputing r rows at each edge
   * costs at most half the row pass and the rings at most half a plane. */
  guint bands = MIN (n_bands (pool, h), MAX (1u, h / (4 * r + 2)));
  guint ring_rows = MIN (2 * r + 1, h);
  gsize esize = f == MSC_PLANE_U16 ? 8 : 4, ring_bytes = 0;
  g_autofree guint8 *rings = NULL;
  if (g_size_checked_mul (&ring_bytes, (gsize) bands * ring_rows, (gsize) w * esize))
    rings = g_try_malloc (ring_bytes);
  if (rings == NULL)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE,
                   _("gaussian: no memory for a %ux%u intermediate"), w, h);
      return NULL;
    }
  GaussJob job = { src, dst, r, bands, ring_rows, esize, rings, xmap, kf, ki, kd16 };
  msc_thread_pool_run (pool, job.n_bands, gauss_task, &job);
  return g_steal_pointer (&dst);
}

/* ---- unsharp masking --------------------------------------------------- */

MscPlane *
msc_filter_unsharp (const MscPlane *src, double sigma, double amount, MscThreadPool *pool, GError **error)
{
  if (!isfinite (amount) || amount < 0 || amount > 100)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("unsharp: amount %g is not in [0, 100]"), amount);
      return NULL;
    }
  /* The blur is rounded to the source format first, as
   * cv2.addWeighted (src, 1 + amount, GaussianBlur (src), -amount, 0). */
  g_autoptr (MscPlane) blur = msc_filter_gaussian (src, sigma, 0, pool, error);
  if (blur == NULL)
    return NULL;
  g_autoptr (MscPlane) dst = msc_plane_copy (src, error);
  if (dst == NULL)
    return NULL;
  gsize n = msc_plane_get_n_pixels (src);
  float a = (float) amount, hi = (float) msc_plane_get_max_value (src);
  switch (msc_plane_get_format (src))
    {
    case MSC_PLANE_U8:
      {
        const guint8 *s = msc_plane_peek_u8 (src), *b = msc_plane_peek_u8 (blur);
        guint8 *d = msc_plane_u8 (dst);
        for (gsize i = 0; i < n; i++)
          d[i] = (guint8) CLAMP ((float) s[i] + a * ((float) s[i] - (float) b[i]) + 0.5f, 0.0f, hi);
        break;
      }
    case MSC_PLANE_U16:
      {
        const guint16 *s = msc_plane_peek_u16 (src), *b = msc_plane_peek_u16 (blur);
        guint16 *d = msc_plane_u16 (dst);
        for (gsize i = 0; i < n; i++)
          d[i] = (guint16) CLAMP ((float) s[i] + a * ((float) s[i] - (float) b[i]) + 0.5f, 0.0f, hi);
        break;
      }
    case MSC_PLANE_F32:
    default:
      {
        const float *s = msc_plane_peek_f32 (src), *b = msc_plane_peek_f32 (blur);
        float *d = msc_plane_f32 (dst);
        for (gsize i = 0; i < n; i++)
          d[i] = s[i] + a * (s[i] - b[i]);
        break;
      }
    }
  return g_steal_pointer (&dst);
}
