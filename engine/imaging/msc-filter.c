/* engine/imaging/msc-filter.c — median, Gaussian and unsharp filters.
 *
 * All kernels work on whole rows so GCC/clang vectorise across columns:
 * the median is a branch-free min/max network, the Gaussian a symmetric
 * multiply-add per tap. Rows are split into bands run on the thread pool.
 */
#include "msc-filter.h"

#include <math.h>
#include <string.h>

#include "msc-imaging-error.h"
#include "msc-median-network-private.h"

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
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID, "%s: no input plane", step);
      return FALSE;
    }
  MscPlaneFormat f = msc_plane_get_format (src);
  if (f == MSC_PLANE_F32 && !allow_f32)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   "%s: F32 planes are not supported (U8 or U16 only)", step);
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

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  guint r, n_bands;
} MedianJob;

/* Column-sort then select: for output row y, every (padded) column's 2r+1
 * values are sorted once (cE = rank E) and shared by the 2r+1 outputs that
 * use the column; the generated network then takes the median of 2r+1
 * sorted columns. Borders replicate (cv2.medianBlur). Scratch holds
 * (2r+1) rows of w + 2r values. */
#define SORT2(T, a, b) do { T lo_ = MIN (a, b); b = MAX (a, b); a = lo_; } while (0)

#define DEFINE_MEDIAN_BAND(T, sfx)                                              \
static void                                                                     \
median_band_##sfx (MedianJob *job, guint y0, guint y1, T *scratch)             \
{                                                                               \
  const T *in = (const T *) msc_plane_peek_##sfx (job->src);                    \
  T *out = (T *) msc_plane_##sfx (job->dst);                                    \
  guint w = msc_plane_get_width (job->src), h = msc_plane_get_height (job->src);\
  guint r = job->r, pw = w + 2 * r;                                             \
  T *s[5];                                                                      \
  for (guint e = 0; e < 2 * r + 1; e++)                                         \
    s[e] = scratch + (gsize) e * pw;                                            \
  for (guint y = y0; y < y1; y++)                                               \
    {                                                                           \
      const T *row[5];                                                          \
      for (guint e = 0; e < 2 * r + 1; e++)                                     \
        row[e] = in + (gsize) clamp_index ((gint64) y + e - r, h) * w;          \
      if (r == 1)                                                               \
        {                                                                       \
          T *s0 = s[0] + 1, *s1 = s[1] + 1, *s2 = s[2] + 1;                     \
          for (gsize x = 0; x < w; x++)                                         \
            {                                                                   \
              T a = row[0][x], b = row[1][x], c = row[2][x];                    \
              SORT2 (T, a, b); SORT2 (T, b, c); SORT2 (T, a, b);                         \
              s0[x] = a; s1[x] = b; s2[x] = c;                                  \
            }                                                                   \
        }                                                                       \
      else                                                                      \
        {                                                                       \
          T *s0 = s[0] + 2, *s1 = s[1] + 2, *s2 = s[2] + 2, *s3 = s[3] + 2,     \
            *s4 = s[4] + 2;                                                     \
          for (gsize x = 0; x < w; x++)                                         \
            {                                                                   \
              T a = row[0][x], b = row[1][x], c = row[2][x], d = row[3][x],     \
                e = row[4][x];                                                  \
              SORT2 (T, a, b); SORT2 (T, d, e); SORT2 (T, c, e); SORT2 (T, c, d);           \
              SORT2 (T, a, d); SORT2 (T, a, c); SORT2 (T, b, e); SORT2 (T, b, d);           \
              SORT2 (T, b, c);                                                     \
              s0[x] = a; s1[x] = b; s2[x] = c; s3[x] = d; s4[x] = e;            \
            }                                                                   \
        }                                                                       \
      for (guint e = 0; e < 2 * r + 1; e++)                                     \
        for (guint k = 0; k < r; k++)                                           \
          {                                                                     \
            s[e][k] = s[e][r];                                                  \
            s[e][r + w + k] = s[e][r + w - 1];                                  \
          }                                                                     \
      T *o = out + (gsize) y * w;                                               \
      if (r == 1)                                                               \
        {                                                                       \
          const T *s0 = s[0], *s1 = s[1], *s2 = s[2];                           \
          for (gsize x = 0; x < w; x++)                                         \
            {                                                                   \
              T c0_0 = s0[x], c0_1 = s1[x], c0_2 = s2[x];                       \
              T c1_0 = s0[x + 1], c1_1 = s1[x + 1], c1_2 = s2[x + 1];           \
              T c2_0 = s0[x + 2], c2_1 = s1[x + 2], c2_2 = s2[x + 2];           \
              T m;                                                              \
              MSC_MEDIAN_NET_3 (T, m);                                          \
              o[x] = m;                                                         \
            }                                                                   \
        }                                                                       \
      else                                                                      \
        {                                                                       \
          const T *s0 = s[0], *s1 = s[1], *s2 = s[2], *s3 = s[3], *s4 = s[4];   \
          for (gsize x = 0; x < w; x++)                                         \
            {                                                                   \
              T c0_0 = s0[x], c0_1 = s1[x], c0_2 = s2[x], c0_3 = s3[x], c0_4 = s4[x];\
              T c1_0 = s0[x + 1], c1_1 = s1[x + 1], c1_2 = s2[x + 1], c1_3 = s3[x + 1], c1_4 = s4[x + 1];\
              T c2_0 = s0[x + 2], c2_1 = s1[x + 2], c2_2 = s2[x + 2], c2_3 = s3[x + 2], c2_4 = s4[x + 2];\
              T c3_0 = s0[x + 3], c3_1 = s1[x + 3], c3_2 = s2[x + 3], c3_3 = s3[x + 3], c3_4 = s4[x + 3];\
              T c4_0 = s0[x + 4], c4_1 = s1[x + 4], c4_2 = s2[x + 4], c4_3 = s3[x + 4], c4_4 = s4[x + 4];\
              T m;                                                              \
              MSC_MEDIAN_NET_5 (T, m);                                          \
              o[x] = m;                                                         \
            }                                                                   \
        }                                                                       \
    }                                                                           \
}

