/* engine/imaging/msc-morph.c — grey-level morphology and hole filling.
 *
 * Every element OpenCV makes (rect, ellipse, cross) is symmetric and is a
 * stack of centred row runs of half-width d(dy). Erosion/dilation is then
 * the min/max over dy of a 1D running min/max of width 2 d(dy) + 1 of row
 * y + dy, so the cost per pixel is O(radius) whole-row vector operations
 * instead of O(radius^2) element points.
 */
#include "msc-morph.h"

#include <math.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"

/* Half-widths d[dy + r] of the element rows, exactly as
 * cv2.getStructuringElement with ksize (2r+1, 2r+1) and the centre anchor:
 * for the ellipse dx = cvRound (c * sqrt ((r^2 - dy^2) / r^2)), c = r. */
static void
element_spans (MscMorphShape shape, guint r, guint *d)
{
  double inv_r2 = r ? 1.0 / ((double) r * r) : 0;
  for (gint dy = -(gint) r; dy <= (gint) r; dy++)
    {
      guint *o = &d[dy + (gint) r];
      if (shape == MSC_MORPH_RECT)
        *o = r;
      else if (shape == MSC_MORPH_CROSS)
        *o = dy == 0 ? r : 0;
      else
        *o = (guint) lrint (r * sqrt (((double) r * r - (double) dy * dy) * inv_r2));
    }
}

typedef struct {
  const MscPlane *src;
  MscPlane *dst;
  const guint *span;        /* 2r + 1 half-widths */
  guint r, dmax, n_bands;
  gboolean dilate;
} MorphJob;

/* One band of output rows: dst rows start at the identity (type max for
 * erosion, 0 for dilation: outside pixels never win, as OpenCV's default
 * morphology border), and every source row that reaches the band is
 * folded in with the run width its offset asks for. h holds dmax + 1 rows
 * of w + 2r: h[d][x] = OP of padded pixels [x - d, x + d]. */
#define DEFINE_MORPH_BAND(T, sfx, OP, name, IDENT)                              \
static void                                                                     \
name (MorphJob *job, guint y0, guint y1, T *hbuf)                               \
{                                                                               \
  guint w = msc_plane_get_width (job->src), hgt = msc_plane_get_height (job->src);\
  guint r = job->r, pw = w + 2 * r;                                             \
  const T *in = msc_plane_peek_##sfx (job->src);                                \
  T *out = msc_plane_##sfx (job->dst);                                          \
  for (gsize i = (gsize) y0 * w; i < (gsize) y1 * w; i++)                       \
    out[i] = IDENT;                                                             \
  guint s0 = y0 > r ? y0 - r : 0, s1 = MIN (hgt, y1 + r);                      \
  for (guint s = s0; s < s1; s++)                                               \
    {                                                                           \
      T *h0 = hbuf;                                                             \
      for (guint x = 0; x < r; x++)                                             \
        h0[x] = h0[r + w + x] = IDENT;                                          \
      memcpy (h0 + r, in + (gsize) s * w, (gsize) w * sizeof (T));              \
      for (guint d = 1; d <= job->dmax; d++)                                    \
        {                                                                       \
          const T *p = hbuf + (gsize) (d - 1) * pw;                             \
          T *q = hbuf + (gsize) d * pw;                                         \
          if (d == 1)                                                           \
            for (gsize x = 1; x + 1 < pw; x++)                                  \
              q[x] = OP (OP (p[x - 1], p[x]), p[x + 1]);                        \
          else   /* runs [x-d, x+d-2] and [x-d+2, x+d] overlap when d >= 2 */   \
            for (gsize x = d; x + d < pw; x++)                                  \
              q[x] = OP (p[x - 1], p[x + 1]);                                   \
        }                                                                       \
      for (guint e = 0; e < 2 * r + 1; e++)                                     \
        {                                                                       \
          gint64 y = (gint64) s - ((gint64) e - r);                             \
          if (y < y0 || y >= y1)                                                \
            continue;                                                           \
          const T *hd = hbuf + (gsize) job->span[e] * pw + r;                   \
          T *o = out + (gsize) y * w;                                           \
          for (gsize x = 0; x < w; x++)                                         \
            o[x] = OP (o[x], hd[x]);                                            \
        }                                                                       \
    }                                                                           \
}

