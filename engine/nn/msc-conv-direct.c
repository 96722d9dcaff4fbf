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

/* p rounded up to a 64-byte boundary (at most 15 floats on): a vector load
 * that straddles two cache lines costs two, and the wgrad loop is
 * load-bound enough for that to halve its speed. Every buffer given to it
 * has 16 floats of slack. */
static float *
align64 (float *p)
{
  return (float *) (((guintptr) p + 63) & ~(guintptr) 63);
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
  return (gsize) (nb * CB * c_in * 9 + nb * CB + N_SLOTS * (c_in * 3 * row_stride (w) + 16));
}

typedef struct {
  gint64 c_in, c_out, h, w, ws;
  const float *x;     /* (c_in, h, w) of the current image */
  const float *wk;    /* (blocks, 3, c_in, 3, CB): in the kernel's order */
  const float *bias;  /* (blocks * CB), zeros when there is no bias */
  float *y;           /* (c_out, h, w) of the current image */
  float *bufs;        /* N_SLOTS rings of rows (3, c_in, ws) */
  gboolean accumulate;
  guint n_tasks;
} Job;

/* One block: CB output channels (n_co of them real) x V vectors of pixels
 * starting at ow0 (n_px of them real), for one output row. rows: the
 * task's ring (3, c_in, ws), roff: the offsets of rows oh - 1 .. oh + 1
 * in it; y: (co0, oh, 0). Inlined with a constant V
 * so that every loop over c and v unrolls and acc lives in registers. */
