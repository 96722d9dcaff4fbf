/* engine/nn/msc-conv.c — conv2d and transposed conv2d, forward and backward.
 *
 * General case: im2col into scratch, then one msc_sgemm per (image, group)
 * with the spatial size as the GEMM's N dimension (large, which is what
 * OpenBLAS is fastest at). 1x1 stride-1 convolutions skip im2col (the input
 * already is the column matrix); depthwise ones are direct loops. 3x3
 * stride-1 "same" convolutions (the U-Net's) use the direct kernels of
 * msc-conv-direct.c instead: forward and backward's dx up to 256 channels,
 * dw (with db) up to 64; above that their dw runs its column tiles in
 * parallel on the pool. docs/PERFORMANCE.md has the measurements behind
 * each limit.
 */
#include "msc-conv.h"

#include <math.h>
#include <string.h>

#include "msc-blas.h"
#include "msc-conv-private.h"
#include "msc-nn-error.h"

/* Geometry of one im2col/col2im: an image of c planes (h, w) seen by a
 * kernel (kh, kw) that produces (ho, wo) positions, of which output rows
 * [oh0, oh1) are in the column buffer (a tile). Transposed conv reuses it
 * with the roles of input and output swapped. */
typedef struct {
  gint64 c, h, w, ho, wo;
  gint64 kh, kw, sh, sw, ph, pw, dh, dw;
  gint64 oh0, oh1;
} Geom;

/* Column tiles of about this many floats (1 MiB) stay in L2 between
 * im2col writing them and sgemm reading them; a whole 512x512 image's
 * columns (150 MB for 16 channels, 3x3) would make both memory-bound. */
#define TILE_FLOATS (256 * 1024)

/* Output rows per tile for k column rows of wo floats each, >= 1. */
static gint64
tile_rows (gint64 k, gint64 wo, gint64 ho)
{
  gint64 rows = TILE_FLOATS / MAX (k * wo, 1);
  return CLAMP (rows, 1, ho);
}

/* Output columns ow whose input column ow * s + off lies in [0, w). */
static void
valid_range (gint64 off, gint64 s, gint64 w, gint64 wo, gint64 *lo, gint64 *hi)
{
  gint64 l = off >= 0 ? 0 : (-off + s - 1) / s;
  gint64 h = (w - 1 - off) < 0 ? 0 : (w - 1 - off) / s + 1;
  l = MIN (l, wo);
  h = CLAMP (h, l, wo);
  *lo = l;
  *hi = h;
}

typedef struct {
  const Geom *g;
  const float *img;   /* (c, h, w) */
  float *img_out;     /* (c, h, w), col2im */
  float *col;         /* (c * kh * kw, ho * wo) */
  const float *col_in;
} ColJob;

/* col rows of channel c: (kh * kw, ho * wo), zero where the kernel hangs
 * over the padding. */
static void
im2col_task (guint c, gpointer data)
{
  const ColJob *job = data;
  const Geom *g = job->g;
  gint64 hw_out = (g->oh1 - g->oh0) * g->wo;
  const float *x = job->img + (gint64) c * g->h * g->w;

  for (gint64 ki = 0; ki < g->kh; ki++)
    for (gint64 kj = 0; kj < g->kw; kj++)
      {
        float *row = job->col + ((gint64) c * g->kh * g->kw + ki * g->kw + kj) * hw_out;
        gint64 off = kj * g->dw - g->pw, lo, hi;
        valid_range (off, g->sw, g->w, g->wo, &lo, &hi);
        for (gint64 oh = g->oh0; oh < g->oh1; oh++)
          {
            float *dst = row + (oh - g->oh0) * g->wo;
            gint64 ih = oh * g->sh - g->ph + ki * g->dh;
            if (ih < 0 || ih >= g->h)
              {
                memset (dst, 0, sizeof (float) * g->wo);
                continue;
              }
            const float *xr = x + ih * g->w;
            for (gint64 ow = 0; ow < lo; ow++)
              dst[ow] = 0.0f;
            if (g->sw == 1)
              memcpy (dst + lo, xr + lo + off, sizeof (float) * (hi - lo));
            else
              for (gint64 ow = lo; ow < hi; ow++)
                dst[ow] = xr[ow * g->sw + off];
            for (gint64 ow = hi; ow < g->wo; ow++)
              dst[ow] = 0.0f;
          }
      }
}

/* The adjoint of im2col_task: adds col rows of channel c back into it. */
static void
col2im_task (guint c, gpointer data)
{
  const ColJob *job = data;
  const Geom *g = job->g;
  gint64 hw_out = (g->oh1 - g->oh0) * g->wo;
  float *x = job->img_out + (gint64) c * g->h * g->w;

  for (gint64 ki = 0; ki < g->kh; ki++)
    for (gint64 kj = 0; kj < g->kw; kj++)
      {
        const float *row = job->col_in + ((gint64) c * g->kh * g->kw + ki * g->kw + kj) * hw_out;
        gint64 off = kj * g->dw - g->pw, lo, hi;
        valid_range (off, g->sw, g->w, g->wo, &lo, &hi);
        for (gint64 oh = g->oh0; oh < g->oh1; oh++)
          {
            gint64 ih = oh * g->sh - g->ph + ki * g->dh;
            if (ih < 0 || ih >= g->h)
              continue;
            const float *src = row + (oh - g->oh0) * g->wo;
            float *xr = x + ih * g->w;
            for (gint64 ow = lo; ow < hi; ow++)
              xr[ow * g->sw + off] += src[ow];
          }
      }
}

