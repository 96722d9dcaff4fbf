/* engine/imaging/msc-geometry.c — resize (as cv2.resize), resampling to a
 * pixel spacing, letterbox, crop, flips, rotation and affine warps (as
 * cv2.warpAffine), each reporting the source -> result pixel-centre map.
 * Rounding follows OpenCV 4.6 where it is cheap to do so (11-bit resize
 * weights for U8, 1/32-pixel warp positions) so results match it closely.
 */
#include "msc-geometry.h"
#include "msc-geometry-private.h"
#include "msc-plane-private.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"

/* OpenCV's INTER_RESIZE_COEF_BITS: U8 resize weights are 11-bit integers. */
#define COEF_BITS 11
#define COEF_SCALE (1 << COEF_BITS)

/* Rows per pool task: small enough to balance two threads on 256-row
 * results, large enough that the per-task row buffers are amortised. */
#define BAND_ROWS 32

gpointer
msc_geometry_fail (GError **error, MscImagingError code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, MSC_IMAGING_ERROR, code, msg);
  return NULL;
}

/* ---- affine maps ---------------------------------------------------- */

void
msc_affine_identity (MscAffine *a)
{
  *a = (MscAffine) { { 1, 0, 0, 0, 1, 0 } };
}

void
msc_affine_then (MscAffine *a, const MscAffine *next)
{
  const double *n = next->m, *p = a->m;
  MscAffine r = { {
    n[0] * p[0] + n[1] * p[3], n[0] * p[1] + n[1] * p[4], n[0] * p[2] + n[1] * p[5] + n[2],
    n[3] * p[0] + n[4] * p[3], n[3] * p[1] + n[4] * p[4], n[3] * p[2] + n[4] * p[5] + n[5],
  } };
  *a = r;
}

gboolean
msc_affine_invert (const MscAffine *a, MscAffine *inverse)
{
  const double *m = a->m;
  double d = m[0] * m[4] - m[1] * m[3];
  if (d == 0 || !isfinite (d) || !isfinite (m[2]) || !isfinite (m[5]))
    return FALSE;
  /* Same operation order as cv::invertAffineTransform, so warps sample
   * exactly where cv2.warpAffine does. */
  d = 1.0 / d;
  double a11 = m[4] * d, a22 = m[0] * d, a12 = -m[1] * d, a21 = -m[3] * d;
  MscAffine r = { { a11, a12, -a11 * m[2] - a12 * m[5], a21, a22, -a21 * m[2] - a22 * m[5] } };
  for (guint i = 0; i < 6; i++)
    if (!isfinite (r.m[i]))
      return FALSE;
  *inverse = r;
  return TRUE;
}

void
msc_affine_apply (const MscAffine *a, double x, double y, double *out_x, double *out_y)
{
  double nx = a->m[0] * x + a->m[1] * y + a->m[2];
  double ny = a->m[3] * x + a->m[4] * y + a->m[5];
  *out_x = nx;
  *out_y = ny;
}

static void
set_transform (MscAffine *t, double a, double b, double c, double d, double e, double f)
{
  if (t != NULL)
    *t = (MscAffine) { { a, b, c, d, e, f } };
}

/* ---- shared helpers ----------------------------------------------- */

gboolean
msc_geometry_check_src (const MscPlane *src, const char *step, GError **error)
{
  if (src == NULL)
    {
      msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("%s: no source image"), step);
      return FALSE;
    }
  MscPlaneFormat f = msc_plane_get_format (src);
  if (f != MSC_PLANE_U8 && f != MSC_PLANE_U16 && f != MSC_PLANE_F32)
    {
      msc_geometry_fail (error, MSC_IMAGING_ERROR_FORMAT, _("%s: pixel format %d is not U8, U16 or F32"), step, f);
      return FALSE;
    }
  return TRUE;
}

MscPlane *
msc_geometry_new_like (const MscPlane *src, guint width, guint height, const char *step, GError **error)
{
  g_autoptr (GError) local = NULL;
  MscPlane *p = msc_plane_new (msc_plane_get_format (src), width, height, &local);
  if (p == NULL)
    return msc_geometry_fail (error, local->code, _("%s: %s"), step, local->message);
  if (msc_plane_get_format (src) != MSC_PLANE_F32)
    msc_plane_set_bits (p, msc_plane_get_bits (src));
  return p;
}

/* Round half to even as cvRound (lrint in the default rounding mode), in
 * a form the vectoriser accepts: adding 1.5 * 2^23 leaves the rounded
 * integer in the mantissa for |v| < 2^22. Callers clamp first. */
static inline float
round_even (float v)
{
  const float magic = 12582912.0f;
  return (v + magic) - magic;
}

/* ---- resize tables --------------------------------------------------- */

/* One axis of a separable resize: for result index d, taps
 * ofs[d*k .. d*k+k-1] (clamped source indices) with float weights wf and
 * 11-bit integer weights wi (U8 path). */
typedef struct {
  guint n, k;
  gint *ofs;
  float *wf;
  gint16 *wi;
  /* Integer shrink factors give taps ofs[0] + d * stride with the same
   * weights for every d (stride 0 otherwise): the horizontal pass then
   * reads with a constant stride the compiler vectorises. */
  guint stride;
  gboolean adjacent;      /* k == 2 and every pair is (o, o + 1) */
} Axis;

