/* engine/imaging/msc-edge.c — Canny edges and the standard Hough line
 * transform. Canny follows cv2.Canny (aperture 3): integer Sobel with
 * replicated borders, integer magnitude, the tan(22.5 deg) fixed-point
 * sector test and 8-connected hysteresis, so its output is bit-exact.
 */
#include "msc-edge.h"

#include <math.h>
#include <string.h>

#include "msc-i18n.h"
#include "msc-imaging-error.h"

/* tan(22.5 deg) in 15-bit fixed point, as OpenCV's non-maximum suppression. */
#define CANNY_SHIFT 15
#define CANNY_TG22 ((int) (0.4142135623730950488016887242097 * (1 << CANNY_SHIFT) + 0.5))

/* Sobel dx, dy of row y (borders replicated) and its magnitude into
 * mag (w + 2 wide, zero at both ends so neighbours outside the image
 * never win the comparison). */
static void
sobel_row (const guint8 *src, guint w, guint h, guint y, gboolean l2,
           gint16 *dx, gint16 *dy, int *mag)
{
  const guint8 *up = src + (gsize) (y > 0 ? y - 1 : 0) * w;
  const guint8 *mid = src + (gsize) y * w;
  const guint8 *dn = src + (gsize) (y + 1 < h ? y + 1 : h - 1) * w;
  /* Border columns replicate; the interior loop has no clamps so it vectorises. */
  for (guint x = 0; x < w; x += (x == 0 && w > 2) ? w - 2 : 1)
    {
      guint xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
      int gx = (up[xr] - up[xl]) + 2 * (mid[xr] - mid[xl]) + (dn[xr] - dn[xl]);
      int gy = (dn[xl] - up[xl]) + 2 * (dn[x] - up[x]) + (dn[xr] - up[xr]);
      dx[x] = (gint16) gx;
      dy[x] = (gint16) gy;
      mag[x + 1] = l2 ? gx * gx + gy * gy : ABS (gx) + ABS (gy);
    }
  for (guint x = 1; x + 1 < w; x++)
    {
      int gx = (up[x + 1] - up[x - 1]) + 2 * (mid[x + 1] - mid[x - 1]) + (dn[x + 1] - dn[x - 1]);
      int gy = (dn[x - 1] - up[x - 1]) + 2 * (dn[x] - up[x]) + (dn[x + 1] - up[x + 1]);
      dx[x] = (gint16) gx;
      dy[x] = (gint16) gy;
      mag[x + 1] = l2 ? gx * gx + gy * gy : ABS (gx) + ABS (gy);
    }
  mag[0] = mag[w + 1] = 0;
}

/* Is the pixel at x of the middle row a local maximum across its gradient
 * direction? The same strict/non-strict pattern as OpenCV, which keeps one
 * pixel of a plateau. p, a, n: magnitude rows above, at, below (offset 1). */
static gboolean
is_local_max (int m, int gx, int gy, const int *p, const int *a, const int *n)
{
  int ax = ABS (gx), ay = ABS (gy) << CANNY_SHIFT;
  int tg22x = ax * CANNY_TG22;
  if (ay < tg22x)                                   /* near horizontal gradient */
    return m > a[-1] && m >= a[1];
  int tg67x = tg22x + (ax << (CANNY_SHIFT + 1));
  if (ay > tg67x)                                   /* near vertical gradient */
    return m > p[0] && m >= n[0];
  int s = (gx ^ gy) < 0 ? -1 : 1;                   /* diagonal */
  return m > p[-s] && m > n[s];
}

/* map: 0 not an edge, 1 candidate (local max above low), 2 edge. */
static void
hysteresis (guint8 *map, guint w, guint h, guint32 *stack, gsize n_seeds)
{
  gsize top = n_seeds;
  while (top > 0)
    {
      guint32 i = stack[--top];
      guint x = i % w, y = i / w;
      guint x0 = x > 0 ? x - 1 : 0, x1 = x + 1 < w ? x + 1 : x;
      guint y0 = y > 0 ? y - 1 : 0, y1 = y + 1 < h ? y + 1 : y;
      for (guint yy = y0; yy <= y1; yy++)
        for (guint xx = x0; xx <= x1; xx++)
          {
            gsize j = (gsize) yy * w + xx;
            if (map[j] == 1)
              {
                map[j] = 2;
                stack[top++] = (guint32) j;
              }
          }
    }
}

static gboolean
canny_check (const MscPlane *src, double low, double high, GError **error)
{
  if (msc_plane_get_format (src) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("canny: only 8-bit images are supported"));
      return FALSE;
    }
  if (!isfinite (low) || !isfinite (high) || low < 0 || low > high)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("canny: thresholds low %g, high %g are not 0 <= low <= high"), low, high);
      return FALSE;
    }
  return TRUE;
}

