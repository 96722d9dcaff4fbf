/* engine/imaging/msc-geometry-warp.c — affine warps and rotation as
 * cv2.warpAffine (BORDER_CONSTANT 0): source positions quantised to 1/32
 * pixel in OpenCV's fixed point, its 15-bit bilinear weights for U8, so
 * results match it bit for bit on the tested images.
 */
#include "msc-geometry.h"
#include "msc-geometry-private.h"
#include "msc-i18n.h"
#include "msc-plane-private.h"

#include <math.h>

/* OpenCV's warp quantisation: positions to 1/32 pixel (INTER_BITS 5),
 * computed in 10-bit fixed point (AB_BITS), U8 weights with 15 bits. */
#define INTER_BITS 5
#define INTER_TAB 32
#define AB_BITS 10
#define AB_SCALE 1024
#define REMAP_BITS 15

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  MscAffine inv;          /* result -> source */
  MscInterp interp;
  gint32 *adelta, *bdelta; /* per result column, AB_BITS fixed point */
  guint64 amax, bmax;      /* their largest magnitudes */
  float *wtab;             /* U16/F32 bilinear weights (4 per fraction pair) */
} Warp;

static inline double
src_value (const MscPlane *p, int x, int y)
{
  if ((guint) x >= msc_plane_get_width (p) || (guint) y >= msc_plane_get_height (p))
    return 0;
  gsize i = (gsize) y * msc_plane_get_width (p) + (guint) x;
  switch (msc_plane_get_format (p))
    {
    case MSC_PLANE_U8: return msc_plane_peek_u8 (p)[i];
    case MSC_PLANE_U16: return msc_plane_peek_u16 (p)[i];
    default: return msc_plane_peek_f32 (p)[i];
    }
}

static inline void
store_value (MscPlane *p, gsize i, double v)
{
  double maxv = msc_plane_get_max_value (p);
  switch (msc_plane_get_format (p))
    {
    case MSC_PLANE_U8: msc_plane_u8 (p)[i] = (guint8) lrint (CLAMP (v, 0, maxv)); break;
    case MSC_PLANE_U16: msc_plane_u16 (p)[i] = (guint16) lrint (CLAMP (v, 0, maxv)); break;
    default: msc_plane_f32 (p)[i] = (float) v; break;
    }
}

/* One result pixel from its source position in 1/32 pixels (sx, sy whole
 * pixels, fx, fy the 1/32 fractions), outside pixels reading as 0. */
static double
warp_sample (const Warp *w, int sx, int sy, int fx, int fy, gboolean u8)
{
  if (w->interp == MSC_INTERP_LINEAR)
    {
      double v00 = src_value (w->src, sx, sy), v01 = src_value (w->src, sx + 1, sy);
      double v10 = src_value (w->src, sx, sy + 1), v11 = src_value (w->src, sx + 1, sy + 1);
      if (u8)
        {
          /* OpenCV's 15-bit weights are exact products (32 - f) * (32 - g) * 32. */
          int w00 = (32 - fx) * (32 - fy) * 32, w01 = fx * (32 - fy) * 32;
          int w10 = (32 - fx) * fy * 32, w11 = fx * fy * 32;
          int acc = (int) v00 * w00 + (int) v01 * w01 + (int) v10 * w10 + (int) v11 * w11;
          return (acc + (1 << (REMAP_BITS - 1))) >> REMAP_BITS;
        }
      float ax = fx / 32.f, ay = fy / 32.f;
      float w00 = (1 - ay) * (1 - ax), w01 = (1 - ay) * ax, w10 = ay * (1 - ax), w11 = ay * ax;
      return (float) v00 * w00 + (float) v01 * w01 + (float) v10 * w10 + (float) v11 * w11;
    }
  float cx[4], cy[4];
  msc_geometry_cubic_coeffs (fx / 32.f, cx);
  msc_geometry_cubic_coeffs (fy / 32.f, cy);
  double acc = 0;
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 4; i++)
      acc += src_value (w->src, sx - 1 + i, sy - 1 + j) * cx[i] * cy[j];
  return acc;
}

/* Interior pixels (all four taps inside) of LINEAR/NEAREST warps read the
 * source directly through cached pointers; the generic path above handles
 * borders and CUBIC. Returns FALSE for pixels it does not handle. */
