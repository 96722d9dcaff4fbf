/* engine/nn/msc-conv-direct.c — direct 3x3 stride-1 convolution.
 *
 * For few channels, im2col + GEMM is a poor fit: forward with 16 output
 * channels is a GEMM with 16 rows, far below what OpenBLAS's kernels need
 * to reach their peak, and im2col moves 9 times the input through memory.
 * This kernel instead keeps a block of output pixels x output channels in
 * registers and streams the input rows past it:
 *
 *   y[co][oh][ow .. ow+16V) += w[co][ci][r][kj] * xpad[ci][oh+r][ow+kj ..]
 *
 * Vectors run along a row (contiguous in NCHW, so every load is a plain
 * unaligned load of 16 floats); weights are repacked so that the CB values
 * for one (ci, r, kj) are adjacent and each is one broadcast.
 *
 * Rows are copied, with a zero on each side, into a small per-task buffer
 * so that the kernel needs no border cases; the copy is 3 c_in rows per
 * output row against 9 c_out multiply-adds per input value, a few percent
 * at most.
 */
#include "msc-conv-private.h"

#include <string.h>

/* One AVX-512 register of floats. GCC's vector extension lowers it to
 * narrower registers where the target has none, so the same source is
 * correct (if slower) everywhere; on x86-64 an AVX-512 clone is chosen at
 * run time (see below). */
typedef float V16 __attribute__ ((vector_size (64)));
/* The same for loads and stores at any float address. */
typedef float V16u __attribute__ ((vector_size (64), aligned (4), may_alias));

/* Output channels per block. 8 broadcasts and V row loads feed 8 V
 * multiply-adds: with V = 3 that is 24 accumulators (of 32 vector
 * registers) and 11 loads per 24 FMAs, within what two load ports sustain
 * while both FMA ports stay busy. */
#define CB 8
/* Widest pixel block, in vectors of 16. */
#define VMAX 3
/* Row bands run as separate pool tasks, each with its own row buffer; a
 * fixed count keeps the scratch size independent of the pool's size while
 * leaving enough tasks for 2-8 threads to balance on a noisy machine. */
#define N_SLOTS 16

/* Floats per padded row: a zero before the row, then the row, then zeros
 * far enough for the last (partial) block's loads: up to 16 VMAX - 1
 * lanes past a multiple of 16, plus the kernel's 2 extra columns. */
static gint64
row_stride (gint64 w)
{
  return (w + 15) / 16 * 16 + 16 * VMAX + 16;
}

static gint64
n_blocks (gint64 c_out)
{
  return (c_out + CB - 1) / CB;
}

gsize
msc_conv_direct3x3_scratch_floats (gint64 c_in, gint64 c_out, gint64 w)
{
  gint64 nb = n_blocks (c_out);
  return (gsize) (nb * CB * c_in * 9 + nb * CB + N_SLOTS * c_in * 3 * row_stride (w));
}

typedef struct {
  gint64 c_in, c_out, h, w, ws;
  const float *x;     /* (c_in, h, w) of the current image */
  const float *wk;    /* (blocks, c_in, 9, CB) */
  const float *bias;  /* (blocks * CB), zeros when there is no bias */
  float *y;           /* (c_out, h, w) of the current image */
  float *bufs;        /* N_SLOTS row buffers (c_in, 3, ws) */
  gboolean accumulate;
  guint n_tasks;
} Job;

/* One block: CB output channels (n_co of them real) x V vectors of pixels
 * starting at ow0 (n_px of them real), for one output row. rows: the
 * task's (c_in, 3, ws) buffer; y: (co0, oh, 0). Inlined with a constant V
 * so that every loop over c and v unrolls and acc lives in registers. */
static inline __attribute__ ((always_inline)) void
block (const Job *job, const float *rows, const float *wk, const float *bias,
       float *y, gint64 ow0, gint64 n_px, gint64 n_co, const int V)
{
  V16 acc[CB][VMAX];
  gint64 hw = job->h * job->w;

#pragma GCC unroll 8
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 3
    for (int v = 0; v < V; v++)
      acc[c][v] = (V16) { 0 } + bias[c];
  for (gint64 ci = 0; ci < job->c_in; ci++)
    for (int r = 0; r < 3; r++)
      {
        const float *row = rows + (ci * 3 + r) * job->ws + ow0;
        const float *wr = wk + (ci * 9 + r * 3) * CB;
#pragma GCC unroll 3
        for (int kj = 0; kj < 3; kj++)
          {
            V16 xv[VMAX];
#pragma GCC unroll 3
            for (int v = 0; v < V; v++)
              xv[v] = *(const V16u *) (row + kj + 16 * v);
#pragma GCC unroll 8
            for (int c = 0; c < CB; c++)
#pragma GCC unroll 3
              for (int v = 0; v < V; v++)
                acc[c][v] += wr[kj * CB + c] * xv[v];
          }
      }
  for (gint64 c = 0; c < n_co; c++)
    for (int v = 0; v < V; v++)
      {
        float *yv = y + c * hw + ow0 + 16 * v;
        gint64 lanes = MIN (n_px - 16 * v, 16);
        if (lanes == 16)
          {
            if (job->accumulate)
              *(V16u *) yv += acc[c][v];
            else
              *(V16u *) yv = acc[c][v];
          }
        else if (lanes > 0)
          {
            float t[16];
            memcpy (t, &acc[c][v], sizeof t);
            for (gint64 i = 0; i < lanes; i++)
              yv[i] = job->accumulate ? yv[i] + t[i] : t[i];
          }
      }
}