DEFINE_MORPH_BAND (guint8, u8, MIN, erode_u8, G_MAXUINT8)
DEFINE_MORPH_BAND (guint8, u8, MAX, dilate_u8, 0)
DEFINE_MORPH_BAND (guint16, u16, MIN, erode_u16, G_MAXUINT16)
DEFINE_MORPH_BAND (guint16, u16, MAX, dilate_u16, 0)

static void
morph_task (guint task, gpointer data)
{
  MorphJob *job = data;
  guint h = msc_plane_get_height (job->src), w = msc_plane_get_width (job->src);
  guint y0 = (guint) ((guint64) h * task / job->n_bands);
  guint y1 = (guint) ((guint64) h * (task + 1) / job->n_bands);
  gsize bpp = msc_plane_get_format (job->src);
  /* (dmax + 1) rows of w + 2r values; r is capped at 4096 by the caller. */
  g_autofree guint8 *hbuf = g_malloc ((job->dmax + 1) * ((gsize) w + 2 * job->r) * bpp);
  if (bpp == 1)
    (job->dilate ? dilate_u8 : erode_u8) (job, y0, y1, (guint8 *) hbuf);
  else
    (job->dilate ? dilate_u16 : erode_u16) (job, y0, y1, (guint16 *) hbuf);
}

static MscPlane *
erode_dilate (const MscPlane *src, gboolean dilate, const guint *span, guint r,
              MscThreadPool *pool, GError **error)
{
  MscPlane *dst = msc_plane_copy (src, error);
  if (dst == NULL)
    return NULL;
  guint h = msc_plane_get_height (src), dmax = 0;
  for (guint e = 0; e < 2 * r + 1; e++)
    dmax = MAX (dmax, span[e]);
  /* One band per thread: each band recomputes the r rows above and below
   * it, so fewer bands waste less. */
  guint bands = pool ? msc_thread_pool_n_threads (pool) : 1;
  bands = MAX (1u, MIN (bands, h));
  MorphJob job = { src, dst, span, r, dmax, bands, dilate };
  msc_thread_pool_run (pool, bands, morph_task, &job);
  return dst;
}

/* a := a - b (saturating; the callers guarantee a >= b anyway). */
static void
subtract (MscPlane *a, const MscPlane *b)
{
  gsize n = msc_plane_get_n_pixels (a);
  if (msc_plane_get_format (a) == MSC_PLANE_U8)
    {
      guint8 *p = msc_plane_u8 (a);
      const guint8 *q = msc_plane_peek_u8 (b);
      for (gsize i = 0; i < n; i++)
        p[i] = p[i] > q[i] ? p[i] - q[i] : 0;
    }
  else
    {
      guint16 *p = msc_plane_u16 (a);
      const guint16 *q = msc_plane_peek_u16 (b);
      for (gsize i = 0; i < n; i++)
        p[i] = p[i] > q[i] ? p[i] - q[i] : 0;
    }
}