static void
axis_clear (Axis *a)
{
  g_clear_pointer (&a->ofs, g_free);
  g_clear_pointer (&a->wf, g_free);
  g_clear_pointer (&a->wi, g_free);
}

/* Keys' cubic with a = -0.75, as OpenCV's interpolateCubic (float). */
void
msc_geometry_cubic_coeffs (float x, float c[4])
{
  const float A = -0.75f;
  c[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
  c[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
  c[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
  c[3] = 1.f - c[0] - c[1] - c[2];
}

/* Source positions as cv::resize: centre-aligned ((d + 0.5) * scale - 0.5)
 * for LINEAR/CUBIC, OpenCV's own "area" variant when AREA enlarges, and
 * floor (d * scale) for NEAREST. LINEAR/AREA clamp at the borders. */
static void
axis_init (Axis *a, guint src_n, guint dst_n, MscInterp interp)
{
  double inv_scale = (double) dst_n / src_n, scale = 1.0 / inv_scale;
  a->n = dst_n;
  a->k = interp == MSC_INTERP_CUBIC ? 4 : interp == MSC_INTERP_NEAREST ? 1 : 2;
  a->ofs = g_new (gint, (gsize) dst_n * a->k);
  a->wf = g_new (float, (gsize) dst_n * a->k);
  a->wi = g_new (gint16, (gsize) dst_n * a->k);
  for (guint d = 0; d < dst_n; d++)
    {
      float c[4] = { 1, 0, 0, 0 };
      int s;
      if (interp == MSC_INTERP_NEAREST)
        s = MIN ((int) floor (d * scale), (int) src_n - 1);
      else
        {
          float f;
          if (interp == MSC_INTERP_AREA)
            {
              s = (int) floor (d * scale);
              f = (float) ((d + 1) - (s + 1) * inv_scale);
              f = f <= 0 ? 0.f : f - floorf (f);
            }
          else
            {
              f = (float) ((d + 0.5) * scale - 0.5);
              s = (int) floorf (f);
              f -= s;
            }
          if (interp == MSC_INTERP_CUBIC)
            {
              msc_geometry_cubic_coeffs (f, c);
              s -= 1;
            }
          else
            {
              if (s < 0)
                f = 0, s = 0;
              if (s >= (int) src_n - 1)
                f = 0, s = (int) src_n - 1;
              c[0] = 1.f - f;
              c[1] = f;
            }
        }
      /* A right-border pair (n-1, n) reads as (n-2, n-1) with weights
       * (0, 1): the same value, and taps stay adjacent. */
      if (a->k == 2 && s == (int) src_n - 1 && src_n >= 2 && c[1] == 0)
        s -= 1, c[1] = c[0], c[0] = 0;
      for (guint j = 0; j < a->k; j++)
        {
          gsize i = (gsize) d * a->k + j;
          a->ofs[i] = CLAMP (s + (int) j, 0, (int) src_n - 1);
          a->wf[i] = c[j];
          a->wi[i] = (gint16) lrintf (c[j] * COEF_SCALE);
        }
    }
  a->adjacent = a->k == 2;
  for (guint d = 0; d < dst_n && a->adjacent; d++)
    a->adjacent = a->ofs[2 * d + 1] == a->ofs[2 * d] + 1;
  a->stride = 0;
  if (a->k == 2 && dst_n >= 2 && src_n % dst_n == 0 && src_n / dst_n <= 4)
    {
      guint st = src_n / dst_n;
      gboolean uniform = TRUE;
      for (guint d = 0; d < dst_n && uniform; d++)
        uniform = a->ofs[2 * d] == a->ofs[0] + (gint) (d * st) && a->ofs[2 * d + 1] == a->ofs[2 * d] + 1 &&
                  a->wi[2 * d] == a->wi[0] && a->wi[2 * d + 1] == a->wi[1] &&
                  a->wf[2 * d] == a->wf[0] && a->wf[2 * d + 1] == a->wf[1];
      a->stride = uniform ? st : 0;
    }
}

/* ---- separable resize: horizontal pass into row buffers, vertical mix -- */

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  Axis ax, ay;
  guint max_value;
} Resize;

/* U8 rows hold sum (s * w), w 11-bit; the vertical pass reproduces
 * OpenCV's SIMD rounding (VResizeLinearVec_32s8u) on them. */
#define STRIDED_PAIRS(T, ACC, W)                                              \
  do {                                                                        \
    const T *b = s + a->ofs[0];                                               \
    ACC w0 = a->W[0], w1 = a->W[1];                                           \
    switch (a->stride)                                                        \
      {                                                                       \
      case 3:                                                                 \
        for (gsize d = 0; d < a->n; d++)                                      \
          row[d] = b[3 * d] * w0 + b[3 * d + 1] * w1;                         \
        return;                                                               \
      case 4:                                                                 \
        for (gsize d = 0; d < a->n; d++)                                      \
          row[d] = b[4 * d] * w0 + b[4 * d + 1] * w1;                         \
        return;                                                               \
      default:                                                                \
        break;                                                                \
      }                                                                       \
  } while (0)

static void
hpass_u8 (const Resize *r, const guint8 *s, gint32 *row)
{
  const Axis *a = &r->ax;
  STRIDED_PAIRS (guint8, gint32, wi);
  if (a->adjacent)
    {
      const gint *o = a->ofs;
      const gint16 *w = a->wi;
      for (gsize d = 0; d < a->n; d++)
        {
          const guint8 *p = s + o[2 * d];
          row[d] = p[0] * w[2 * d] + p[1] * w[2 * d + 1];
        }
    }
  else if (a->k == 2)
    for (guint d = 0; d < a->n; d++)
      row[d] = s[a->ofs[2 * d]] * a->wi[2 * d] + s[a->ofs[2 * d + 1]] * a->wi[2 * d + 1];
  else
    for (guint d = 0; d < a->n; d++)
      {
        gint32 acc = 0;
        for (guint j = 0; j < 4; j++)
          acc += s[a->ofs[4 * d + j]] * a->wi[4 * d + j];
        row[d] = acc;
      }
}

#define DEFINE_HPASS_F(name, T)                                               \
  static void name (const Resize *r, const T *s, float *row)                  \
  {                                                                           \
    const Axis *a = &r->ax;                                                   \
    STRIDED_PAIRS (T, float, wf);                                             \
    if (a->k == 2)                                                            \
      for (guint d = 0; d < a->n; d++)                                        \
        row[d] = s[a->ofs[2 * d]] * a->wf[2 * d] + s[a->ofs[2 * d + 1]] * a->wf[2 * d + 1]; \
    else                                                                      \
      for (guint d = 0; d < a->n; d++)                                        \
        {                                                                     \
          float acc = 0;                                                      \
          for (guint j = 0; j < 4; j++)                                       \
            acc += s[a->ofs[4 * d + j]] * a->wf[4 * d + j];                   \
          row[d] = acc;                                                       \
        }                                                                     \
  }
DEFINE_HPASS_F (hpass_u16, guint16)
DEFINE_HPASS_F (hpass_f32, float)

static void
vpass_u8 (guint n, guint k, gint32 *const *rows, const gint16 *b, guint8 *out)
{
  if (k == 2)
    {
      const gint32 *r0 = rows[0], *r1 = rows[1];
      int b0 = b[0], b1 = b[1];
      /* OpenCV's SIMD rounding: high halves of (r >> 4) * b, then (+2) >> 2. */
      for (guint x = 0; x < n; x++)
        {
          int v = (((r0[x] >> 4) * b0) >> 16) + (((r1[x] >> 4) * b1) >> 16);
          v = (v + 2) >> 2;
          out[x] = (guint8) CLAMP (v, 0, 255);
        }
      return;
    }
  for (guint x = 0; x < n; x++)
    {
      gint64 acc = 0;
      for (guint j = 0; j < 4; j++)
        acc += (gint64) rows[j][x] * b[j];
      gint64 v = (acc + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS);
      out[x] = (guint8) CLAMP (v, 0, 255);
    }
}

static void
vpass_f (guint n, guint k, float *const *rows, const float *b, float *out)
{
  if (k == 2)
    {
      const float *r0 = rows[0], *r1 = rows[1];
      float b0 = b[0], b1 = b[1];
      for (guint x = 0; x < n; x++)
        out[x] = r0[x] * b0 + r1[x] * b1;
      return;
    }
  const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
  for (guint x = 0; x < n; x++)
    out[x] = r0[x] * b[0] + r1[x] * b[1] + r2[x] * b[2] + r3[x] * b[3];
}

static void
store_u16 (guint n, const float *v, guint16 *out, float max_value)
{
  /* |v| < 2^22 (weighted sums of values <= 65535 with bounded weights),
   * so rounding first and clamping as integers is exact and vectorises. */
  gint32 maxv = (gint32) max_value;
  for (guint x = 0; x < n; x++)
    {
      gint32 i = (gint32) round_even (v[x]);
      i = i < 0 ? 0 : i;
      out[x] = (guint16) (i > maxv ? maxv : i);
    }
}

/* U8 LINEAR with an integer shrink factor: both passes fused per result
 * pixel, same arithmetic as hpass_u8 + vpass_u8 (no row buffers; the
 * constant stride st lets the compiler vectorise the de-interleaving). */
static inline void
fused_u8_row (const guint8 *s0, const guint8 *s1, int w0, int w1, int b0, int b1, guint8 *out,
              gsize n, const gsize st)
{
  for (gsize d = 0; d < n; d++)
    {
      int r0 = s0[st * d] * w0 + s0[st * d + 1] * w1;
      int r1 = s1[st * d] * w0 + s1[st * d + 1] * w1;
      int v = (((r0 >> 4) * b0) >> 16) + (((r1 >> 4) * b1) >> 16);
      v = (v + 2) >> 2;
      out[d] = (guint8) (v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

/* The same when both horizontal weights are multiples of 16 (fractions
 * in 1/128 steps, e.g. 1/2 for even factors): then (s0 w0 + s1 w1) >> 4
 * is exact in 16 bits and every step maps onto 16-bit SIMD lanes. */
static inline void
fused_u8_row16 (const guint8 *s0, const guint8 *s1, gint16 w0, gint16 w1, gint16 b0, gint16 b1,
                guint8 *out, gsize n, const gsize st)
{
  for (gsize d = 0; d < n; d++)
    {
      gint16 r0 = (gint16) (s0[st * d] * w0 + s0[st * d + 1] * w1);
      gint16 r1 = (gint16) (s1[st * d] * w0 + s1[st * d + 1] * w1);
      gint16 v = (gint16) ((gint16) ((r0 * b0) >> 16) + (gint16) ((r1 * b1) >> 16));
      v = (gint16) ((v + 2) >> 2);
      out[d] = (guint8) (v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

MSC_CPU_CLONES static void
fused_u8_band (const Resize *r, guint y0, guint y1)
{
  const Axis *ax = &r->ax, *ay = &r->ay;
  for (guint y = y0; y < y1; y++)
    {
      const guint8 *s0 = (const guint8 *) peek_row (r->src, (guint) ay->ofs[2 * y]) + ax->ofs[0];
      const guint8 *s1 = (const guint8 *) peek_row (r->src, (guint) ay->ofs[2 * y + 1]) + ax->ofs[0];
      guint8 *out = row_ptr (r->dst, y);
      int w0 = ax->wi[0], w1 = ax->wi[1];
      if (w0 % 16 == 0 && w1 % 16 == 0 && w0 >= 0 && w1 >= 0)
        {
          gint16 h0 = (gint16) (w0 / 16), h1 = (gint16) (w1 / 16);
          if (ax->stride == 4)
            fused_u8_row16 (s0, s1, h0, h1, ay->wi[2 * y], ay->wi[2 * y + 1], out, ax->n, 4);
          else
            fused_u8_row16 (s0, s1, h0, h1, ay->wi[2 * y], ay->wi[2 * y + 1], out, ax->n, 3);
        }
      else if (ax->stride == 4)
        fused_u8_row (s0, s1, ax->wi[0], ax->wi[1], ay->wi[2 * y], ay->wi[2 * y + 1], out, ax->n, 4);
      else
        fused_u8_row (s0, s1, ax->wi[0], ax->wi[1], ay->wi[2 * y], ay->wi[2 * y + 1], out, ax->n, 3);
    }
}

/* Result rows [y0, y1): each needs k source rows resampled horizontally;
 * a small ring keyed by source row avoids recomputing shared rows. */
static void
resize_band (const Resize *r, guint y0, guint y1)
{
  guint k = r->ax.k, n = r->ax.n;
  MscPlaneFormat f = msc_plane_get_format (r->src);
  gsize bytes = (gsize) n * 4;
  g_autofree guint8 *block = g_malloc ((bytes + 64) * 8);
  gpointer ring[4], tmp = block + 4 * (bytes + 64);
  int ring_src[4] = { -1, -1, -1, -1 };
  for (guint i = 0; i < 4; i++)
    ring[i] = block + i * (bytes + 64);
  if (f == MSC_PLANE_U8 && k == 2 && (r->ax.stride == 3 || r->ax.stride == 4))
    {
      fused_u8_band (r, y0, y1);
      return;
    }

  for (guint y = y0; y < y1; y++)
    {
      gpointer rows[4];
      for (guint j = 0; j < k; j++)
        {
          int sy = r->ay.ofs[(gsize) y * k + j];
          guint slot = (guint) sy % 4;   /* k <= 4 consecutive rows never collide */
          if (ring_src[slot] != sy)
            {
              const void *s = peek_row (r->src, (guint) sy);
              if (f == MSC_PLANE_U8)
                hpass_u8 (r, s, ring[slot]);
              else if (f == MSC_PLANE_U16)
                hpass_u16 (r, s, ring[slot]);
              else
                hpass_f32 (r, s, ring[slot]);
              ring_src[slot] = sy;
            }
          rows[j] = ring[slot];
        }
      /* Clamped taps may repeat a row (top/bottom borders): fine, same data. */
      if (f == MSC_PLANE_U8)
        vpass_u8 (n, k, (gint32 *const *) rows, r->ay.wi + (gsize) y * k, row_ptr (r->dst, y));
      else if (f == MSC_PLANE_F32)
        vpass_f (n, k, (float *const *) rows, r->ay.wf + (gsize) y * k, row_ptr (r->dst, y));
      else
        {
          vpass_f (n, k, (float *const *) rows, r->ay.wf + (gsize) y * k, tmp);
          store_u16 (n, tmp, row_ptr (r->dst, y), (float) r->max_value);
        }
    }
}

/* Rows whose taps hit the same source row in the ring are only a problem
 * when they are more than 4 apart, which k <= 4 consecutive rows are not. */

typedef struct {
  gpointer ctx;
  guint rows, n_tasks;
  void (*band) (gpointer ctx, guint y0, guint y1);
} Bands;

static void
bands_task (guint task, gpointer data)
{
  Bands *b = data;
  guint per = (b->rows + b->n_tasks - 1) / b->n_tasks;
  guint y0 = MIN (b->rows, task * per), y1 = MIN (b->rows, y0 + per);
  if (y0 < y1)
    b->band (b->ctx, y0, y1);
}

/* Splits rows into bands over the pool (inline when pool is NULL). */
void
msc_geometry_run_bands (MscThreadPool *pool, guint rows, gpointer ctx, void (*band) (gpointer, guint, guint))
{
  guint threads = msc_thread_pool_n_threads (pool);
  guint n_tasks = threads <= 1 ? 1 : MIN ((rows + BAND_ROWS - 1) / BAND_ROWS, threads * 4);
  n_tasks = MAX (n_tasks, 1);
  Bands b = { ctx, rows, n_tasks, band };
  msc_thread_pool_run (threads <= 1 ? NULL : pool, n_tasks, bands_task, &b);
}

static void
resize_band_cb (gpointer ctx, guint y0, guint y1)
{
  resize_band (ctx, y0, y1);
}

/* ---- NEAREST: plain gathers ----------------------------------------- */

static void
nearest_band_cb (gpointer ctx, guint y0, guint y1)
{
  const Resize *r = ctx;
  gsize bpp = msc_plane_get_format (r->src);
  for (guint y = y0; y < y1; y++)
    {
      const void *s = peek_row (r->src, (guint) r->ay.ofs[y]);
      void *d = row_ptr (r->dst, y);
      if (bpp == 1)
        for (guint x = 0; x < r->ax.n; x++)
          ((guint8 *) d)[x] = ((const guint8 *) s)[r->ax.ofs[x]];
      else if (bpp == 2)
        for (guint x = 0; x < r->ax.n; x++)
          ((guint16 *) d)[x] = ((const guint16 *) s)[r->ax.ofs[x]];
      else
        for (guint x = 0; x < r->ax.n; x++)
          ((float *) d)[x] = ((const float *) s)[r->ax.ofs[x]];
    }
}

/* ---- AREA with integer factors: box means ------------------------------ */

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  guint fx, fy;
} AreaFast;

/* OpenCV rounds box means with cvRound (sum * (1.f / area)) except for 2x2
 * boxes, where its SIMD and scalar paths both use (sum + 2) >> 2. */
static inline float
area_round (float sum, float inv, guint area)
{
  return area == 4 ? floorf ((sum + 2) * 0.25f) : round_even (sum * inv);
}

static void
area_fast_band_cb (gpointer ctx, guint y0, guint y1)
{
  const AreaFast *a = ctx;
  guint dw = msc_plane_get_width (a->dst), fx = a->fx, fy = a->fy;
  guint sw = dw * fx;
  MscPlaneFormat f = msc_plane_get_format (a->src);
  g_autofree float *col = g_new (float, sw);
  g_autofree float *out = g_new (float, dw);
  guint area = fx * fy;
  float inv = 1.f / (float) area;

  for (guint y = y0; y < y1; y++)
    {
      /* Column sums over the fy source rows: contiguous, vectorised.
       * Float sums of U8/U16 stay exact (< 2^24) for boxes up to 256 px. */
      memset (col, 0, sw * sizeof (float));
      for (guint j = 0; j < fy; j++)
        {
          const void *s = peek_row (a->src, y * fy + j);
          if (f == MSC_PLANE_U8)
            for (guint x = 0; x < sw; x++)
              col[x] += ((const guint8 *) s)[x];
          else if (f == MSC_PLANE_U16)
            for (guint x = 0; x < sw; x++)
              col[x] += ((const guint16 *) s)[x];
          else
            for (guint x = 0; x < sw; x++)
              col[x] += ((const float *) s)[x];
        }
      if (fx == 4)
        for (guint x = 0; x < dw; x++)
          out[x] = col[4 * x] + col[4 * x + 1] + col[4 * x + 2] + col[4 * x + 3];
      else if (fx == 2)
        for (guint x = 0; x < dw; x++)
          out[x] = col[2 * x] + col[2 * x + 1];
      else
        for (guint x = 0; x < dw; x++)
          {
            float acc = 0;
            for (guint i = 0; i < fx; i++)
              acc += col[x * fx + i];
            out[x] = acc;
          }
      void *d = row_ptr (a->dst, y);
      if (f == MSC_PLANE_U8)
        for (guint x = 0; x < dw; x++)
          ((guint8 *) d)[x] = (guint8) area_round (out[x], inv, area);
      else if (f == MSC_PLANE_U16)
        for (guint x = 0; x < dw; x++)
          ((guint16 *) d)[x] = (guint16) area_round (out[x], inv, area);
      else
        for (guint x = 0; x < dw; x++)
          ((float *) d)[x] = out[x] * inv;
    }
}

/* 2x2 box means of integers, the common "halve the resolution" case: one
 * pass over two source rows with OpenCV's (a + b + c + d + 2) >> 2, in
 * integers so the loop vectorises (the float path above is 10x slower). */
static void
area2_band_cb (gpointer ctx, guint y0, guint y1)
{
  const AreaFast *a = ctx;
  gsize dw = msc_plane_get_width (a->dst);
  gboolean u8 = msc_plane_get_format (a->src) == MSC_PLANE_U8;

  for (guint y = y0; y < y1; y++)
    {
      if (u8)
        {
          const guint8 *s0 = peek_row (a->src, 2 * y), *s1 = peek_row (a->src, 2 * y + 1);
          guint8 *d = row_ptr (a->dst, y);
          for (gsize x = 0; x < dw; x++)
            {
              /* Both pixels of a pair in one 16-bit load: contiguous loads
               * vectorise where stride-2 byte gathers do not. */
              guint16 p0, p1;
              memcpy (&p0, s0 + 2 * x, 2);
              memcpy (&p1, s1 + 2 * x, 2);
              d[x] = (guint8) (((p0 & 0xff) + (p0 >> 8) + (p1 & 0xff) + (p1 >> 8) + 2) >> 2);
            }
        }
      else
        {
          const guint16 *s0 = peek_row (a->src, 2 * y), *s1 = peek_row (a->src, 2 * y + 1);
          guint16 *d = row_ptr (a->dst, y);
          for (gsize x = 0; x < dw; x++)
            {
              guint32 p0, p1;
              memcpy (&p0, s0 + 2 * x, 4);
              memcpy (&p1, s1 + 2 * x, 4);
              d[x] = (guint16) (((p0 & 0xffff) + (p0 >> 16) + (p1 & 0xffff) + (p1 >> 16) + 2) >> 2);
            }
        }
    }
}

/* ---- AREA with fractional factors (OpenCV's computeResizeAreaTab) ------ */

typedef struct { guint src, dst; float w; } AreaTap;

static GArray *
area_taps (guint src_n, guint dst_n)
{
  double scale = (double) src_n / dst_n;
  GArray *t = g_array_new (FALSE, FALSE, sizeof (AreaTap));
  for (guint d = 0; d < dst_n; d++)
    {
      double f1 = d * scale, f2 = f1 + scale;
      double cell = MIN (scale, src_n - f1);
      int s1 = (int) ceil (f1), s2 = (int) floor (f2);
      s2 = MIN (s2, (int) src_n - 1);
      s1 = MIN (s1, s2);
      AreaTap tap;
      if (s1 - f1 > 1e-3)
        {
          tap = (AreaTap) { (guint) (s1 - 1), d, (float) ((s1 - f1) / cell) };
          g_array_append_val (t, tap);
        }
      for (int s = s1; s < s2; s++)
        {
          tap = (AreaTap) { (guint) s, d, (float) (1.0 / cell) };
          g_array_append_val (t, tap);
        }
      if (f2 - s2 > 1e-3)
        {
          tap = (AreaTap) { (guint) s2, d, (float) (MIN (MIN (f2 - s2, 1.0), cell) / cell) };
          g_array_append_val (t, tap);
        }
    }
  return t;
}

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  GArray *xt, *yt;
  guint *ystart;         /* first y tap of each result row; ystart[h] = end */
} AreaGen;

static void
area_gen_band_cb (gpointer ctx, guint y0, guint y1)
{
  const AreaGen *a = ctx;
  guint dw = msc_plane_get_width (a->dst), sw = msc_plane_get_width (a->src);
  MscPlaneFormat f = msc_plane_get_format (a->src);
  g_autofree float *srow = g_new (float, sw);
  g_autofree float *hrow = g_new (float, dw);
  g_autofree float *acc = g_new (float, dw);
  const AreaTap *xt = (const AreaTap *) a->xt->data;
  const AreaTap *yt = (const AreaTap *) a->yt->data;

  for (guint y = y0; y < y1; y++)
    {
      memset (acc, 0, dw * sizeof (float));
      for (guint t = a->ystart[y]; t < a->ystart[y + 1]; t++)
        {
          const void *s = peek_row (a->src, yt[t].src);
          for (guint x = 0; x < sw; x++)
            srow[x] = f == MSC_PLANE_U8 ? ((const guint8 *) s)[x]
                    : f == MSC_PLANE_U16 ? ((const guint16 *) s)[x] : ((const float *) s)[x];
          memset (hrow, 0, dw * sizeof (float));
          for (guint i = 0; i < a->xt->len; i++)
            hrow[xt[i].dst] += srow[xt[i].src] * xt[i].w;
          float w = yt[t].w;
          for (guint x = 0; x < dw; x++)
            acc[x] += hrow[x] * w;
        }
      void *d = row_ptr (a->dst, y);
      float maxv = (float) msc_plane_get_max_value (a->dst);
      for (guint x = 0; x < dw; x++)
        {
          if (f == MSC_PLANE_F32)
            ((float *) d)[x] = acc[x];
          else
            {
              float c = CLAMP (acc[x], 0.f, maxv);
              if (f == MSC_PLANE_U8)
                ((guint8 *) d)[x] = (guint8) round_even (c);
              else
                ((guint16 *) d)[x] = (guint16) round_even (c);
            }
        }
    }
}

static void
resize_area_general (const MscPlane *src, MscPlane *dst, MscThreadPool *pool)
{
  AreaGen a = { src, dst, area_taps (msc_plane_get_width (src), msc_plane_get_width (dst)),
                area_taps (msc_plane_get_height (src), msc_plane_get_height (dst)), NULL };
  guint dh = msc_plane_get_height (dst);
  a.ystart = g_new0 (guint, dh + 1);
  const AreaTap *yt = (const AreaTap *) a.yt->data;
  /* Taps come out grouped by result row in increasing order. */
  for (guint t = 0, y = 0; y <= dh; y++)
    {
      while (t < a.yt->len && yt[t].dst < y)
        t++;
      a.ystart[y] = t;
    }
  msc_geometry_run_bands (pool, dh, &a, area_gen_band_cb);
  g_array_unref (a.xt);
  g_array_unref (a.yt);
  g_free (a.ystart);
}

/* ---- msc_geometry_resize ------------------------------------------------- */

static gboolean
is_integer_factor (guint src_n, guint dst_n, guint *factor)
{
  double scale = (double) src_n / dst_n;
  int i = (int) lrint (scale);
  *factor = (guint) MAX (i, 1);
  return fabs (scale - i) < DBL_EPSILON;   /* OpenCV's is_area_fast */
}

MscPlane *
msc_geometry_resize (const MscPlane *src, guint width, guint height, MscInterp interp,
                     MscThreadPool *pool, MscAffine *transform, GError **error)
{
  if (!msc_geometry_check_src (src, "resize", error))
    return NULL;
  if (width == 0 || height == 0)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("resize: target size %u x %u is empty"), width, height);
  if ((guint) interp > MSC_INTERP_AREA)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("resize: interpolation %d is unknown"), interp);

  /* Every path below writes every pixel: no need to zero 27 MB first. */
  g_autoptr (GError) local = NULL;
  g_autoptr (MscPlane) dst = msc_plane_new_uninitialised (msc_plane_get_format (src), width, height, &local);
  if (dst == NULL)
    return msc_geometry_fail (error, local->code, _("resize: %s"), local->message);
  if (msc_plane_get_format (src) != MSC_PLANE_F32)
    msc_plane_set_bits (dst, msc_plane_get_bits (src));
  guint sw = msc_plane_get_width (src), sh = msc_plane_get_height (src);
  double kx = (double) width / sw, ky = (double) height / sh;
  /* cv2.resize aligns pixel centres, x' = (x + 0.5) k - 0.5, except NEAREST,
   * which samples floor (x' / k): its map aligns pixel corners. */
  if (interp == MSC_INTERP_NEAREST)
    set_transform (transform, kx, 0, 0, 0, ky, 0);
  else
    set_transform (transform, kx, 0, 0.5 * kx - 0.5, 0, ky, 0.5 * ky - 0.5);

  guint fx, fy;
  gboolean fast = is_integer_factor (sw, width, &fx) & is_integer_factor (sh, height, &fy);
  if (interp == MSC_INTERP_LINEAR && fast && fx == 2 && fy == 2)
    interp = MSC_INTERP_AREA;     /* as OpenCV: the 2x2 box mean is bilinear here */
  if (interp == MSC_INTERP_AREA && width <= sw && height <= sh)
    {
      if (fast && (guint64) fx * fy <= 256)   /* float box sums stay exact */
        {
          AreaFast a = { src, dst, fx, fy };
          gboolean integers = msc_plane_get_format (src) != MSC_PLANE_F32;
          msc_geometry_run_bands (pool, height, &a, fx == 2 && fy == 2 && integers
                                                    ? area2_band_cb : area_fast_band_cb);
        }
      else
        resize_area_general (src, dst, pool);
      return g_steal_pointer (&dst);
    }

  Resize r = { src, dst, { 0 }, { 0 }, msc_plane_get_max_value (dst) };
  axis_init (&r.ax, sw, width, interp);
  axis_init (&r.ay, sh, height, interp);
  msc_geometry_run_bands (pool, height, &r, interp == MSC_INTERP_NEAREST ? nearest_band_cb : resize_band_cb);
  axis_clear (&r.ax);
  axis_clear (&r.ay);
  return g_steal_pointer (&dst);
}

/* ---- resample, letterbox ----------------------------------------------- */

static gboolean
target_size (double n, double scale, guint *out)
{
  double v = floor (n * scale + 0.5);
  if (!isfinite (v) || v > G_MAXUINT32)
    return FALSE;
  *out = (guint) MAX (v, 1.0);
  return TRUE;
}

MscPlane *
msc_geometry_resample (const MscPlane *src, double row_mm, double col_mm, double target_mm,
                       MscInterp up_interp, MscThreadPool *pool, MscAffine *transform, GError **error)
{
  if (!msc_geometry_check_src (src, "resample", error))
    return NULL;
  if (!(row_mm > 0) || !(col_mm > 0) || !(target_mm > 0) || !isfinite (row_mm) ||
      !isfinite (col_mm) || !isfinite (target_mm))
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID,
                 _("resample: pixel spacing %g x %g mm to %g mm is not positive and finite"),
                 row_mm, col_mm, target_mm);
  if (up_interp != MSC_INTERP_LINEAR && up_interp != MSC_INTERP_CUBIC)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID,
                 _("resample: enlarging interpolation %d is not LINEAR or CUBIC"), up_interp);
  guint sw = msc_plane_get_width (src), sh = msc_plane_get_height (src), w, h;
  if (!target_size (sw, col_mm / target_mm, &w) || !target_size (sh, row_mm / target_mm, &h))
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_TOO_LARGE,
                 _("resample: %u x %u pixels at %g x %g mm to %g mm is too large"), sw, sh,
                 col_mm, row_mm, target_mm);
  /* Shrinking in both directions averages (no aliasing of microcalcification
   * texture); any enlargement interpolates. */
  MscInterp interp = (w <= sw && h <= sh) ? MSC_INTERP_AREA : up_interp;
  return msc_geometry_resize (src, w, h, interp, pool, transform, error);
}

MscPlane *
msc_geometry_letterbox (const MscPlane *src, guint width, guint height, MscInterp interp,
                        MscThreadPool *pool, MscAffine *transform, GError **error)
{
  if (!msc_geometry_check_src (src, "letterbox", error))
    return NULL;
  if (width == 0 || height == 0)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("letterbox: target size %u x %u is empty"), width, height);
  guint sw = msc_plane_get_width (src), sh = msc_plane_get_height (src);
  double scale = MIN ((double) width / sw, (double) height / sh);
  guint w = 1, h = 1;             /* scale <= target / source: cannot overflow */
  target_size (sw, scale, &w);
  target_size (sh, scale, &h);
  w = MIN (w, width);
  h = MIN (h, height);
  g_autoptr (MscPlane) inner = msc_geometry_resize (src, w, h, interp, pool, transform, error);
  if (inner == NULL)
    return NULL;
  if (w == width && h == height)
    return g_steal_pointer (&inner);
  g_autoptr (MscPlane) dst = msc_geometry_new_like (src, width, height, "letterbox", error);
  if (dst == NULL)
    return NULL;
  gsize bpp = msc_plane_get_format (src);
  for (guint y = 0; y < h; y++)
    memcpy (row_ptr (dst, y), peek_row (inner, y), (gsize) w * bpp);
  return g_steal_pointer (&dst);      /* padding: msc_plane_new zero-fills */
}