/* img: (g->c, h, w) -> col: (c kh kw, (oh1 - oh0) wo). */
static void
im2col (const Geom *g, const float *img, float *col, MscThreadPool *pool)
{
  ColJob job = { .g = g, .img = img, .col = col };
  msc_thread_pool_run (pool, (guint) g->c, im2col_task, &job);
}

/* img += col2im (col); each channel is written by one task only. */
static void
col2im (const Geom *g, const float *col, float *img, MscThreadPool *pool)
{
  ColJob job = { .g = g, .img_out = img, .col_in = col };
  msc_thread_pool_run (pool, (guint) g->c, col2im_task, &job);
}

/* y: (rows, hw) filled with b[row], or zero when b is NULL. */
static void
fill_bias (float *y, const float *b, gint64 rows, gint64 hw)
{
  for (gint64 r = 0; r < rows; r++)
    {
      float v = b ? b[r] : 0.0f;
      float *yr = y + r * hw;
      for (gint64 i = 0; i < hw; i++)
        yr[i] = v;
    }
}

/* db[c] += sum over n and space of dy (n, c, hw). 16 float lanes over
 * runs of 1,024 values (independent lanes, so GCC vectorises the loop
 * without reassociating), each run's total then added in double so the
 * result does not depend on the image size's rounding. A plain double sum
 * is one dependent add per value: 5 ms of a 40 ms backward at 16x512x512. */
static void
bias_grad (float *db, const float *dy, gint64 n, gint64 c, gint64 hw)
{
  enum { LANES = 16, RUN = 1024 };

  for (gint64 co = 0; co < c; co++)
    {
      double s = 0;
      for (gint64 i = 0; i < n; i++)
        {
          const float *d = dy + (i * c + co) * hw;
          gint64 k = 0;
          for (; k + RUN <= hw; k += RUN)
            {
              float lane[LANES] = { 0 };
              for (gint64 j = 0; j < RUN; j += LANES)
                for (int l = 0; l < LANES; l++)
                  lane[l] += d[k + j + l];
              for (int l = 0; l < LANES; l++)
                s += lane[l];
            }
          for (; k < hw; k++)
            s += d[k];
        }
      db[co] += (float) s;
    }
}

/* ---- parameter checks ---------------------------------------------------- */

typedef struct {
  const char *name;
  gint64 value;
  gint64 min;
} Field;

/* Fields are capped at G_MAXINT32 so that sums and products of two of them
 * cannot overflow gint64 below; the real limits are checked afterwards. */
static gboolean
check_fields (const char *op, const Field *f, guint n_fields, GError **error)
{
  for (guint i = 0; i < n_fields; i++)
    if (f[i].value < f[i].min || f[i].value > G_MAXINT32)
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                     "%s: %s is %" G_GINT64_FORMAT ", must be in [%" G_GINT64_FORMAT ", %d]",
                     op, f[i].name, f[i].value, f[i].min, G_MAXINT32);
        return FALSE;
      }
  return TRUE;
}

/* a * b * c * d as a count of floats, FALSE when it (in bytes) or any GEMM
 * dimension built from it would not fit. */
static gboolean
checked_numel (gint64 a, gint64 b, gint64 c, gint64 d, gsize *out)
{
  gsize r = 1;
  if (!g_size_checked_mul (&r, r, (gsize) a) || !g_size_checked_mul (&r, r, (gsize) b)
      || !g_size_checked_mul (&r, r, (gsize) c) || !g_size_checked_mul (&r, r, (gsize) d))
    return FALSE;
  gsize bytes;
  if (!g_size_checked_mul (&bytes, r, sizeof (float)) || bytes > G_MAXSSIZE)
    return FALSE;
  *out = r;
  return TRUE;
}

/* Shared by both ops: groups, sizes and GEMM dimensions. */
static gboolean
check_sizes (const char *op, gint64 n, gint64 c_in, gint64 h_in, gint64 w_in,
             gint64 c_out, gint64 h_out, gint64 w_out, gint64 kh, gint64 kw,
             gint64 groups, GError **error)
{
  gsize numel;

  if (c_in % groups != 0 || c_out % groups != 0)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "%s: %" G_GINT64_FORMAT " input and %" G_GINT64_FORMAT
                   " output channels are not both divisible by %" G_GINT64_FORMAT " groups",
                   op, c_in, c_out, groups);
      return FALSE;
    }
  if (h_out < 1 || w_out < 1)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "%s: output would be %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " for a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " input",
                   op, h_out, w_out, h_in, w_in);
      return FALSE;
    }
  /* Tensors, weights and the column buffer (as large as the bigger side's
   * channels x kernel x the other side's plane) must be addressable, and
   * every GEMM dimension must fit in int for cblas. */
  gint64 c_max = MAX (c_in, c_out) / groups;
  if (!checked_numel (n, c_in, h_in, w_in, &numel)
      || !checked_numel (n, c_out, h_out, w_out, &numel)
      || !checked_numel (c_out, c_in / groups, kh, kw, &numel)
      || !checked_numel (c_max, kh, kw, MAX (h_in * w_in, h_out * w_out), &numel)
      || c_max * kh * kw > G_MAXINT
      || h_in * w_in > G_MAXINT || h_out * w_out > G_MAXINT)
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE,
                   "%s: sizes too large (input %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                   " output channels, kernel %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT ")",
                   op, n, c_in, h_in, w_in, c_out, kh, kw);
      return FALSE;
    }
  return TRUE;
}

/* ---- conv2d --------------------------------------------------------------- */

