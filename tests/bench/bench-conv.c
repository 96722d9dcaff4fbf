/* tests/bench/bench-conv.c — conv2d throughput against the sgemm roofline
 * and against PyTorch, measured in the same run on the same machine.
 *
 * Usage: bench-conv [--threads N] [--reps R] [--no-torch] [--path auto|gemm|direct]
 * (without --threads it runs with 1 and then 2 threads; --path forces one
 * of the conv paths where it applies, to compare them).
 */
#include <glib.h>
#include <stdio.h>
#include <sys/wait.h>

#include "msc-blas.h"
#include "msc-conv.h"
#include "msc-conv-private.h"

/* Small U-Net levels: spatial halves while channels double, so every shape
 * costs the same 1.2 GFLOP per forward. */
static const gint64 shapes[][3] = {  /* channels, height, width */
  { 16, 512, 512 }, { 32, 256, 256 }, { 64, 128, 128 }, { 128, 64, 64 }, { 256, 32, 32 },
};

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static void
fill (float *x, gsize n, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (r, -1, 1);
  g_rand_free (r);
}

/* Best-of-reps sgemm GFLOP/s at size n x n x n. */
static double
bench_sgemm (gint64 n, int reps)
{
  gsize sz = (gsize) (n * n);
  g_autofree float *a = g_new (float, sz);
  g_autofree float *b = g_new (float, sz);
  g_autofree float *c = g_new (float, sz);
  double best = G_MAXDOUBLE;

  fill (a, sz, 1);
  fill (b, sz, 2);
  msc_sgemm (FALSE, FALSE, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);   /* warm-up */
  for (int r = 0; r < reps; r++)
    {
      double t0 = now ();
      msc_sgemm (FALSE, FALSE, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
      best = MIN (best, now () - t0);
    }
  return 2.0 * n * n * n / best / 1e9;
}

typedef struct {
  double fwd_s, bwd_s;
} Times;

static Times
bench_conv (const MscConv2dParams *p, MscThreadPool *pool, int reps)
{
  gint64 ho, wo;
  msc_conv2d_output_hw (p, &ho, &wo);
  gsize n_x = p->n * p->c_in * p->h_in * p->w_in, n_y = p->n * p->c_out * ho * wo;
  gsize n_w = p->c_out * (p->c_in / p->groups) * p->kh * p->kw;
  g_autofree float *x = g_new (float, n_x), *dx = g_new0 (float, n_x);
  g_autofree float *y = g_new (float, n_y), *dy = g_new (float, n_y);
  g_autofree float *w = g_new (float, n_w), *dw = g_new0 (float, n_w);
  g_autofree float *b = g_new (float, p->c_out), *db = g_new0 (float, p->c_out);
  g_autofree float *scratch = g_new (float, msc_conv2d_scratch_floats (p) + 1);
  Times t = { G_MAXDOUBLE, G_MAXDOUBLE };

  fill (x, n_x, 1), fill (w, n_w, 2), fill (b, p->c_out, 3), fill (dy, n_y, 4);
  msc_conv2d_forward (p, x, w, b, y, scratch, pool);                     /* warm-up */
  msc_conv2d_backward (p, x, w, dy, dx, dw, db, scratch, pool);
  for (int r = 0; r < reps; r++)
    {
      double t0 = now ();
      msc_conv2d_forward (p, x, w, b, y, scratch, pool);
      double t1 = now ();
      msc_conv2d_backward (p, x, w, dy, dx, dw, db, scratch, pool);
      double t2 = now ();
      t.fwd_s = MIN (t.fwd_s, t1 - t0);
      t.bwd_s = MIN (t.bwd_s, t2 - t1);
    }
  return t;
}

static char *
params_json (const MscConv2dParams *p)
{
  return g_strdup_printf ("{\"op\": \"conv2d\", \"params\": {\"n\": %" G_GINT64_FORMAT
                          ", \"c_in\": %" G_GINT64_FORMAT ", \"h_in\": %" G_GINT64_FORMAT
                          ", \"w_in\": %" G_GINT64_FORMAT ", \"c_out\": %" G_GINT64_FORMAT
                          ", \"kh\": 3, \"kw\": 3, \"stride_h\": 1, \"stride_w\": 1, \"pad_h\": 1,"
                          " \"pad_w\": 1, \"dil_h\": 1, \"dil_w\": 1, \"groups\": 1}}",
                          p->n, p->c_in, p->h_in, p->w_in, p->c_out);
}

/* PyTorch's best-of-reps times for every shape, or FALSE when unavailable. */
static gboolean
bench_torch (const MscConv2dParams *ps, guint n, int threads, int reps, Times *out)
{
  g_autoptr (GString) spec = g_string_new ("{\"bench\": [");
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_text = NULL, *stderr_text = NULL;
  int status = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *c = params_json (&ps[i]);
      g_string_append_printf (spec, "%s%s", i ? ", " : "", c);
    }
  g_string_append_printf (spec, "], \"threads\": %d, \"reps\": %d}", threads, reps);
  const char *argv[] = { "/usr/bin/python3", TORCH_REFERENCE, spec->str, NULL };
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &stdout_text, &stderr_text, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "PyTorch reference unavailable: %s %s\n",
               error ? error->message : "", stderr_text ? stderr_text : "");
      return FALSE;
    }
  g_auto (GStrv) lines = g_strsplit (stdout_text, "\n", -1);
  for (guint i = 0; i < n; i++)
    if (lines[i] == NULL
        || sscanf (lines[i], "{\"forward_s\": %lf, \"backward_s\": %lf}",
                   &out[i].fwd_s, &out[i].bwd_s) != 2)
      return FALSE;
  return TRUE;
}