/* ---- crop, bounding box, flips -------------------------------------------- */

MscPlane *
msc_geometry_crop (const MscPlane *src, guint x, guint y, guint width, guint height,
                   MscAffine *transform, GError **error)
{
  if (!msc_geometry_check_src (src, "crop", error))
    return NULL;
  guint sw = msc_plane_get_width (src), sh = msc_plane_get_height (src);
  if (width == 0 || height == 0 || x >= sw || y >= sh || width > sw - x || height > sh - y)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID,
                 _("crop: %u x %u at (%u, %u) is not inside the %u x %u image"), width, height, x, y, sw, sh);
  g_autoptr (MscPlane) dst = msc_geometry_new_like (src, width, height, "crop", error);
  if (dst == NULL)
    return NULL;
  gsize bpp = msc_plane_get_format (src);
  for (guint r = 0; r < height; r++)
    memcpy (row_ptr (dst, r), (const guint8 *) peek_row (src, y + r) + (gsize) x * bpp, (gsize) width * bpp);
  set_transform (transform, 1, 0, -(double) x, 0, 1, -(double) y);
  return g_steal_pointer (&dst);
}

gboolean
msc_geometry_mask_bbox (const MscPlane *mask, guint margin, guint *x, guint *y, guint *width,
                        guint *height)
{
  g_return_val_if_fail (mask != NULL && msc_plane_get_format (mask) == MSC_PLANE_U8, FALSE);
  guint w = msc_plane_get_width (mask), h = msc_plane_get_height (mask);
  guint x0 = w, x1 = 0, y0 = h, y1 = 0;
  gboolean any = FALSE;
  for (guint r = 0; r < h; r++)
    {
      const guint8 *m = msc_plane_peek_u8 (mask) + (gsize) r * w;
      guint first = w, last = 0;
      for (guint c = 0; c < w; c++)
        if (m[c])
          {
            first = c;
            break;
          }
      if (first == w)
        continue;
      for (guint c = w; c-- > first;)
        if (m[c])
          {
            last = c;
            break;
          }
      any = TRUE;
      x0 = MIN (x0, first);
      x1 = MAX (x1, last);
      y0 = MIN (y0, r);
      y1 = r;
    }
  if (!any)
    return FALSE;
  x0 = x0 > margin ? x0 - margin : 0;
  y0 = y0 > margin ? y0 - margin : 0;
  x1 = (guint) MIN ((guint64) x1 + margin, (guint64) w - 1);
  y1 = (guint) MIN ((guint64) y1 + margin, (guint64) h - 1);
  *x = x0;
  *y = y0;
  *width = x1 - x0 + 1;
  *height = y1 - y0 + 1;
  return TRUE;
}