static inline __attribute__ ((always_inline)) void
block (const Job *job, const float *rows, const gint64 *roff, const float *wk,
       const float *bias, float *y, gint64 ow0, gint64 n_px, gint64 n_co, const int V)
{
  V16 acc[CB][VMAX];
  gint64 hw = job->h * job->w;

#pragma GCC unroll 8
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 3
    for (int v = 0; v < V; v++)
      acc[c][v] = (V16) { 0 } + bias[c];
  /* r outside ci: the rows then are read in ascending order (rows of one
   * ring slot are adjacent), which the prefetchers follow; ci outside r
   * jumped between slots and cost 15% with 256 channels of 32 pixels. */
  for (int r = 0; r < 3; r++)
    for (gint64 ci = 0; ci < job->c_in; ci++)
      {
        const float *row = rows + roff[r] + ci * job->ws + ow0;
        const float *wr = wk + (r * job->c_in + ci) * 3 * CB;
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
  /* Unrolled over all CB (the test inside) so that acc stays in registers
   * rather than being stored to the stack to be indexed. */
#pragma GCC unroll 8
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 3
    for (int v = 0; v < V; v++)
      {
        if (c >= n_co)
          break;
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
row_blocks (const Job *job, const float *rows, const gint64 *roff, gint64 cb, gint64 oh)
{
  const float *wk = job->wk + cb * job->c_in * 9 * CB;
  const float *bias = job->bias + cb * CB;
  float *y = job->y + (cb * CB * job->h + oh) * job->w;
  gint64 n_co = MIN (CB, job->c_out - cb * CB), w = job->w, ow = 0;

  /* Blocks of 3 vectors, then at most one of 2 and one of 1; but where that
   * would leave 3 + 1 (48 + up to 16 pixels) it does 2 + 2 instead: a
   * one-vector block has only 8 accumulators, half its loads are
   * broadcasts, and it ran at about half speed (64-pixel rows: 7.9 ->
   * 7.3 ms at 128 channels). */
  gint64 full = w / (16 * VMAX), rest = w - full * 16 * VMAX;
  if (full > 0 && rest > 0 && rest <= 16)
    full--;
  for (gint64 i = 0; i < full; i++, ow += 16 * VMAX)
    block (job, rows, roff, wk, bias, y, ow, 16 * VMAX, n_co, VMAX);
  while (w - ow > 16)
    {
      block (job, rows, roff, wk, bias, y, ow, MIN (w - ow, 32), n_co, 2);
      ow += 32;
    }
  if (ow < w)
    block (job, rows, roff, wk, bias, y, ow, w - ow, n_co, 1);
}

/* Input row ih (-1 <= ih <= h) into its place in the task's ring of 3
 * slots of padded rows (slot, c_in, ws); outside the image it is zeros. The padding
 * columns are zeroed once per task and never written after. */
static inline __attribute__ ((always_inline)) void
load_row (const Job *job, float *rows, gint64 ih)
{
  gint64 slot = (ih + 3) % 3;
  for (gint64 ci = 0; ci < job->c_in; ci++)
    {
      float *dst = rows + (slot * job->c_in + ci) * job->ws + 1;
      if (ih >= 0 && ih < job->h)
        memcpy (dst, job->x + (ci * job->h + ih) * job->w, sizeof (float) * job->w);
      else
        memset (dst, 0, sizeof (float) * job->w);
    }
}

/* Output rows of one band: each adds one input row to the ring (the first
 * three), then runs every block. Copying 3 rows per output row instead,
 * with the padding rewritten each time, cost 3 ms of a 10 ms forward at
 * 16x512x512. The kernel's body is the same for every target; the target
 * attribute only lets GCC use AVX-512 registers and FMA for it. */
#define DEFINE_BAND(name, ...)                                                 \
  static __VA_ARGS__ void                                                      \
  name (const Job *job, guint task)                                            \
  {                                                                            \
    float *rows = align64 (job->bufs + task * (job->c_in * 3 * job->ws + 16)); \
    gint64 oh0 = job->h * task / job->n_tasks;                                 \
    gint64 oh1 = job->h * (task + 1) / job->n_tasks;                           \
    gint64 nb = n_blocks (job->c_out);                                         \
    memset (rows, 0, sizeof (float) * job->c_in * 3 * job->ws);                \
    for (gint64 oh = oh0; oh < oh1; oh++)                                      \
      {                                                                        \
        gint64 roff[3];                                                        \
        if (oh == oh0)                                                         \
          {                                                                    \
            load_row (job, rows, oh - 1);                                      \
            load_row (job, rows, oh);                                          \
          }                                                                    \
        load_row (job, rows, oh + 1);                                          \
        for (int r = 0; r < 3; r++)                                            \
          roff[r] = ((oh - 1 + r + 3) % 3) * job->c_in * job->ws;              \
        for (gint64 cb = 0; cb < nb; cb++)                                     \
          row_blocks (job, rows, roff, cb, oh);                                \
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

  /* wk[cb][r][ci][kj][c] = w[cb CB + c][ci][r][kj], zero for channels past c_out;
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
            wk[(((cb * 3 + t / 3) * c_in + ci) * 3 + t % 3) * CB + c] = v;
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

/* ---- weight gradient ------------------------------------------------------ */

/* dw[co][ci][r][kj] += sum over (oh, ow) of dy[co][oh][ow] xpad[ci][oh+r][ow+kj].
 *
 * As a GEMM this has K = the image size and M, N = c_out, 9 c_in, both
 * small; OpenBLAS does poorly with it for few channels. Here a block of CB
 * output channels x the 3 kj of one (ci, r) keeps 24 vector accumulators
 * (16 pixel lanes each) while a chunk of rows streams past: 8 dy loads and
 * 3 x loads per 24 FMAs, as in the forward kernel. The accumulators are
 * kept as vectors in memory between chunks (one load and store each per
 * chunk of about 1,000 pixels) and summed across lanes only once per task,
 * so the reduction costs little; each chunk's input rows are copied
 * (padded) once for all channel blocks.
 *
 * Tasks are WGRAD_BANDS row bands, each with its own partial dw; the
 * partials are added in task order afterwards, so the result does not
 * depend on the pool. */

/* Row bands (tasks) of the weight gradient. Each costs a memset and a lane
 * sum of c_out 9 c_in vector accumulators and its own partial dw, so fewer
 * than forward's: 4 rather than 16 took 16x512x512's dw from 12.8 to
 * 11.2 ms and 32x256x256's from 12.4 to 10.5 ms, and still leaves 2
 * threads two bands each. */
#define WGRAD_BANDS 4

/* Output rows per chunk: about this many pixels keeps the chunk's dy for
 * one channel block (CB x 1,024 floats, 32 KiB) in L1. */
#define CHUNK_PIXELS 1024

static gint64
chunk_rows (gint64 h, gint64 w)
{
  return CLAMP (CHUNK_PIXELS / w, 1, h);
}

/* Per task: vector accumulators (blocks, c_in, 3, CB, 3, 16), the chunk's
 * padded input rows (c_in, rows + 2, ws), the partial dw (c_out, c_in, 9),
 * and the chunk's dy for one channel block (CB, rows w). */
static gint64
vacc_floats (gint64 c_in, gint64 c_out)
{
  return n_blocks (c_out) * c_in * 3 * CB * 3 * 16;
}

static gint64
wgrad_slot_floats (gint64 c_in, gint64 c_out, gint64 h, gint64 w)
{
  gint64 rows = chunk_rows (h, w);
  gint64 f = 2 * c_out + vacc_floats (c_in, c_out) + c_in * (rows + 2) * row_stride (w)
             + c_out * c_in * 9 + CB * (rows * w + 16) + 3 * 16;
  return (f + 1) / 2 * 2;   /* even, so that every slot's doubles stay aligned */
}

/* Sum of n floats, one vector of 16 lanes, the lanes added in double at
 * the end; n is at most a chunk (about 1,000 values), so the precision is
 * that of msc-conv.c's bias_grad. */
static inline __attribute__ ((always_inline)) double
chunk_sum (const float *d, gint64 n)
{
  V16 acc = { 0 };
  float lane[16];
  double s = 0;
  gint64 k = 0;
  for (; k + 16 <= n; k += 16)
    acc += *(const V16u *) (d + k);
  memcpy (lane, &acc, sizeof lane);
  for (int l = 0; l < 16; l++)
    s += lane[l];
  for (; k < n; k++)
    s += d[k];
  return s;
}

gsize
msc_conv_direct3x3_wgrad_scratch_floats (gint64 c_in, gint64 c_out, gint64 h, gint64 w)
{
  return (gsize) (WGRAD_BANDS * wgrad_slot_floats (c_in, c_out, h, w) + 2 * c_out);
}

typedef struct {
  gint64 c_in, c_out, h, w, ws, rows;
  gint64 dys;          /* dy buffer's channel stride */
  const float *x, *dy;   /* one image */
  float *slots;
  gint64 slot_floats;
  guint n_tasks;
  float *db;             /* or NULL: only whether it is wanted */
} WJob;

/* One chunk [oh0, oh1), a block of CB output channels (n_co real), input
 * channel ci, kernel row r: vacc (CB, 3) vectors += dy x. xb: the chunk's
 * padded rows of channel ci, (rows + 2, ws); dyb: the chunk's dy for the
 * block, (CB, rows w), copied there because in dy itself the CB rows lie a
 * plane apart, at the same offset modulo 4 KiB, and evict each other from
 * L1 (that made this loop 2-3x slower). */
static inline __attribute__ ((always_inline)) void
wgrad_chunk (const WJob *job, const float *xb, const float *dyb, gint64 r, gint64 n_co,
             gint64 oh0, gint64 oh1, V16u *vacc, const gboolean in_register)
{
  V16 acc[CB][3];
  gint64 w = job->w;

#pragma GCC unroll 8
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 3
    for (int kj = 0; kj < 3; kj++)
      acc[c][kj] = vacc[c * 3 + kj];
  for (gint64 oh = oh0; oh < oh1; oh++)
    {
      const float *xr = xb + (oh - oh0 + r) * job->ws;
      const float *dyr[CB];
      /* Channels past c_out read channel 0 again; their sums are dropped. */
#pragma GCC unroll 8
      for (int c = 0; c < CB; c++)
        dyr[c] = dyb + (c < n_co ? c : 0) * job->dys + (oh - oh0) * w;
      gint64 ow = 0;
      for (; ow + 16 <= w; ow += 16)
        {
          V16 xv[3];
#pragma GCC unroll 3
          for (int kj = 0; kj < 3; kj++)
            xv[kj] = *(const V16u *) (xr + ow + kj);
#pragma GCC unroll 8
          for (int c = 0; c < CB; c++)
            {
              V16 d = *(const V16u *) (dyr[c] + ow);
              /* With 24 accumulators GCC folds this load into each of the
               * 3 FMAs: 27 loads per 24 FMAs, more than the load ports
               * sustain. An empty asm holding d in a register stops that
               * (only where d fits one: in_register is a constant, and
               * FALSE for the generic build). */
#if !defined(__clang__)   /* clang rejects the constraint in the generic copy */
              if (in_register)
                __asm__ ("" : "+v" (d));
#endif
#pragma GCC unroll 3
              for (int kj = 0; kj < 3; kj++)
                acc[c][kj] += d * xv[kj];
            }
        }
      if (ow < w)
        {
          /* Last partial vector: dy lanes past the row must be zero (the
           * padded x there is not). */
          V16 xv[3];
#pragma GCC unroll 3
          for (int kj = 0; kj < 3; kj++)
            xv[kj] = *(const V16u *) (xr + ow + kj);
#pragma GCC unroll 8
          for (int c = 0; c < CB; c++)
            {
              float t[16] = { 0 };
              V16 d;
              memcpy (t, dyr[c] + ow, sizeof (float) * (w - ow));
              memcpy (&d, t, sizeof d);
#pragma GCC unroll 3
              for (int kj = 0; kj < 3; kj++)
                acc[c][kj] += d * xv[kj];
            }
        }
    }
#pragma GCC unroll 8
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 3
    for (int kj = 0; kj < 3; kj++)
      vacc[c * 3 + kj] = acc[c][kj];
}

/* Sum of the 16 lanes as a tree of vector adds (a scalar loop over the
 * lanes of every accumulator cost more than the FMAs for small images). */
#if defined(__clang__)
#define SHUFFLE16(v, ...) __builtin_shufflevector ((v), (v), __VA_ARGS__)
#else
#define SHUFFLE16(v, ...) __builtin_shuffle ((v), (I16) { __VA_ARGS__ })
#endif

/* By pointer: a 64-byte vector argument would change the calling ABI
 * between the AVX-512 and generic copies (clang refuses that). */
static inline __attribute__ ((always_inline)) float
hsum (const V16 *p)
{
#if !defined(__clang__)
  typedef int I16 __attribute__ ((vector_size (64)));
#endif
  V16 v = *p;
  v += SHUFFLE16 (v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  v += SHUFFLE16 (v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v += SHUFFLE16 (v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  v += SHUFFLE16 (v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  return v[0];
}

#define DEFINE_WGRAD_BAND(name, PIN, ...)                                           \
  static __VA_ARGS__ void                                                      \
  name (const WJob *job, guint task)                                           \
  {                                                                            \
    float *slot = job->slots + task * job->slot_floats;                        \
    double *pdb = (double *) slot;                                             \
    float *part = slot + 2 * job->c_out;                                       \
    V16u *vacc = (V16u *) align64 (part + job->c_out * job->c_in * 9);         \
    float *xb = align64 ((float *) vacc + vacc_floats (job->c_in, job->c_out));\
    float *dyb = align64 (xb + job->c_in * (job->rows + 2) * job->ws);         \
    gint64 oh0 = job->h * task / job->n_tasks;                                 \
    gint64 oh1 = job->h * (task + 1) / job->n_tasks;                           \
    gint64 xs = (job->rows + 2) * job->ws, nb = n_blocks (job->c_out);         \
    memset (vacc, 0, sizeof (float) * vacc_floats (job->c_in, job->c_out));    \
    memset (pdb, 0, sizeof (double) * job->c_out);                             \
    /* Padding columns: zeroed once, never written after. */                  \
    memset (xb, 0, sizeof (float) * job->c_in * xs);                           \
    for (gint64 c0 = oh0; c0 < oh1; c0 += job->rows)                           \
      {                                                                        \
        gint64 c1 = MIN (c0 + job->rows, oh1);                                 \
        for (gint64 ci = 0; ci < job->c_in; ci++)                              \
          for (gint64 i = 0; i < c1 - c0 + 2; i++)                             \
            {                                                                  \
              float *dst = xb + ci * xs + i * job->ws + 1;                     \
              gint64 ih = c0 - 1 + i;                                          \
              if (ih >= 0 && ih < job->h)                                      \
                memcpy (dst, job->x + (ci * job->h + ih) * job->w,             \
                        sizeof (float) * job->w);                              \
              else                                                             \
                memset (dst, 0, sizeof (float) * job->w);                      \
            }                                                                  \
        for (gint64 cb = 0; cb < nb; cb++)                                     \
          {                                                                    \
            gint64 co0 = cb * CB, n_co = MIN (CB, job->c_out - co0);           \
            for (gint64 c = 0; c < n_co; c++)                                  \
              {                                                                \
                memcpy (dyb + c * job->dys,                                    \
                        job->dy + ((co0 + c) * job->h + c0) * job->w,          \
                        sizeof (float) * (c1 - c0) * job->w);                  \
                /* db from the copy, while it is in L1: no pass of its own */ \
                if (job->db)                                                   \
                  pdb[co0 + c] += chunk_sum (dyb + c * job->dys,               \
                                             (c1 - c0) * job->w);              \
              }                                                                \
            for (gint64 ci = 0; ci < job->c_in; ci++)                          \
              for (gint64 r = 0; r < 3; r++)                                   \
                wgrad_chunk (job, xb + ci * xs, dyb, r, n_co, c0, c1,          \
                             vacc + ((cb * job->c_in + ci) * 3 + r) * CB * 3,  \
                             PIN);                                             \
          }                                                                    \
      }                                                                        \
    for (gint64 co = 0; co < job->c_out; co++)                                 \
      for (gint64 ci = 0; ci < job->c_in; ci++)                                \
        for (gint64 t = 0; t < 9; t++)                                         \
          {                                                                    \
            gint64 cb = co / CB, c = co % CB;                                  \
            V16 l = vacc[(((cb * job->c_in + ci) * 3 + t / 3) * CB + c) * 3   \
                         + t % 3];                                             \
            part[(co * job->c_in + ci) * 9 + t] = hsum (&l);                    \
          }                                                                    \
  }

#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_WGRAD_BAND (wgrad_avx512, TRUE, __attribute__ ((target ("avx512f,fma"))))
#endif
DEFINE_WGRAD_BAND (wgrad_generic, FALSE, )

static void
wgrad_task (guint task, gpointer data)
{
  const WJob *job = data;
#if defined(__x86_64__) && defined(__GNUC__)
  if (have_avx512 ())
    {
      wgrad_avx512 (job, task);
      return;
    }
#endif
  wgrad_generic (job, task);
}

void
msc_conv_direct3x3_wgrad (gint64 n, gint64 c_in, gint64 c_out, gint64 h, gint64 w,
                          const float *x, const float *dy, float *dw, float *db,
                          float *scratch, MscThreadPool *pool)
{
  WJob job = {
    .c_in = c_in, .c_out = c_out, .h = h, .w = w, .ws = row_stride (w),
    .rows = chunk_rows (h, w), .slots = scratch,
    /* 16 floats more than a chunk, so that the CB channels' rows do not all
     * fall in the same L1 sets (chunks are often a multiple of 4 KiB). */
    .dys = chunk_rows (h, w) * w + 16,
    .slot_floats = wgrad_slot_floats (c_in, c_out, h, w),
    .n_tasks = (guint) MIN (h, WGRAD_BANDS),
    .db = db,
  };
  gint64 n_w = c_out * c_in * 9;
  /* db's partials are summed over tasks and images in double, then added
   * once (as bias_grad does); after the slots, 8-byte aligned as they are. */
  double *sdb = (double *) (scratch + WGRAD_BANDS * job.slot_floats);

  if (db)
    memset (sdb, 0, sizeof (double) * c_out);

  for (gint64 i = 0; i < n; i++)
    {
      job.x = x + i * c_in * h * w;
      job.dy = dy + i * c_out * h * w;
      msc_thread_pool_run (pool, job.n_tasks, wgrad_task, &job);
      /* In task order, whichever thread ran which task. */
      for (guint t = 0; t < job.n_tasks; t++)
        {
          const float *slot = scratch + t * job.slot_floats;
          const float *part = slot + 2 * c_out;
          for (gint64 k = 0; k < n_w; k++)
            dw[k] += part[k];
          for (gint64 co = 0; db && co < c_out; co++)
            sdb[co] += ((const double *) slot)[co];
        }
    }
  for (gint64 co = 0; db && co < c_out; co++)
    db[co] += (float) sdb[co];
}