typedef struct {
  const void *src;
  void *dst;
  guint sw, sh;
  float maxv;
} WarpView;

static inline gboolean
warp_fast (const WarpView *v, MscPlaneFormat f, int X, int Y, gsize i, gboolean nearest)
{
  guint sw = v->sw;
  if (nearest)
    {
      if ((guint) X >= sw || (guint) Y >= v->sh)
        return FALSE;
      gsize k = (gsize) Y * sw + (guint) X;
      if (f == MSC_PLANE_U8)
        ((guint8 *) v->dst)[i] = ((const guint8 *) v->src)[k];
      else if (f == MSC_PLANE_U16)
        ((guint16 *) v->dst)[i] = ((const guint16 *) v->src)[k];
      else
        ((float *) v->dst)[i] = ((const float *) v->src)[k];
      return TRUE;
    }
  int sx = X >> INTER_BITS, sy = Y >> INTER_BITS;
  if (sx < 0 || sy < 0 || (guint) sx + 1 >= sw || (guint) sy + 1 >= v->sh)
    return FALSE;
  int fx = X & (INTER_TAB - 1), fy = Y & (INTER_TAB - 1);
  gsize k = (gsize) sy * sw + (guint) sx;
  if (f == MSC_PLANE_U8)
    {
      /* OpenCV's 15-bit weights are exact products (32 - f) * (32 - g) * 32. */
      const guint8 *p = (const guint8 *) v->src + k;
      int acc = p[0] * ((32 - fx) * (32 - fy) * 32) + p[1] * (fx * (32 - fy) * 32)
              + p[sw] * ((32 - fx) * fy * 32) + p[sw + 1] * (fx * fy * 32);
      ((guint8 *) v->dst)[i] = (guint8) ((acc + (1 << (REMAP_BITS - 1))) >> REMAP_BITS);
      return TRUE;
    }
  float ax = fx / 32.f, ay = fy / 32.f;
  float w00 = (1 - ay) * (1 - ax), w01 = (1 - ay) * ax, w10 = ay * (1 - ax), w11 = ay * ax;
  if (f == MSC_PLANE_U16)
    {
      const guint16 *p = (const guint16 *) v->src + k;
      float r = (float) p[0] * w00 + (float) p[1] * w01 + (float) p[sw] * w10 + (float) p[sw + 1] * w11;
      ((guint16 *) v->dst)[i] = (guint16) lrintf (CLAMP (r, 0.f, v->maxv));
      return TRUE;
    }
  const float *p = (const float *) v->src + k;
  ((float *) v->dst)[i] = p[0] * w00 + p[1] * w01 + p[sw] * w10 + p[sw + 1] * w11;
  return TRUE;
}

/* ---- rows: a branch-free interior and the per-pixel path at the edges --- */

/* A result row's source positions are monotonic in x (x0 + adelta[x] with
 * adelta a rounded multiple of x), so the pixels whose taps all lie inside
 * the source form one run [xa, xb). The interior loops below do that run
 * without bounds checks, format switches or 64-bit arithmetic; the pixels
 * left and right of it (partly or wholly outside) and CUBIC take the
 * per-pixel path above. Both compute the same values. */

typedef struct {
  const Warp *w;
  WarpView v;
  MscPlaneFormat f;
  gboolean u8, nearest, fast;
  int shift;
  guint dw;
  const float *wtab;       /* U16/F32 bilinear weights, 4 per 1/32 x 1/32 fraction */
} WarpRow;