MscPlane *
msc_geometry_flip (const MscPlane *src, gboolean horizontal, gboolean vertical,
                   MscAffine *transform, GError **error)
{
  if (!msc_geometry_check_src (src, "flip", error))
    return NULL;
  guint w = msc_plane_get_width (src), h = msc_plane_get_height (src);
  g_autoptr (MscPlane) dst = msc_geometry_new_like (src, w, h, "flip", error);
  if (dst == NULL)
    return NULL;
  gsize bpp = msc_plane_get_format (src);
  for (guint y = 0; y < h; y++)
    {
      const void *s = peek_row (src, vertical ? h - 1 - y : y);
      void *d = row_ptr (dst, y);
      if (!horizontal)
        memcpy (d, s, (gsize) w * bpp);
      else if (bpp == 1)
        for (guint x = 0; x < w; x++)
          ((guint8 *) d)[x] = ((const guint8 *) s)[w - 1 - x];
      else if (bpp == 2)
        for (guint x = 0; x < w; x++)
          ((guint16 *) d)[x] = ((const guint16 *) s)[w - 1 - x];
      else
        for (guint x = 0; x < w; x++)
          ((float *) d)[x] = ((const float *) s)[w - 1 - x];
    }
  set_transform (transform, horizontal ? -1 : 1, 0, horizontal ? w - 1.0 : 0,
                 0, vertical ? -1 : 1, vertical ? h - 1.0 : 0);
  return g_steal_pointer (&dst);
}