static gint64
conv_out (gint64 in, gint64 k, gint64 s, gint64 pad, gint64 dil)
{
  gint64 span = in + 2 * pad - dil * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

void
msc_conv2d_output_hw (const MscConv2dParams *p, gint64 *h_out, gint64 *w_out)
{
  *h_out = conv_out (p->h_in, p->kh, p->stride_h, p->pad_h, p->dil_h);
  *w_out = conv_out (p->w_in, p->kw, p->stride_w, p->pad_w, p->dil_w);
}

gboolean
msc_conv2d_params_check (const MscConv2dParams *p, GError **error)
{
  const Field f[] = {
    { "n", p->n, 1 }, { "c_in", p->c_in, 1 }, { "h_in", p->h_in, 1 }, { "w_in", p->w_in, 1 },
    { "c_out", p->c_out, 1 }, { "kh", p->kh, 1 }, { "kw", p->kw, 1 },
    { "stride_h", p->stride_h, 1 }, { "stride_w", p->stride_w, 1 },
    { "pad_h", p->pad_h, 0 }, { "pad_w", p->pad_w, 0 },
    { "dil_h", p->dil_h, 1 }, { "dil_w", p->dil_w, 1 }, { "groups", p->groups, 1 },
  };
  gint64 h_out, w_out;

  if (!check_fields ("conv2d", f, G_N_ELEMENTS (f), error))
    return FALSE;
  msc_conv2d_output_hw (p, &h_out, &w_out);
  return check_sizes ("conv2d", p->n, p->c_in, p->h_in, p->w_in, p->c_out, h_out, w_out,
                      p->kh, p->kw, p->groups, error);
}

static gboolean
is_depthwise (const MscConv2dParams *p)
{
  return p->groups > 1 && p->groups == p->c_in;
}

static gboolean
is_pointwise (const MscConv2dParams *p)
{
  return p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1
         && p->pad_h == 0 && p->pad_w == 0;
}

/* With stride 1, dx is itself a convolution: of dy, padded by
 * dil (k - 1) - pad, with the kernel flipped and its in/out channels
 * swapped. That GEMM is shaped like forward's and needs no col2im scatter,
 * which is much faster than W^T dY when there are few output channels. */
static gboolean
dx_by_flipped_conv (const MscConv2dParams *p)
{
  return p->stride_h == 1 && p->stride_w == 1
         && p->pad_h <= p->dil_h * (p->kh - 1) && p->pad_w <= p->dil_w * (p->kw - 1);
}

/* ---- dw by column tiles in parallel ---------------------------------------- */

/* OpenBLAS with 2 threads scales poorly on the dw GEMMs of one column tile
 * ((c_out, 9 c_in) x a few thousand columns), and im2col between them is
 * serial per tile. Instead the tiles are split into DW_TASKS fixed groups,
 * each run as one pool task with single-threaded sgemm into its own
 * partial dw; the partials are then added in group order, so the result
 * does not depend on the pool. The count is fixed (not the pool's size) so
 * that the scratch size is a function of the shape alone; 4 leaves 2
 * threads some slack to balance. */
#define DW_TASKS 4

typedef struct {
  Geom g;
  const float *xg, *dyg;
  float *scratch;
  gint64 rows, k, cog, hw_out, slot, n_tiles;
} DwTileJob;

static gint64
dw_tile_slot_floats (gint64 k, gint64 rows, gint64 wo, gint64 cog)
{
  return k * rows * wo + cog * k;
}

static void
dw_tile_task (guint t, gpointer data)
{
  const DwTileJob *job = data;
  Geom g = job->g;
  float *col = job->scratch + t * job->slot, *part = col + job->k * job->rows * g.wo;
  gint64 first = job->n_tiles * t / DW_TASKS, last = job->n_tiles * (t + 1) / DW_TASKS;
  ColJob cj = { .g = &g, .img = job->xg, .col = col };

  memset (part, 0, sizeof (float) * job->cog * job->k);
  for (gint64 tile = first; tile < last; tile++)
    {
      g.oh0 = tile * job->rows;
      g.oh1 = MIN (g.oh0 + job->rows, g.ho);
      gint64 cols = (g.oh1 - g.oh0) * g.wo;
      for (guint c = 0; c < g.c; c++)
        im2col_task (c, &cj);
      /* part (cog, k) += dy_g[:, tile] (cog, cols) col^T (cols, k) */
      msc_sgemm (FALSE, TRUE, job->cog, job->k, cols, 1.0f, job->dyg + g.oh0 * g.wo,
                 job->hw_out, col, cols, 1.0f, part, job->k);
    }
}

/* dw_g (cog, k) += dy_g x im2col (x_g)^T, tiles in parallel. */
static void
dw_tiled (const Geom *g0, const float *xg, const float *dyg, float *dwg, gint64 cog,
          float *scratch, MscThreadPool *pool)
{
  gint64 k = g0->c * g0->kh * g0->kw, rows = tile_rows (k, g0->wo, g0->ho);
  DwTileJob job = {
    .g = *g0, .xg = xg, .dyg = dyg, .scratch = scratch, .rows = rows, .k = k, .cog = cog,
    .hw_out = g0->ho * g0->wo, .slot = dw_tile_slot_floats (k, rows, g0->wo, cog),
    .n_tiles = (g0->ho + rows - 1) / rows,
  };
  int blas_threads = msc_blas_get_threads ();

  /* OpenBLAS's thread count is process-wide: single-threaded while our
   * workers call it concurrently, restored afterwards. Also without a pool,
   * so that the result is the same with and without one (OpenBLAS's
   * threaded and single-threaded kernels round differently); the
   * parallelism here is the pool's. */
  msc_blas_set_threads (1);
  msc_thread_pool_run (pool, DW_TASKS, dw_tile_task, &job);
  msc_blas_set_threads (blas_threads);
  for (guint t = 0; t < DW_TASKS; t++)
    {
      const float *part = scratch + t * job.slot + k * rows * g0->wo;
      for (gint64 i = 0; i < cog * k; i++)
        dwg[i] += part[i];
    }
}

static MscConvPath forced_path = MSC_CONV_PATH_AUTO;

void
msc_conv_set_path (MscConvPath path)
{
  forced_path = path;
}

/* 3x3, stride 1, padding 1, no dilation or groups: the U-Net's convolution,
 * and the one msc_conv_direct3x3 computes. */
static gboolean
is_same3x3 (const MscConv2dParams *p)
{
  return p->kh == 3 && p->kw == 3 && p->stride_h == 1 && p->stride_w == 1 && p->pad_h == 1
         && p->pad_w == 1 && p->dil_h == 1 && p->dil_w == 1 && p->groups == 1;
}

/* Up to this many output channels the direct kernel is measured faster
 * than im2col + sgemm (docs/PERFORMANCE.md: at every U-Net shape, 16-256
 * channels, most of all with few channels, where the GEMM's M dimension is
 * too small for OpenBLAS). Beyond it, unmeasured, the GEMM stays. */
#define DIRECT_MAX_CHANNELS 256

/* Whether a convolution producing c_out channels (the forward one, or dx's
 * flipped one with c_in) goes direct. */
static gboolean
use_direct (const MscConv2dParams *p, gint64 c_out)
{
  if (!is_same3x3 (p) || forced_path == MSC_CONV_PATH_GEMM)
    return FALSE;
  return forced_path == MSC_CONV_PATH_DIRECT || c_out <= DIRECT_MAX_CHANNELS;
}

/* Up to this many channels (in and out) dw is faster direct than as the
 * (c_out, 9 c_in, image) GEMM; see docs/PERFORMANCE.md. */
#define DIRECT_WGRAD_MAX_CHANNELS 64

static gboolean
use_direct_wgrad (const MscConv2dParams *p)
{
  if (!is_same3x3 (p) || forced_path == MSC_CONV_PATH_GEMM)
    return FALSE;
  return forced_path == MSC_CONV_PATH_DIRECT
         || MAX (p->c_in, p->c_out) <= DIRECT_WGRAD_MAX_CHANNELS;
}

/* dx_g (cg, h_in, w_in) += conv (dy_g, flip (w_g)); scratch holds the
 * flipped weights (cg, cog kh kw) and then a column tile of dy. */
static void
dx_flipped (const MscConv2dParams *p, const Geom *g, const float *wg, const float *dyg,
            float *dxg, float *scratch, MscThreadPool *pool)
{
  gint64 cg = p->c_in / p->groups, cog = p->c_out / p->groups;
  gint64 khw = p->kh * p->kw, kt = cog * khw, hw_in = p->h_in * p->w_in;
  float *wt = scratch, *col = scratch + cg * kt;
  Geom gt = {
    .c = cog, .h = g->ho, .w = g->wo, .ho = p->h_in, .wo = p->w_in,
    .kh = p->kh, .kw = p->kw, .sh = 1, .sw = 1,
    .ph = p->dil_h * (p->kh - 1) - p->pad_h, .pw = p->dil_w * (p->kw - 1) - p->pad_w,
    .dh = p->dil_h, .dw = p->dil_w,
  };
  gint64 rows = tile_rows (kt, gt.wo, gt.ho);

  /* wt[ci][co][ki][kj] = wg[co][ci][kh-1-ki][kw-1-kj] */
  for (gint64 co = 0; co < cog; co++)
    for (gint64 ci = 0; ci < cg; ci++)
      for (gint64 t = 0; t < khw; t++)
        wt[ci * kt + co * khw + t] = wg[(co * cg + ci) * khw + (khw - 1 - t)];
  for (gt.oh0 = 0; gt.oh0 < gt.ho; gt.oh0 += rows)
    {
      gt.oh1 = MIN (gt.oh0 + rows, gt.ho);
      gint64 cols = (gt.oh1 - gt.oh0) * gt.wo;
      im2col (&gt, dyg, col, pool);
      /* dx_g[:, tile] (cg, cols) += wt (cg, kt) col (kt, cols) */
      msc_sgemm (FALSE, FALSE, cg, cols, kt, 1.0f, wt, kt, col, cols,
                 1.0f, dxg + gt.oh0 * gt.wo, hw_in);
    }
}

gsize
msc_conv2d_forward_scratch_floats (const MscConv2dParams *p)
{
  gint64 h_out, w_out;

  if (is_depthwise (p) || is_pointwise (p))
    return 0;
  msc_conv2d_output_hw (p, &h_out, &w_out);
  gint64 k = p->c_in / p->groups * p->kh * p->kw;
  gsize fwd = (gsize) (k * tile_rows (k, w_out, h_out) * w_out);
  /* The path is chosen per call (tests may force one), so room for both. */
  if (is_same3x3 (p))
    fwd = MAX (fwd, msc_conv_direct3x3_scratch_floats (p->c_in, p->c_out, p->w_in));
  return fwd;
}

gsize
msc_conv2d_scratch_floats (const MscConv2dParams *p)
{
  gint64 h_out, w_out;

  if (is_depthwise (p) || is_pointwise (p))
    return 0;
  msc_conv2d_output_hw (p, &h_out, &w_out);
  gint64 k = p->c_in / p->groups * p->kh * p->kw;
  gsize fwd = msc_conv2d_forward_scratch_floats (p);
  if (is_same3x3 (p))
    {
      /* Backward: dx by the direct kernel on dy, and the dw paths. */
      fwd = MAX (fwd, msc_conv_direct3x3_scratch_floats (p->c_out, p->c_in, p->w_in));
      fwd = MAX (fwd, msc_conv_direct3x3_wgrad_scratch_floats (p->c_in, p->c_out, p->h_in,
                                                               p->w_in));
      fwd = MAX (fwd, (gsize) (DW_TASKS * dw_tile_slot_floats (k, tile_rows (k, w_out, h_out),
                                                               w_out, p->c_out)));
    }
  if (!dx_by_flipped_conv (p))
    return fwd;
  /* Backward's dx: the flipped weights of a group, then dy's column tile. */
  gint64 kt = p->c_out / p->groups * p->kh * p->kw;
  gsize bwd = (gsize) (p->c_in / p->groups * kt + kt * tile_rows (kt, p->w_in, p->h_in) * p->w_in);
  return MAX (fwd, bwd);
}

static Geom
conv_geom (const MscConv2dParams *p)
{
  Geom g = {
    .c = p->c_in / p->groups, .h = p->h_in, .w = p->w_in,
    .kh = p->kh, .kw = p->kw, .sh = p->stride_h, .sw = p->stride_w,
    .ph = p->pad_h, .pw = p->pad_w, .dh = p->dil_h, .dw = p->dil_w,
  };
  msc_conv2d_output_hw (p, &g.ho, &g.wo);
  g.oh0 = 0;
  g.oh1 = g.ho;
  return g;
}

/* ---- depthwise: direct loops, one task per input channel ------------------ */

typedef struct {
  const MscConv2dParams *p;
  Geom g;
  const float *x, *w, *b, *dy;
  float *y, *dx, *dw, *db;
} DwJob;

static void
dw_forward_task (guint ci, gpointer data)
{
  const DwJob *job = data;
  const MscConv2dParams *p = job->p;
  const Geom *g = &job->g;
  gint64 mult = p->c_out / p->c_in, hw_in = p->h_in * p->w_in, hw_out = g->ho * g->wo;

  for (gint64 n = 0; n < p->n; n++)
    for (gint64 m = 0; m < mult; m++)
      {
        gint64 co = ci * mult + m;
        const float *xp = job->x + (n * p->c_in + ci) * hw_in;
        const float *wp = job->w + co * p->kh * p->kw;
        float *yp = job->y + (n * p->c_out + co) * hw_out;
        fill_bias (yp, job->b ? job->b + co : NULL, 1, hw_out);
        for (gint64 ki = 0; ki < p->kh; ki++)
          for (gint64 kj = 0; kj < p->kw; kj++)
            {
              float wv = wp[ki * p->kw + kj];
              gint64 off = kj * g->dw - g->pw, lo, hi;
              valid_range (off, g->sw, g->w, g->wo, &lo, &hi);
              for (gint64 oh = 0; oh < g->ho; oh++)
                {
                  gint64 ih = oh * g->sh - g->ph + ki * g->dh;
                  if (ih < 0 || ih >= g->h)
                    continue;
                  const float *xr = xp + ih * g->w;
                  float *yr = yp + oh * g->wo;
                  if (g->sw == 1)
                    for (gint64 ow = lo; ow < hi; ow++)
                      yr[ow] += wv * xr[ow + off];
                  else
                    for (gint64 ow = lo; ow < hi; ow++)
                      yr[ow] += wv * xr[ow * g->sw + off];
                }
            }
      }
}

/* Everything written here (dx plane ci, dw and db rows of its output
 * channels) belongs to input channel ci alone, so tasks never collide. */
static void
dw_backward_task (guint ci, gpointer data)
{
  const DwJob *job = data;
  const MscConv2dParams *p = job->p;
  const Geom *g = &job->g;
  gint64 mult = p->c_out / p->c_in, hw_in = p->h_in * p->w_in, hw_out = g->ho * g->wo;

  for (gint64 m = 0; m < mult; m++)
    {
      gint64 co = ci * mult + m;
      for (gint64 n = 0; job->db && n < p->n; n++)
        bias_grad (job->db + co, job->dy + (n * p->c_out + co) * hw_out, 1, 1, hw_out);
      for (gint64 ki = 0; ki < p->kh; ki++)
        for (gint64 kj = 0; kj < p->kw; kj++)
          {
            float wv = job->w[co * p->kh * p->kw + ki * p->kw + kj];
            gint64 off = kj * g->dw - g->pw, lo, hi;
            double dwv = 0;
            valid_range (off, g->sw, g->w, g->wo, &lo, &hi);
            for (gint64 n = 0; n < p->n; n++)
              {
                const float *xp = job->x + (n * p->c_in + ci) * hw_in;
                const float *dyp = job->dy + (n * p->c_out + co) * hw_out;
                float *dxp = job->dx ? job->dx + (n * p->c_in + ci) * hw_in : NULL;
                for (gint64 oh = 0; oh < g->ho; oh++)
                  {
                    gint64 ih = oh * g->sh - g->ph + ki * g->dh;
                    if (ih < 0 || ih >= g->h)
                      continue;
                    const float *dyr = dyp + oh * g->wo;
                    if (job->dw)
                      {
                        const float *xr = xp + ih * g->w;
                        float acc = 0.0f;
                        for (gint64 ow = lo; ow < hi; ow++)
                          acc += dyr[ow] * xr[ow * g->sw + off];
                        dwv += acc;
                      }
                    if (dxp)
                      {
                        float *dxr = dxp + ih * g->w;
                        for (gint64 ow = lo; ow < hi; ow++)
                          dxr[ow * g->sw + off] += wv * dyr[ow];
                      }
                  }
              }
            if (job->dw)
              job->dw[co * p->kh * p->kw + ki * p->kw + kj] += (float) dwv;
          }
    }
}

/* ---- conv2d forward / backward ------------------------------------------- */

void
msc_conv2d_forward (const MscConv2dParams *p, const float *x, const float *w, const float *b,
                    float *y, float *scratch, MscThreadPool *pool)
{
  Geom g = conv_geom (p);
  gint64 cg = p->c_in / p->groups, cog = p->c_out / p->groups;
  gint64 hw_in = p->h_in * p->w_in, hw_out = g.ho * g.wo, k = cg * p->kh * p->kw;

  if (is_depthwise (p))
    {
      DwJob job = { .p = p, .g = g, .x = x, .w = w, .b = b, .y = y };
      msc_thread_pool_run (pool, (guint) p->c_in, dw_forward_task, &job);
      return;
    }
  if (use_direct (p, p->c_out))
    {
      msc_conv_direct3x3 (p->n, p->c_in, p->c_out, p->h_in, p->w_in, x, w, FALSE, b, FALSE,
                          y, scratch, pool);
      return;
    }
  gint64 rows = tile_rows (k, g.wo, g.ho);
  for (gint64 n = 0; n < p->n; n++)
    for (gint64 grp = 0; grp < p->groups; grp++)
      {
        const float *xg = x + (n * p->c_in + grp * cg) * hw_in;
        const float *wg = w + grp * cog * k;
        float *yg = y + (n * p->c_out + grp * cog) * hw_out;
        if (b)
          fill_bias (yg, b + grp * cog, cog, hw_out);
        if (is_pointwise (p))
          {
            /* y_g (cog, hw) = w_g (cog, cg) x_g (cg, hw): x_g is the column matrix */
            msc_sgemm (FALSE, FALSE, cog, hw_out, k, 1.0f, wg, k, xg, hw_out,
                       b ? 1.0f : 0.0f, yg, hw_out);
            continue;
          }
        for (g.oh0 = 0; g.oh0 < g.ho; g.oh0 += rows)
          {
            g.oh1 = MIN (g.oh0 + rows, g.ho);
            gint64 cols = (g.oh1 - g.oh0) * g.wo;
            im2col (&g, xg, scratch, pool);
            /* y_g[:, tile] (cog, cols) = w_g (cog, k) col (k, cols) [+ bias] */
            msc_sgemm (FALSE, FALSE, cog, cols, k, 1.0f, wg, k, scratch, cols,
                       b ? 1.0f : 0.0f, yg + g.oh0 * g.wo, hw_out);
          }
      }
}

void
msc_conv2d_backward (const MscConv2dParams *p, const float *x, const float *w, const float *dy,
                     float *dx, float *dw, float *db, float *scratch, MscThreadPool *pool)
{
  Geom g = conv_geom (p);
  gint64 cg = p->c_in / p->groups, cog = p->c_out / p->groups;
  gint64 hw_in = p->h_in * p->w_in, hw_out = g.ho * g.wo, k = cg * p->kh * p->kw;

  if (is_depthwise (p))
    {
      DwJob job = { .p = p, .g = g, .x = x, .w = w, .dy = dy, .dx = dx, .dw = dw, .db = db };
      if (dx || dw || db)
        msc_thread_pool_run (pool, (guint) p->c_in, dw_backward_task, &job);
      return;
    }
  gint64 rows = tile_rows (k, g.wo, g.ho);
  gboolean flip = dx_by_flipped_conv (p);
  if (db && !(dw && use_direct_wgrad (p)))
    bias_grad (db, dy, p->n, p->c_out, hw_out);
  if (dx && use_direct (p, p->c_in))
    {
      /* dx = conv (dy, flip (w)), accumulated, all images at once */
      msc_conv_direct3x3 (p->n, p->c_out, p->c_in, p->h_in, p->w_in, dy, w, TRUE, NULL, TRUE,
                          dx, scratch, pool);
      dx = NULL;
    }
  if (dw && use_direct_wgrad (p))
    {
      /* db too, from the dy chunks it copies */
      msc_conv_direct3x3_wgrad (p->n, p->c_in, p->c_out, p->h_in, p->w_in, x, dy, dw, db,
                                scratch, pool);
      dw = NULL;
    }
  if (dw && is_same3x3 (p))
    {
      for (gint64 n = 0; n < p->n; n++)
        dw_tiled (&g, x + n * p->c_in * hw_in, dy + n * p->c_out * hw_out, dw, p->c_out,
                  scratch, pool);
      dw = NULL;
    }
  for (gint64 n = 0; n < p->n; n++)
    for (gint64 grp = 0; grp < p->groups; grp++)
      {
        const float *xg = x + (n * p->c_in + grp * cg) * hw_in;
        const float *dyg = dy + (n * p->c_out + grp * cog) * hw_out;
        const float *wg = w + grp * cog * k;
        if (is_pointwise (p))
          {
            /* dw_g (cog, cg) += dy_g (cog, hw) x_g^T; dx_g (cg, hw) += w_g^T dy_g */
            if (dw)
              msc_sgemm (FALSE, TRUE, cog, cg, hw_in, 1.0f, dyg, hw_out, xg, hw_in,
                         1.0f, dw + grp * cog * k, k);
            if (dx)
              msc_sgemm (TRUE, FALSE, cg, hw_in, cog, 1.0f, wg, k, dyg, hw_out,
                         1.0f, dx + (n * p->c_in + grp * cg) * hw_in, hw_in);
            continue;
          }
        for (g.oh0 = 0; g.oh0 < g.ho; g.oh0 += rows)
          {
            g.oh1 = MIN (g.oh0 + rows, g.ho);
            gint64 cols = (g.oh1 - g.oh0) * g.wo;
            const float *dyt = dyg + g.oh0 * g.wo;
            if (dw)
              {
                /* dw_g (cog, k) += dy_g[:, tile] (cog, cols) col^T (cols, k) */
                im2col (&g, xg, scratch, pool);
                msc_sgemm (FALSE, TRUE, cog, k, cols, 1.0f, dyt, hw_out, scratch, cols,
                           1.0f, dw + grp * cog * k, k);
              }
            if (dx && !flip)
              {
                /* dcol (k, cols) = w_g^T (k, cog) dy_g[:, tile], scattered into dx */
                msc_sgemm (TRUE, FALSE, k, cols, cog, 1.0f, wg, k, dyt, hw_out,
                           0.0f, scratch, cols);
                col2im (&g, scratch, dx + (n * p->c_in + grp * cg) * hw_in, pool);
              }
          }
        if (dx && flip)
          dx_flipped (p, &g, wg, dyg, dx + (n * p->c_in + grp * cg) * hw_in, scratch, pool);
      }
}

gboolean
msc_conv2d_fold_batchnorm (const MscConv2dParams *p, const float *w, const float *b,
                           const float *gamma, const float *beta, const float *mean,
                           const float *var, float eps, float *w_out, float *b_out,
                           GError **error)
{
  gint64 per_out = p->c_in / p->groups * p->kh * p->kw;

  for (gint64 co = 0; co < p->c_out; co++)
    if (!(var[co] + eps > 0.0f))
      {
        g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_NUMERIC,
                     "conv2d batch-norm folding: channel %" G_GINT64_FORMAT
                     " has variance %g + eps %g, not > 0", co, (double) var[co], (double) eps);
        return FALSE;
      }
  for (gint64 co = 0; co < p->c_out; co++)
    {
      /* In double so folding adds no more rounding than the conv itself. */
      double s = gamma[co] / sqrt ((double) var[co] + eps);
      double bias = b ? b[co] : 0.0;
      for (gint64 i = 0; i < per_out; i++)
        w_out[co * per_out + i] = (float) (w[co * per_out + i] * s);
      b_out[co] = (float) ((bias - mean[co]) * s + beta[co]);
    }
  return TRUE;
}