static void
warp_pixel (const WarpRow *c, guint x, guint y, gint64 x0, gint64 yy0)
{
  const Warp *w = c->w;
  gboolean nearest = c->nearest;
  gint64 X = (x0 + w->adelta[x]) >> c->shift, Y = (yy0 + w->bdelta[x]) >> c->shift;
  gsize i = (gsize) y * c->dw + x;
  X = CLAMP (X, G_MININT32 / 64, G_MAXINT32 / 64);
  Y = CLAMP (Y, G_MININT32 / 64, G_MAXINT32 / 64);
  if (c->fast && warp_fast (&c->v, c->f, (int) X, (int) Y, i, nearest))
    return;
  /* Entirely outside: the result is already the zero border. */
  gint64 ox = nearest ? X : X >> INTER_BITS, oy = nearest ? Y : Y >> INTER_BITS;
  gint64 ahead = nearest ? 0 : w->interp == MSC_INTERP_CUBIC ? 2 : 1;   /* taps past ox */
  gint64 behind = w->interp == MSC_INTERP_CUBIC ? 1 : 0;                 /* taps before ox */
  if (ox + ahead < 0 || oy + ahead < 0 || ox - behind >= (gint64) c->v.sw || oy - behind >= (gint64) c->v.sh)
    return;
  if (nearest)
    store_value (w->dst, i, src_value (w->src, (int) X, (int) Y));
  else
    store_value (w->dst, i, warp_sample (w, (int) (X >> INTER_BITS), (int) (Y >> INTER_BITS),
                                         (int) (X & (INTER_TAB - 1)), (int) (Y & (INTER_TAB - 1)), c->u8));
}

/* Whether result pixel x's taps all lie inside, in the int32 arithmetic
 * the interior loops use. */
static inline gboolean
warp_inside (const WarpRow *c, gint32 x0, gint32 y0, guint x)
{
  gint32 X = (x0 + c->w->adelta[x]) >> c->shift, Y = (y0 + c->w->bdelta[x]) >> c->shift;
  if (c->nearest)
    return X >= 0 && Y >= 0 && (guint) X < c->v.sw && (guint) Y < c->v.sh;
  X >>= INTER_BITS;
  Y >>= INTER_BITS;
  return X >= 0 && Y >= 0 && (guint) X + 1 < c->v.sw && (guint) Y + 1 < c->v.sh;
}

/* The interior run of one row, one loop per format. X and Y are source
 * positions in 1/32 pixel (1 pixel for NEAREST), all taps inside. */
#define WARP_POS(x) \
  gint32 X = (x0 + ad[x]) >> (AB_BITS - INTER_BITS), Y = (y0 + bd[x]) >> (AB_BITS - INTER_BITS); \
  gint32 fx = X & (INTER_TAB - 1), fy = Y & (INTER_TAB - 1); \
  gsize k = (gsize) (Y >> INTER_BITS) * sw + (guint) (X >> INTER_BITS)

MSC_CPU_CLONES static void
warp_run_u8 (const guint8 *src, guint sw, gint32 x0, gint32 y0, const gint32 *ad, const gint32 *bd,
             guint xa, guint xb, guint8 *o)
{
  for (guint x = xa; x < xb; x++)
    {
      WARP_POS (x);
      const guint8 *p = src + k;
      /* OpenCV's weights (32 - fx) (32 - fy) 32 etc. factored: the sum is
       * 32 * (32 r0 + fy (r1 - r0)) with r0, r1 the rows blended in x,
       * so (sum + 2^14) >> 15 is (32 r0 + fy (r1 - r0) + 2^9) >> 10. */
      gint32 r0 = p[0] * 32 + fx * (p[1] - p[0]);
      gint32 r1 = p[sw] * 32 + fx * (p[sw + 1] - p[sw]);
      o[x] = (guint8) ((r0 * 32 + fy * (r1 - r0) + (1 << 9)) >> 10);
    }
}

/* lrintf for 0 <= v < 2^23: adding 2^23 leaves no fraction bits, so the
 * float addition rounds half to even, as lrintf in the default mode. */
static inline gint32
round_small (float v)
{
  return (gint32) ((v + 8388608.f) - 8388608.f);
}

MSC_CPU_CLONES static void
warp_run_u16 (const guint16 *src, guint sw, gint32 x0, gint32 y0, const gint32 *ad, const gint32 *bd,
              guint xa, guint xb, const float *wtab, float maxv, guint16 *o)
{
  for (guint x = xa; x < xb; x++)
    {
      WARP_POS (x);
      const guint16 *p = src + k;
      const float *wt = wtab + 4 * (fy * INTER_TAB + fx);
      float r = (float) p[0] * wt[0] + (float) p[1] * wt[1] + (float) p[sw] * wt[2] + (float) p[sw + 1] * wt[3];
      o[x] = (guint16) round_small (CLAMP (r, 0.f, maxv));
    }
}