MscPlane *
msc_edge_canny (const MscPlane *src, double low, double high, gboolean l2_gradient, GError **error)
{
  g_return_val_if_fail (src != NULL, NULL);
  if (!canny_check (src, low, high, error))
    return NULL;

  guint w = msc_plane_get_width (src), h = msc_plane_get_height (src);
  g_autoptr (MscPlane) out = msc_plane_new (MSC_PLANE_U8, w, h, error);
  if (out == NULL)
    return NULL;
  if (l2_gradient)
    {
      /* Compared with squared magnitudes; OpenCV caps at 32767 first. */
      low = MIN (low, 32767.0);
      high = MIN (high, 32767.0);
      low *= low;
      high *= high;
    }
  int ilow = (int) floor (low), ihigh = (int) floor (high);

  const guint8 *s = msc_plane_peek_u8 (src);
  guint8 *map = msc_plane_u8 (out);          /* the map becomes the output */
  gsize n = (gsize) w * h;
  g_autofree guint32 *stack = g_new (guint32, n);
  gsize n_seeds = 0;
  /* Three magnitude rows (previous, current, next) with their gradients. */
  g_autofree int *mag = g_new0 (int, 3 * ((gsize) w + 2));
  g_autofree gint16 *grad = g_new (gint16, 6 * (gsize) w);
  int *mrow[3] = { mag, mag + (w + 2), mag + 2 * (w + 2) };
  gint16 *dx[3] = { grad, grad + w, grad + 2 * w };
  gint16 *dy[3] = { grad + 3 * w, grad + 4 * w, grad + 5 * w };
  sobel_row (s, w, h, 0, l2_gradient, dx[1], dy[1], mrow[1]);
  for (guint y = 0; y < h; y++)
    {
      if (y + 1 < h)
        sobel_row (s, w, h, y + 1, l2_gradient, dx[2], dy[2], mrow[2]);
      else
        memset (mrow[2], 0, ((gsize) w + 2) * sizeof (int));
      guint8 *m = map + (gsize) y * w;
      for (guint x = 0; x < w; x++)
        {
          int v = mrow[1][x + 1];
          gboolean cand = v > ilow &&
            is_local_max (v, dx[1][x], dy[1][x], mrow[0] + x + 1, mrow[1] + x + 1, mrow[2] + x + 1);
          m[x] = cand ? 1 : 0;
          if (cand && v > ihigh)
            {
              m[x] = 2;
              stack[n_seeds++] = (guint32) ((gsize) y * w + x);
            }
        }
      /* Rotate the rows: current becomes previous, next becomes current. */
      int *tm = mrow[0]; mrow[0] = mrow[1]; mrow[1] = mrow[2]; mrow[2] = tm;
      gint16 *tx = dx[0]; dx[0] = dx[1]; dx[1] = dx[2]; dx[2] = tx;
      gint16 *ty = dy[0]; dy[0] = dy[1]; dy[1] = dy[2]; dy[2] = ty;
    }
  hysteresis (map, w, h, stack, n_seeds);
  for (gsize i = 0; i < n; i++)
    map[i] = map[i] == 2 ? 255 : 0;
  return g_steal_pointer (&out);
}

/* ---- Hough lines ------------------------------------------------------- */

typedef struct {
  guint index;                 /* accumulator cell */
  guint votes;
} Peak;

static int
peak_compare (gconstpointer a, gconstpointer b)
{
  const Peak *pa = a, *pb = b;
  if (pa->votes != pb->votes)
    return pa->votes > pb->votes ? -1 : 1;
  return pa->index < pb->index ? -1 : pa->index > pb->index;
}

static gboolean
hough_check (const MscPlane *edges, double rho_step, double theta_step,
             double theta_min, double theta_max, GError **error)
{
  if (msc_plane_get_format (edges) != MSC_PLANE_U8)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT,
                   _("hough: the edge map must be an 8-bit plane"));
      return FALSE;
    }
  if (!(rho_step >= 0.01) || !(theta_step > 1e-6) || !isfinite (rho_step) || !isfinite (theta_step))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("hough: steps rho %g, theta %g must be >= 0.01 pixel and > 1e-6 radian"),
                   rho_step, theta_step);
      return FALSE;
    }
  if (!isfinite (theta_min) || !isfinite (theta_max) || !(theta_max > theta_min) ||
      (theta_max - theta_min) / theta_step > 1e6)
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID,
                   _("hough: theta range [%g, %g) is empty or too finely divided"), theta_min, theta_max);
      return FALSE;
    }
  return TRUE;
}