DEFINE_MEDIAN_BAND (guint8, u8)
DEFINE_MEDIAN_BAND (guint16, u16)

static void
median_task (guint task, gpointer data)
{
  MedianJob *job = data;
  guint h = msc_plane_get_height (job->src), w = msc_plane_get_width (job->src);
  guint y0 = (guint) ((guint64) h * task / job->n_bands);
  guint y1 = (guint) ((guint64) h * (task + 1) / job->n_bands);
  gsize bpp = msc_plane_get_format (job->src);
  /* (2r+1) rows of w + 2r: w < 2^28 so this cannot overflow a gsize. */
  g_autofree guint8 *scratch = g_malloc ((2 * job->r + 1) * ((gsize) w + 2 * job->r) * bpp);
  if (bpp == 1)
    median_band_u8 (job, y0, y1, (guint8 *) scratch);
  else
    median_band_u16 (job, y0, y1, (guint16 *) scratch);
}

MscPlane *
msc_filter_median (const MscPlane *src, guint ksize, MscThreadPool *pool, GError **error)
{
  if (!check_src (src, "median", FALSE, error))
    return NULL;
  if (ksize != 3 && ksize != 5)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   "median: kernel size %u is not 3 or 5", ksize);
      return NULL;
    }
  g_autoptr (MscPlane) dst = msc_plane_copy (src, error);
  if (dst == NULL)
    return NULL;
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

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  gpointer tmp;
  guint r, n_bands, phase;
  const guint *xmap;
  const float *kf;          /* float half kernel (U16, F32) */
  const guint32 *ki;        /* fixed half kernel, 8 fraction bits (U8) */
  const guint32 *ki16;      /* 16 fraction bits (U16) */
} GaussJob;

static void
gauss_rows_u8 (const GaussJob *job, guint y0, guint y1, guint8 *pad, guint32 *acc)
{
  guint w = msc_plane_get_width (job->src), r = job->r;
  const guint8 *in = msc_plane_peek_u8 (job->src);
  guint16 *tmp = job->tmp;
  for (guint y = y0; y < y1; y++)
    {
      const guint8 *row = in + (gsize) y * w;
      for (gsize x = 0; x < w + 2 * (gsize) r; x++)
        pad[x] = row[job->xmap[x]];
      guint16 *t = tmp + (gsize) y * w;
      const guint8 *c = pad + r;
      for (gsize x = 0; x < w; x++)
        acc[x] = job->ki[0] * c[x];
      for (guint i = 1; i <= r; i++)
        {
          guint32 kk = job->ki[i];
          const guint8 *a = c - i, *b = c + i;
          for (gsize x = 0; x < w; x++)
            acc[x] += kk * (guint32) (a[x] + b[x]);
        }
      /* the taps may sum to a little over 256: saturate as ufixedpoint16 */
      for (gsize x = 0; x < w; x++)
        t[x] = (guint16) MIN (acc[x], 65535u);
    }
}