/* ---- transposed conv2d ------------------------------------------------------ */

static gint64
tconv_out (gint64 in, gint64 k, gint64 s, gint64 pad, gint64 out_pad, gint64 dil)
{
  return (in - 1) * s - 2 * pad + dil * (k - 1) + out_pad + 1;
}

void
msc_conv_transpose2d_output_hw (const MscConvTranspose2dParams *p, gint64 *h_out, gint64 *w_out)
{
  *h_out = tconv_out (p->h_in, p->kh, p->stride_h, p->pad_h, p->out_pad_h, p->dil_h);
  *w_out = tconv_out (p->w_in, p->kw, p->stride_w, p->pad_w, p->out_pad_w, p->dil_w);
}

gboolean
msc_conv_transpose2d_params_check (const MscConvTranspose2dParams *p, GError **error)
{
  const Field f[] = {
    { "n", p->n, 1 }, { "c_in", p->c_in, 1 }, { "h_in", p->h_in, 1 }, { "w_in", p->w_in, 1 },
    { "c_out", p->c_out, 1 }, { "kh", p->kh, 1 }, { "kw", p->kw, 1 },
    { "stride_h", p->stride_h, 1 }, { "stride_w", p->stride_w, 1 },
    { "pad_h", p->pad_h, 0 }, { "pad_w", p->pad_w, 0 },
    { "out_pad_h", p->out_pad_h, 0 }, { "out_pad_w", p->out_pad_w, 0 },
    { "dil_h", p->dil_h, 1 }, { "dil_w", p->dil_w, 1 }, { "groups", p->groups, 1 },
  };
  gint64 h_out, w_out;

  if (!check_fields ("conv_transpose2d", f, G_N_ELEMENTS (f), error))
    return FALSE;
  /* As in PyTorch: extra rows beyond the last stride step must be reachable. */
  if ((p->out_pad_h >= p->stride_h && p->out_pad_h >= p->dil_h)
      || (p->out_pad_w >= p->stride_w && p->out_pad_w >= p->dil_w))
    {
      g_set_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID,
                   "conv_transpose2d: output padding %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " must be smaller than the stride or the dilation",
                   p->out_pad_h, p->out_pad_w);
      return FALSE;
    }
  msc_conv_transpose2d_output_hw (p, &h_out, &w_out);
  return check_sizes ("conv_transpose2d", p->n, p->c_in, p->h_in, p->w_in, p->c_out,
                      h_out, w_out, p->kh, p->kw, p->groups, error);
}