MscPlane *
msc_morph_apply (const MscPlane *src, MscMorphOp op, MscMorphShape shape, guint radius,
                 MscThreadPool *pool, GError **error)
{
  if (src == NULL || msc_plane_get_format (src) == MSC_PLANE_F32)
    {
      g_set_error (error, MSC_IMAGING_ERROR,
                   src ? MSC_IMAGING_ERROR_FORMAT : MSC_IMAGING_ERROR_INVALID,
                   _("morph: %s"), src ? _("F32 planes are not supported (U8 or U16 only)") : _("no input plane"));
      return NULL;
    }
  if ((guint) op > MSC_MORPH_BLACKHAT || (guint) shape > MSC_MORPH_CROSS)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("morph: unknown operation %d or shape %d"), (int) op, (int) shape);
      return NULL;
    }
  if (radius > 4096)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("morph: radius %u is larger than 4096"), radius);
      return NULL;
    }
  if (radius == 0)
    {
      /* A 1x1 element: erode/dilate/open/close are the identity and the
       * hats are zero, as in OpenCV. */
      MscPlane *copy = msc_plane_copy (src, error);
      if (copy && (op == MSC_MORPH_TOPHAT || op == MSC_MORPH_BLACKHAT))
        subtract (copy, src);
      return copy;
    }
  g_autofree guint *span = g_new (guint, 2 * radius + 1);
  element_spans (shape, radius, span);

  gboolean first_dilate = op == MSC_MORPH_DILATE || op == MSC_MORPH_CLOSE || op == MSC_MORPH_BLACKHAT;
  g_autoptr (MscPlane) a = erode_dilate (src, first_dilate, span, radius, pool, error);
  if (a == NULL || op == MSC_MORPH_ERODE || op == MSC_MORPH_DILATE)
    return g_steal_pointer (&a);
  g_autoptr (MscPlane) b = erode_dilate (a, !first_dilate, span, radius, pool, error);
  if (b == NULL || op == MSC_MORPH_OPEN || op == MSC_MORPH_CLOSE)
    return g_steal_pointer (&b);
  if (op == MSC_MORPH_TOPHAT)        /* src - open (src) */
    {
      MscPlane *d = msc_plane_copy (src, error);
      if (d)
        subtract (d, b);
      return d;
    }
  subtract (b, src);                 /* black-hat: close (src) - src */
  return g_steal_pointer (&b);
}

/* ---- hole filling ------------------------------------------------------- */

MscPlane *
msc_morph_fill_holes (const MscPlane *mask, GError **error)
{
  if (mask == NULL || msc_plane_get_format (mask) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_IMAGING_ERROR,
                   mask ? MSC_IMAGING_ERROR_FORMAT : MSC_IMAGING_ERROR_INVALID,
                   _("fill holes: %s"), mask ? _("the mask is not U8") : _("no mask"));
      return NULL;
    }
  guint w = msc_plane_get_width (mask), h = msc_plane_get_height (mask);
  gsize n = msc_plane_get_n_pixels (mask);
  const guint8 *m = msc_plane_peek_u8 (mask);
  MscPlane *dst = msc_plane_new (MSC_PLANE_U8, w, h, error);
  if (dst == NULL)
    return NULL;
  guint8 *out = msc_plane_u8 (dst);
  /* out: 255 = foreground or not (yet) reached from the border; 0 =
   * background reached. Flood from every border zero with an explicit
   * stack (n <= 2^28 indices fit a guint32), 4-connected. */
  for (gsize i = 0; i < n; i++)
    out[i] = 255;
  g_autofree guint32 *stack = g_try_new (guint32, n);
  if (stack == NULL)
    {
      msc_plane_free (dst);
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE,
                   _("fill holes: no memory for a %ux%u flood"), w, h);
      return NULL;
    }
  gsize top = 0;
#define PUSH(i) do { guint32 i_ = (i); if (m[i_] == 0 && out[i_]) { out[i_] = 0; stack[top++] = i_; } } while (0)
  for (gsize x = 0; x < w; x++)
    {
      PUSH (x);
      PUSH ((guint32) ((gsize) (h - 1) * w + x));
    }
  for (guint y = 0; y < h; y++)
    {
      PUSH ((guint32) ((gsize) y * w));
      PUSH ((guint32) ((gsize) y * w + w - 1));
    }
  while (top > 0)
    {
      guint32 i = stack[--top];
      guint x = i % w, y = i / w;
      if (x > 0) PUSH (i - 1);
      if (x + 1 < w) PUSH (i + 1);
      if (y > 0) PUSH (i - w);
      if (y + 1 < h) PUSH (i + w);
    }
#undef PUSH
  return dst;
}