static void
gauss_cols_u8 (const GaussJob *job, guint y0, guint y1, guint32 *acc)
{
  guint w = msc_plane_get_width (job->src), h = msc_plane_get_height (job->src), r = job->r;
  const guint16 *tmp = job->tmp;
  guint8 *out = msc_plane_u8 (job->dst);
  for (guint y = y0; y < y1; y++)
    {
      const guint16 *c = tmp + (gsize) y * w;
      for (gsize x = 0; x < w; x++)
        acc[x] = job->ki[0] * c[x] + (1u << 15);
      for (guint i = 1; i <= r; i++)
        {
          const guint16 *a = tmp + (gsize) reflect101 ((gint64) y - i, h) * w;
          const guint16 *b = tmp + (gsize) reflect101 ((gint64) y + i, h) * w;
          guint32 kk = job->ki[i];
          for (gsize x = 0; x < w; x++)
            acc[x] += kk * ((guint32) a[x] + b[x]);
        }
      guint8 *o = out + (gsize) y * w;
      for (gsize x = 0; x < w; x++)
        o[x] = (guint8) MIN (acc[x] >> 16, 255u);
    }
}

#define DEFINE_GAUSS_ROWS_F(T, sfx)                                             \
static void                                                                     \
gauss_rows_##sfx (const GaussJob *job, guint y0, guint y1, float *pad)          \
{                                                                               \
  guint w = msc_plane_get_width (job->src), r = job->r;                         \
  const T *in = msc_plane_peek_##sfx (job->src);                                \
  float *tmp = job->tmp;                                                        \
  for (guint y = y0; y < y1; y++)                                               \
    {                                                                           \
      const T *row = in + (gsize) y * w;                                        \
      for (gsize x = 0; x < w + 2 * (gsize) r; x++)                                     \
        pad[x] = (float) row[job->xmap[x]];                                     \
      float *t = tmp + (gsize) y * w;                                           \
      const float *c = pad + r;                                                 \
      for (gsize x = 0; x < w; x++)                                             \
        t[x] = job->kf[0] * c[x];                                               \
      for (guint i = 1; i <= r; i++)                                            \
        {                                                                       \
          float kk = job->kf[i];                                                \
          const float *a = c - i, *b = c + i;                                   \
          for (gsize x = 0; x < w; x++)                                         \
            t[x] += kk * (a[x] + b[x]);                                         \
        }                                                                       \
    }                                                                           \
}
DEFINE_GAUSS_ROWS_F (float, f32)

/* U16: 16 fraction bits; taps sum to 2^16, so a row sum of 16-bit values
 * fits 32 bits exactly and the column sum 48 bits. */
static void
gauss_rows_u16 (const GaussJob *job, guint y0, guint y1, guint16 *pad)
{
  guint w = msc_plane_get_width (job->src), r = job->r;
  const guint16 *in = msc_plane_peek_u16 (job->src);
  guint32 *tmp = job->tmp;
  for (guint y = y0; y < y1; y++)
    {
      const guint16 *row = in + (gsize) y * w;
      for (gsize x = 0; x < w + 2 * (gsize) r; x++)
        pad[x] = row[job->xmap[x]];
      guint32 *t = tmp + (gsize) y * w;
      const guint16 *c = pad + r;
      for (gsize x = 0; x < w; x++)
        t[x] = job->ki16[0] * c[x];
      for (guint i = 1; i <= r; i++)
        {
          guint32 kk = job->ki16[i];
          const guint16 *a = c - i, *b = c + i;
          for (gsize x = 0; x < w; x++)
            t[x] += kk * a[x] + kk * b[x];
        }
    }
}

static void
gauss_cols_u16 (const GaussJob *job, guint y0, guint y1, guint64 *acc)
{
  guint w = msc_plane_get_width (job->src), h = msc_plane_get_height (job->src), r = job->r;
  const guint32 *tmp = job->tmp;
  guint16 *out = msc_plane_u16 (job->dst);
  for (guint y = y0; y < y1; y++)
    {
      const guint32 *c = tmp + (gsize) y * w;
      for (gsize x = 0; x < w; x++)
        acc[x] = (guint64) job->ki16[0] * c[x] + (G_GUINT64_CONSTANT (1) << 31);
      for (guint i = 1; i <= r; i++)
        {
          const guint32 *a = tmp + (gsize) reflect101 ((gint64) y - i, h) * w;
          const guint32 *b = tmp + (gsize) reflect101 ((gint64) y + i, h) * w;
          guint64 kk = job->ki16[i];
          for (gsize x = 0; x < w; x++)
            acc[x] += kk * a[x] + kk * b[x];
        }
      guint16 *o = out + (gsize) y * w;
      for (gsize x = 0; x < w; x++)
        o[x] = (guint16) MIN (acc[x] >> 32, 65535u);
    }
}