static gboolean
tconv_is_pointwise (const MscConvTranspose2dParams *p)
{
  return p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1
         && p->pad_h == 0 && p->pad_w == 0 && p->out_pad_h == 0 && p->out_pad_w == 0;
}

/* Column tiles over input rows, as for conv2d: the whole image's columns
 * (16.8 MB for a 2x2 upsampling of 32 channels at 256x256) were written by
 * the GEMM and then scattered back by col2im from memory. */
static gint64
tconv_tile_rows (const MscConvTranspose2dParams *p)
{
  return tile_rows (p->c_out / p->groups * p->kh * p->kw, p->w_in, p->h_in);
}

gsize
msc_conv_transpose2d_scratch_floats (const MscConvTranspose2dParams *p)
{
  if (tconv_is_pointwise (p))
    return 0;
  return (gsize) (p->c_out / p->groups * p->kh * p->kw * tconv_tile_rows (p) * p->w_in);
}

/* The convolution whose input gradient this op is: it reads the (c_out/g,
 * h_out, w_out) side and produces the (h_in, w_in) positions. */
static Geom
tconv_geom (const MscConvTranspose2dParams *p)
{
  Geom g = {
    .c = p->c_out / p->groups, .ho = p->h_in, .wo = p->w_in,
    .kh = p->kh, .kw = p->kw, .sh = p->stride_h, .sw = p->stride_w,
    .ph = p->pad_h, .pw = p->pad_w, .dh = p->dil_h, .dw = p->dil_w,
  };
  msc_conv_transpose2d_output_hw (p, &g.h, &g.w);
  g.oh0 = 0;
  g.oh1 = g.ho;
  return g;
}