static void
run (int threads, int reps, gboolean torch)
{
  MscConv2dParams ps[G_N_ELEMENTS (shapes)];
  Times ours[G_N_ELEMENTS (shapes)], theirs[G_N_ELEMENTS (shapes)];
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (threads);

  msc_blas_set_threads (threads);
  double roof = bench_sgemm (2048, reps);
  printf ("\n## %d thread%s (OpenBLAS threads %d, engine pool %d)\n\n", threads,
          threads > 1 ? "s" : "", msc_blas_get_threads (), threads);
  printf ("sgemm 2048x2048x2048: %.1f GFLOP/s (roofline)\n\n", roof);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      ps[i] = (MscConv2dParams) { 1, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][0],
                                  3, 3, 1, 1, 1, 1, 1, 1, 1 };
      g_assert (msc_conv2d_params_check (&ps[i], NULL));
      ours[i] = bench_conv (&ps[i], pool, reps);
    }
  torch = torch && bench_torch (ps, G_N_ELEMENTS (shapes), threads, reps, theirs);
  printf ("| shape (3x3, C->C) | fwd ms | fwd GFLOP/s | fwd / sgemm | bwd ms | bwd GFLOP/s |"
          " bwd / sgemm | torch fwd ms | torch bwd ms | fwd engine/torch | bwd engine/torch |\n");
  printf ("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      const MscConv2dParams *p = &ps[i];
      /* 2 flops per multiply-add; backward is dx and dw, twice forward. */
      double flops = 2.0 * p->c_out * p->c_in * 9 * p->h_in * p->w_in * p->n;
      double fg = flops / ours[i].fwd_s / 1e9, bg = 2 * flops / ours[i].bwd_s / 1e9;
      printf ("| 1x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
              " | %.1f | %.1f | %.0f%% | %.1f | %.1f | %.0f%% |",
              p->c_in, p->h_in, p->w_in, ours[i].fwd_s * 1e3, fg, 100 * fg / roof,
              ours[i].bwd_s * 1e3, bg, 100 * bg / roof);
      if (torch)
        printf (" %.1f | %.1f | %.2f | %.2f |\n", theirs[i].fwd_s * 1e3, theirs[i].bwd_s * 1e3,
                ours[i].fwd_s / theirs[i].fwd_s, ours[i].bwd_s / theirs[i].bwd_s);
      else
        printf (" - | - | - | - |\n");
    }
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  int threads = 0, reps = 5;
  gboolean no_torch = FALSE;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Thread count (default: 1, then 2)", "N" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions, best taken (default 5)", "R" },
    { "no-torch", 0, 0, G_OPTION_ARG_NONE, &no_torch, "Skip the PyTorch comparison", NULL },
    { "path", 0, 0, G_OPTION_ARG_STRING, &path, "Conv path: auto (default), gemm, direct",
      "P" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- conv2d benchmark");

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  if (g_strcmp0 (path, "gemm") == 0)
    msc_conv_set_path (MSC_CONV_PATH_GEMM);
  else if (g_strcmp0 (path, "direct") == 0)
    msc_conv_set_path (MSC_CONV_PATH_DIRECT);
  else if (path && g_strcmp0 (path, "auto") != 0)
    {
      fprintf (stderr, "--path: expected auto, gemm or direct, not %s\n", path);
      return 2;
    }
  printf ("# bench-conv: conv2d forward/backward (best of %d, path %s), times in ms\n", reps,
          path ? path : "auto");
  if (threads > 0)
    run (threads, reps, !no_torch);
  else
    for (int t = 1; t <= 2; t++)
      run (t, reps, !no_torch);
  return 0;
}