static void
gauss_cols_f (const GaussJob *job, guint y0, guint y1, float *acc)
{
  guint w = msc_plane_get_width (job->src), h = msc_plane_get_height (job->src), r = job->r;
  const float *tmp = job->tmp;
  gboolean u16 = msc_plane_get_format (job->src) == MSC_PLANE_U16;
  for (guint y = y0; y < y1; y++)
    {
      const float *c = tmp + (gsize) y * w;
      float *o = u16 ? acc : msc_plane_f32 (job->dst) + (gsize) y * w;
      for (gsize x = 0; x < w; x++)
        o[x] = job->kf[0] * c[x];
      for (guint i = 1; i <= r; i++)
        {
          const float *a = tmp + (gsize) reflect101 ((gint64) y - i, h) * w;
          const float *b = tmp + (gsize) reflect101 ((gint64) y + i, h) * w;
          float kk = job->kf[i];
          for (gsize x = 0; x < w; x++)
            o[x] += kk * (a[x] + b[x]);
        }
      if (u16)
        {
          /* Weights sum to 1 and inputs are <= 65535, but float rounding can
           * overshoot slightly: clamp before the conversion. */
          guint16 *d = msc_plane_u16 (job->dst) + (gsize) y * w;
          for (gsize x = 0; x < w; x++)
            d[x] = (guint16) CLAMP (o[x] + 0.5f, 0.0f, 65535.0f);
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
  MscPlaneFormat f = msc_plane_get_format (job->src);
  /* w + 2r <= 2^28 + 2^29: the byte count fits a gsize on 64-bit hosts. */
  g_autofree gpointer buf = g_malloc (((gsize) w + 2 * job->r) * 8);
  g_autofree guint32 *acc = f == MSC_PLANE_U8 && job->phase == 0 ? g_new (guint32, w) : NULL;
  if (job->phase == 0)
    {
      if (f == MSC_PLANE_U8)
        gauss_rows_u8 (job, y0, y1, buf, acc);
      else if (f == MSC_PLANE_U16)
        gauss_rows_u16 (job, y0, y1, (guint16 *) buf);
      else
        gauss_rows_f32 (job, y0, y1, buf);
    }
  else if (f == MSC_PLANE_U8)
    gauss_cols_u8 (job, y0, y1, buf);
  else if (f == MSC_PLANE_U16)
    gauss_cols_u16 (job, y0, y1, buf);
  else
    gauss_cols_f (job, y0, y1, buf);
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
                   "gaussian: sigma %g is not in (0, 10000]", sigma);
      return NULL;
    }
  if (ksize == 0)   /* cv2.GaussianBlur: cvRound (sigma * (8U ? 3 : 4) * 2 + 1) | 1 */
    ksize = (guint) lrint (sigma * (f == MSC_PLANE_U8 ? 3 : 4) * 2 + 1) | 1;
  if (ksize % 2 == 0 || ksize > 2 * 65536 + 1)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   "gaussian: kernel size %u is not odd and at most 131073", ksize);
      return NULL;
    }
  guint r = ksize / 2, w = msc_plane_get_width (src), h = msc_plane_get_height (src);
  g_autoptr (MscPlane) dst = msc_plane_copy (src, error);
  if (dst == NULL)
    return NULL;
  g_autofree double *kd = g_new (double, r + 1);
  g_autofree float *kf = g_new (float, r + 1);
  g_autofree guint32 *ki = g_new (guint32, r + 1);
  g_autofree guint32 *ki16 = g_new (guint32, r + 1);
  gaussian_kernel (sigma, r, kd);
  for (guint i = 0; i <= r; i++)
    kf[i] = (float) kd[i];
  gaussian_kernel_fixed (kd, r, 8, ki);
  gaussian_kernel_fixed (kd, r, 16, ki16);
  g_autofree guint *xmap = g_new (guint, (gsize) w + 2 * r);
  for (gsize x = 0; x < w + 2 * (gsize) r; x++)
    xmap[x] = reflect101 ((gint64) x - r, w);
  /* The intermediate is guint16 (U8 path, 8 fraction bits) or float. */
  g_autofree gpointer tmp = g_try_malloc (msc_plane_get_n_pixels (src) * (f == MSC_PLANE_U8 ? 2 : 4));
  if (tmp == NULL)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE,
                   "gaussian: no memory for a %ux%u intermediate", w, h);
      return NULL;
    }
  GaussJob job = { src, dst, tmp, r, n_bands (pool, h), 0, xmap, kf, ki, ki16 };
  msc_thread_pool_run (pool, job.n_bands, gauss_task, &job);
  job.phase = 1;
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
                   "unsharp: amount %g is not in [0, 100]", amount);
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