void
msc_conv_transpose2d_forward (const MscConvTranspose2dParams *p, const float *x, const float *w,
                              const float *b, float *y, float *scratch, MscThreadPool *pool)
{
  Geom g = tconv_geom (p);
  gint64 cig = p->c_in / p->groups, cog = p->c_out / p->groups;
  gint64 hw_in = p->h_in * p->w_in, hw_out = g.h * g.w, k = cog * p->kh * p->kw;
  gint64 rows = tconv_tile_rows (p);

  for (gint64 n = 0; n < p->n; n++)
    for (gint64 grp = 0; grp < p->groups; grp++)
      {
        const float *xg = x + (n * p->c_in + grp * cig) * hw_in;
        const float *wg = w + grp * cig * k;
        float *yg = y + (n * p->c_out + grp * cog) * hw_out;
        fill_bias (yg, b ? b + grp * cog : NULL, cog, hw_out);
        if (tconv_is_pointwise (p))
          {
            /* y_g (cog, hw) += w_g^T (cog, cig) x_g (cig, hw) */
            msc_sgemm (TRUE, FALSE, cog, hw_in, cig, 1.0f, wg, k, xg, hw_in, 1.0f, yg, hw_out);
            continue;
          }
        for (g.oh0 = 0; g.oh0 < g.ho; g.oh0 += rows)
          {
            g.oh1 = MIN (g.oh0 + rows, g.ho);
            gint64 cols = (g.oh1 - g.oh0) * g.wo;
            /* col (k, cols) = w_g^T (k, cig) x_g[:, tile] (cig, cols), scattered into y */
            msc_sgemm (TRUE, FALSE, k, cols, cig, 1.0f, wg, k, xg + g.oh0 * g.wo, hw_in,
                       0.0f, scratch, cols);
            col2im (&g, scratch, yg, pool);
          }
      }
}