/* Every pixel block of one output row for output-channel block cb. */
static inline __attribute__ ((always_inline)) void
row_blocks (const Job *job, const float *rows, gint64 cb, gint64 oh)
{
  const float *wk = job->wk + cb * job->c_in * 9 * CB;
  const float *bias = job->bias + cb * CB;
  float *y = job->y + (cb * CB * job->h + oh) * job->w;
  gint64 n_co = MIN (CB, job->c_out - cb * CB), w = job->w, ow = 0;

  for (; ow + 16 * VMAX <= w; ow += 16 * VMAX)
    block (job, rows, wk, bias, y, ow, 16 * VMAX, n_co, VMAX);
  if (w - ow > 16)
    {
      block (job, rows, wk, bias, y, ow, w - ow, n_co, 2);
      ow += 32;
    }
  if (ow < w)
    block (job, rows, wk, bias, y, ow, w - ow, n_co, 1);
}

/* Output rows of one band: copy the 3 input rows each needs, padded, then
 * run every block. The kernel's body is the same for every target; the
 * target attribute only lets GCC use AVX-512 registers and FMA for it. */
#define DEFINE_BAND(name, ...)                                                 \
  static __VA_ARGS__ void                                                      \
  name (const Job *job, guint task)                                            \
  {                                                                            \
    float *rows = job->bufs + task * job->c_in * 3 * job->ws;                  \
    gint64 oh0 = job->h * task / job->n_tasks;                                 \
    gint64 oh1 = job->h * (task + 1) / job->n_tasks;                           \
    gint64 nb = n_blocks (job->c_out);                                         \
    for (gint64 oh = oh0; oh < oh1; oh++)                                      \
      {                                                                        \
        for (gint64 ci = 0; ci < job->c_in; ci++)                              \
          for (gint64 r = 0; r < 3; r++)                                       \
            {                                                                  \
              float *dst = rows + (ci * 3 + r) * job->ws;                      \
              gint64 ih = oh - 1 + r;                                          \
              memset (dst, 0, sizeof (float) * job->ws);                       \
              if (ih >= 0 && ih < job->h)                                      \
                memcpy (dst + 1, job->x + (ci * job->h + ih) * job->w,         \
                        sizeof (float) * job->w);                              \
            }                                                                  \
        for (gint64 cb = 0; cb < nb; cb++)                                     \
          row_blocks (job, rows, cb, oh);                                      \
      }                                                                        \
  }

#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_BAND (band_avx512, __attribute__ ((target ("avx512f,fma"))))
#endif
DEFINE_BAND (band_generic, )

static gboolean
have_avx512 (void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  static int cached = -1;
  if (cached < 0)
    {
      __builtin_cpu_init ();
      cached = __builtin_cpu_supports ("avx512f") ? 1 : 0;
    }
  return cached == 1;
#else
  return FALSE;
#endif
}

static void
band_task (guint task, gpointer data)
{
  const Job *job = data;
#if defined(__x86_64__) && defined(__GNUC__)
  if (have_avx512 ())
    {
      band_avx512 (job, task);
      return;
    }
#endif
  band_generic (job, task);
}

void
msc_conv_direct3x3 (gint64 n, gint64 c_in, gint64 c_out, gint64 h, gint64 w,
                    const float *x, const float *wt, gboolean flip, const float *b,
                    gboolean accumulate, float *y, float *scratch, MscThreadPool *pool)
{
  gint64 nb = n_blocks (c_out);
  float *wk = scratch, *bias = wk + nb * CB * c_in * 9;
  Job job = {
    .c_in = c_in, .c_out = c_out, .h = h, .w = w, .ws = row_stride (w),
    .wk = wk, .bias = bias, .bufs = bias + nb * CB, .accumulate = accumulate,
    .n_tasks = (guint) MIN (h, N_SLOTS),
  };

  /* wk[cb][ci][t][c] = w[cb CB + c][ci][t], zero for channels past c_out;
   * flipped: w[ci][cb CB + c][8 - t]. */
  for (gint64 cb = 0; cb < nb; cb++)
    for (gint64 ci = 0; ci < c_in; ci++)
      for (gint64 t = 0; t < 9; t++)
        for (gint64 c = 0; c < CB; c++)
          {
            gint64 co = cb * CB + c;
            float v = 0.0f;
            if (co < c_out)
              v = flip ? wt[(ci * c_out + co) * 9 + 8 - t] : wt[(co * c_in + ci) * 9 + t];
            wk[((cb * c_in + ci) * 9 + t) * CB + c] = v;
          }
  for (gint64 co = 0; co < nb * CB; co++)
    bias[co] = b && co < c_out ? b[co] : 0.0f;
  for (gint64 i = 0; i < n; i++)
    {
      job.x = x + i * c_in * h * w;
      job.y = y + i * c_out * h * w;
      msc_thread_pool_run (pool, job.n_tasks, band_task, &job);
    }
}