/* Accumulator of (n_theta + 2) x (n_rho + 2) with a zero frame, so the
 * 3x3 neighbourhood of every real cell exists. rho index r holds
 * rho = (r - (n_rho - 1) / 2) rho_step, as cv2.HoughLines lays it out. */
static guint32 *
hough_accumulate (const MscPlane *edges, double rho_step, double theta_step, double theta_min,
                  guint n_theta, guint n_rho)
{
  guint w = msc_plane_get_width (edges), h = msc_plane_get_height (edges);
  const guint8 *e = msc_plane_peek_u8 (edges);
  gsize stride = (gsize) n_rho + 2;
  guint32 *acc = g_new0 (guint32, ((gsize) n_theta + 2) * stride);
  g_autofree float *tcos = g_new (float, n_theta);
  g_autofree float *tsin = g_new (float, n_theta);
  for (guint t = 0; t < n_theta; t++)
    {
      double theta = theta_min + t * theta_step;
      tcos[t] = (float) (cos (theta) / rho_step);
      tsin[t] = (float) (sin (theta) / rho_step);
    }
  int offset = (int) (n_rho - 1) / 2;
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      if (e[(gsize) y * w + x] != 0)
        for (guint t = 0; t < n_theta; t++)
          {
            int r = (int) lrintf ((float) x * tcos[t] + (float) y * tsin[t]) + offset;
            /* |rho| <= w + h by construction; the clamp is only defensive. */
            r = CLAMP (r, 0, (int) n_rho - 1);
            acc[(t + 1) * stride + (guint) r + 1]++;
          }
  return acc;
}

/* 3x3 non-maximum suppression: strictly above the neighbours met earlier
 * in raster order, at least equal to the later ones, so a plateau keeps
 * exactly its first cell. */
static gboolean
is_peak (const guint32 *acc, gsize i, gsize stride)
{
  guint32 v = acc[i];
  return v > acc[i - stride - 1] && v > acc[i - stride] && v > acc[i - stride + 1] &&
         v > acc[i - 1] && v >= acc[i + 1] &&
         v >= acc[i + stride - 1] && v >= acc[i + stride] && v >= acc[i + stride + 1];
}

GArray *
msc_edge_hough_lines (const MscPlane *edges, double rho_step, double theta_step,
                      double theta_min, double theta_max, guint threshold, guint max_lines,
                      GError **error)
{
  g_return_val_if_fail (edges != NULL, NULL);
  if (!hough_check (edges, rho_step, theta_step, theta_min, theta_max, error))
    return NULL;

  guint w = msc_plane_get_width (edges), h = msc_plane_get_height (edges);
  /* Angles theta_min + t step for t with angle < theta_max. */
  guint n_theta = (guint) ceil ((theta_max - theta_min) / theta_step - 1e-9);
  n_theta = MAX (n_theta, 1);
  guint n_rho = (guint) lrint ((2.0 * ((double) w + h) + 1) / rho_step);
  if ((guint64) (n_theta + 2) * (n_rho + 2) > (G_GUINT64_CONSTANT (1) << 28))
    {
      g_set_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_TOO_LARGE,
                   _("hough: accumulator of %u angles x %u distances is too large"), n_theta, n_rho);
      return NULL;
    }
  g_autofree guint32 *acc = hough_accumulate (edges, rho_step, theta_step, theta_min, n_theta, n_rho);
  gsize stride = (gsize) n_rho + 2;

  g_autoptr (GArray) peaks = g_array_new (FALSE, FALSE, sizeof (Peak));
  guint min_votes = MAX (threshold, 1);
  for (guint t = 0; t < n_theta; t++)
    for (guint r = 0; r < n_rho; r++)
      {
        gsize i = (t + 1) * stride + r + 1;
        if (acc[i] >= min_votes && is_peak (acc, i, stride))
          g_array_append_val (peaks, ((Peak) { (guint) i, acc[i] }));
      }
  g_array_sort (peaks, peak_compare);

  GArray *lines = g_array_new (FALSE, FALSE, sizeof (MscLine));
  for (guint k = 0; k < peaks->len && k < max_lines; k++)
    {
      const Peak *p = &g_array_index (peaks, Peak, k);
      guint t = (guint) (p->index / stride) - 1, r = (guint) (p->index % stride) - 1;
      MscLine line = {
        .rho = ((double) r - (double) ((n_rho - 1) / 2)) * rho_step,
        .theta = theta_min + t * theta_step,
        .votes = p->votes,
      };
      g_array_append_val (lines, line);
    }
  return lines;
}