void
msc_conv_transpose2d_backward (const MscConvTranspose2dParams *p, const float *x, const float *w,
                               const float *dy, float *dx, float *dw, float *db, float *scratch,
                               MscThreadPool *pool)
{
  Geom g = tconv_geom (p);
  gint64 cig = p->c_in / p->groups, cog = p->c_out / p->groups;
  gint64 hw_in = p->h_in * p->w_in, hw_out = g.h * g.w, k = cog * p->kh * p->kw;
  gint64 rows = tconv_tile_rows (p);

  if (db)
    bias_grad (db, dy, p->n, p->c_out, hw_out);
  if (!dx && !dw)
    return;
  for (gint64 n = 0; n < p->n; n++)
    for (gint64 grp = 0; grp < p->groups; grp++)
      {
        const float *xg = x + (n * p->c_in + grp * cig) * hw_in;
        const float *dyg = dy + (n * p->c_out + grp * cog) * hw_out;
        if (tconv_is_pointwise (p))
          {
            /* dy_g (cog, hw) is the column matrix */
            if (dx)
              msc_sgemm (FALSE, FALSE, cig, hw_in, k, 1.0f, w + grp * cig * k, k, dyg, hw_in,
                         1.0f, dx + (n * p->c_in + grp * cig) * hw_in, hw_in);
            if (dw)
              msc_sgemm (FALSE, TRUE, cig, k, hw_in, 1.0f, xg, hw_in, dyg, hw_in,
                         1.0f, dw + grp * cig * k, k);
            continue;
          }
        for (g.oh0 = 0; g.oh0 < g.ho; g.oh0 += rows)
          {
            g.oh1 = MIN (g.oh0 + rows, g.ho);
            gint64 cols = (g.oh1 - g.oh0) * g.wo, off = g.oh0 * g.wo;
            im2col (&g, dyg, scratch, pool);
            /* dx_g[:, tile] (cig, cols) += w_g (cig, k) col (k, cols) */
            if (dx)
              msc_sgemm (FALSE, FALSE, cig, cols, k, 1.0f, w + grp * cig * k, k, scratch, cols,
                         1.0f, dx + (n * p->c_in + grp * cig) * hw_in + off, hw_in);
            /* dw_g (cig, k) += x_g[:, tile] (cig, cols) col^T (cols, k) */
            if (dw)
              msc_sgemm (FALSE, TRUE, cig, k, cols, 1.0f, xg + off, hw_in, scratch, cols,
                         1.0f, dw + grp * cig * k, k);
          }
      }
}