MSC_CPU_CLONES static void
warp_run_f32 (const float *src, guint sw, gint32 x0, gint32 y0, const gint32 *ad, const gint32 *bd,
              guint xa, guint xb, const float *wtab, float *o)
{
  for (guint x = xa; x < xb; x++)
    {
      WARP_POS (x);
      const float *p = src + k;
      const float *wt = wtab + 4 * (fy * INTER_TAB + fx);
      o[x] = p[0] * wt[0] + p[1] * wt[1] + p[sw] * wt[2] + p[sw + 1] * wt[3];
    }
}

static void
warp_run_nearest (const WarpRow *c, gint32 x0, gint32 y0, guint xa, guint xb, guint y)
{
  const gint32 *ad = c->w->adelta, *bd = c->w->bdelta;
  guint sw = c->v.sw;
  gsize row = (gsize) y * c->dw;
  for (guint x = xa; x < xb; x++)
    {
      gsize k = (gsize) ((y0 + bd[x]) >> AB_BITS) * sw + (guint) ((x0 + ad[x]) >> AB_BITS);
      if (c->f == MSC_PLANE_U8)
        ((guint8 *) c->v.dst)[row + x] = ((const guint8 *) c->v.src)[k];
      else if (c->f == MSC_PLANE_U16)
        ((guint16 *) c->v.dst)[row + x] = ((const guint16 *) c->v.src)[k];
      else
        ((float *) c->v.dst)[row + x] = ((const float *) c->v.src)[k];
    }
}

static void
warp_band_cb (gpointer ctx, guint y0, guint y1)
{
  const Warp *w = ctx;
  WarpRow c = { w, { peek_row (w->src, 0), row_ptr (w->dst, 0), msc_plane_get_width (w->src),
                     msc_plane_get_height (w->src), (float) msc_plane_get_max_value (w->dst) },
                msc_plane_get_format (w->src), msc_plane_get_format (w->src) == MSC_PLANE_U8,
                w->interp == MSC_INTERP_NEAREST, w->interp != MSC_INTERP_CUBIC, 0,
                msc_plane_get_width (w->dst), w->wtab };
  c.shift = c.nearest ? AB_BITS : AB_BITS - INTER_BITS;
  int round_delta = c.nearest ? AB_SCALE / 2 : AB_SCALE / INTER_TAB / 2;
  const double *m = w->inv.m;
  for (guint y = y0; y < y1; y++)
    {
      /* cv::WarpAffineInvoker's fixed point: the row start rounded to
       * 1/1024 pixel, the column step added in the same units. */
      gint64 x0 = llrint ((m[1] * y + m[2]) * AB_SCALE) + round_delta;
      gint64 yy0 = llrint ((m[4] * y + m[5]) * AB_SCALE) + round_delta;
      guint xa = 0, xb = 0;
      /* |x0 + adelta| < 2^30 keeps the int32 sums exact and X, Y inside
       * the per-pixel path's clamp, so both paths agree. */
      if (c.fast && (guint64) ABS (x0) + w->amax < (1u << 30) && (guint64) ABS (yy0) + w->bmax < (1u << 30))
        {
          gint32 xi = (gint32) x0, yi = (gint32) yy0;
          while (xa < c.dw && !warp_inside (&c, xi, yi, xa))
            xa++;
          xb = c.dw;
          while (xb > xa && !warp_inside (&c, xi, yi, xb - 1))
            xb--;
          gsize row = (gsize) y * c.dw;
          if (xa < xb)
            {
              if (c.nearest)
                warp_run_nearest (&c, xi, yi, xa, xb, y);
              else if (c.f == MSC_PLANE_U8)
                warp_run_u8 (c.v.src, c.v.sw, xi, yi, w->adelta, w->bdelta, xa, xb, (guint8 *) c.v.dst + row);
              else if (c.f == MSC_PLANE_U16)
                warp_run_u16 (c.v.src, c.v.sw, xi, yi, w->adelta, w->bdelta, xa, xb, c.wtab, c.v.maxv,
                              (guint16 *) c.v.dst + row);
              else
                warp_run_f32 (c.v.src, c.v.sw, xi, yi, w->adelta, w->bdelta, xa, xb, c.wtab,
                              (float *) c.v.dst + row);
            }
        }
      for (guint x = 0; x < xa; x++)
        warp_pixel (&c, x, y, x0, yy0);
      for (guint x = xb; x < c.dw; x++)
        warp_pixel (&c, x, y, x0, yy0);
    }
}

MscPlane *
msc_geometry_warp (const MscPlane *src, const MscAffine *src_to_dst, guint width, guint height,
                   MscInterp interp, MscThreadPool *pool, GError **error)
{
  if (!msc_geometry_check_src (src, "warp", error))
    return NULL;
  if (src_to_dst == NULL)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("warp: no transform"));
  if (width == 0 || height == 0)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("warp: target size %u x %u is empty"), width, height);
  if (interp != MSC_INTERP_NEAREST && interp != MSC_INTERP_LINEAR && interp != MSC_INTERP_CUBIC)
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("warp: interpolation %d is not NEAREST, LINEAR or CUBIC"), interp);
  Warp w = { src, NULL, { { 0 } }, interp, NULL, NULL, 0, 0, NULL };
  if (!msc_affine_invert (src_to_dst, &w.inv))
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("warp: the transform is singular or not finite"));
  /* Source positions beyond +-2^20 pixels cannot be inside any image;
   * refusing them keeps the fixed-point arithmetic in range. */
  for (guint i = 0; i < 6; i++)
    if (fabs (w.inv.m[i]) > 1048576.0)
      return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("warp: the transform's inverse is out of range"));
  g_autoptr (MscPlane) dst = msc_geometry_new_like (src, width, height, "warp", error);
  if (dst == NULL)
    return NULL;
  w.dst = dst;
  w.adelta = g_new (gint32, width);
  w.bdelta = g_new (gint32, width);
  for (guint x = 0; x < width; x++)
    {
      w.adelta[x] = (gint32) CLAMP (llrint (w.inv.m[0] * x * AB_SCALE), G_MININT32 / 4, G_MAXINT32 / 4);
      w.bdelta[x] = (gint32) CLAMP (llrint (w.inv.m[3] * x * AB_SCALE), G_MININT32 / 4, G_MAXINT32 / 4);
      w.amax = MAX (w.amax, (guint64) ABS ((gint64) w.adelta[x]));
      w.bmax = MAX (w.bmax, (guint64) ABS ((gint64) w.bdelta[x]));
    }
  /* The float weights exactly as warp_fast computes them, per fraction
   * pair (fy, fx), so the interior loops need no arithmetic for them. */
  float wtab[INTER_TAB * INTER_TAB * 4];
  for (int fy = 0; fy < INTER_TAB; fy++)
    for (int fx = 0; fx < INTER_TAB; fx++)
      {
        float ax = fx / 32.f, ay = fy / 32.f, *wt = wtab + 4 * (fy * INTER_TAB + fx);
        wt[0] = (1 - ay) * (1 - ax);
        wt[1] = (1 - ay) * ax;
        wt[2] = ay * (1 - ax);
        wt[3] = ay * ax;
      }
  w.wtab = wtab;
  msc_geometry_run_bands (pool, height, &w, warp_band_cb);
  g_free (w.adelta);
  g_free (w.bdelta);
  return g_steal_pointer (&dst);
}

MscPlane *
msc_geometry_rotate (const MscPlane *src, double degrees, MscInterp interp, MscAffine *transform,
                     GError **error)
{
  if (!msc_geometry_check_src (src, "rotate", error))
    return NULL;
  if (!isfinite (degrees))
    return msc_geometry_fail (error, MSC_IMAGING_ERROR_INVALID, _("rotate: angle %g is not finite"), degrees);
  guint w = msc_plane_get_width (src), h = msc_plane_get_height (src);
  double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  /* cv2.getRotationMatrix2D (centre, degrees, 1) */
  double rad = degrees * G_PI / 180.0, a = cos (rad), b = sin (rad);
  MscAffine m = { { a, b, (1 - a) * cx - b * cy, -b, a, b * cx + (1 - a) * cy } };
  MscPlane *dst = msc_geometry_warp (src, &m, w, h, interp, NULL, error);
  if (dst != NULL && transform != NULL)
    *transform = m;
  return dst;
}
