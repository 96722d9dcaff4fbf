/* tests/bench/bench-unet.c — whole-model speed: the small U-Net preset's
 * eval forward at 1x1x512x512 and one training step (forward, backward,
 * Adam) at 4x1x256x256, against PyTorch with the same threads in the same
 * run, plus the arena and peak RSS of the inference.
 *
 * Usage: bench-unet [--threads N] [--reps R] [--no-torch]
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "msc-blas.h"
#include "msc-model.h"
#include "msc-rng.h"

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static MscTensor *
input (gint64 n, gint64 hw)
{
  gint64 shape[4] = { n, 1, hw, hw };
  MscTensor *t = msc_tensor_new (shape, 4, NULL);
  MscRng rng;
  msc_rng_init (&rng, 1);
  for (gint64 i = 0; i < msc_tensor_numel (t); i++)
    msc_tensor_data (t)[i] = msc_rng_normal (&rng, 0.0f, 1.0f);
  return t;
}

/* L = 0.01 sum of every output, the loss the PyTorch side uses. */
static double
sum_loss (MscModel *m, gpointer user_data, GError **error)
{
  const MscGraph *g = msc_model_get_graph (m);
  double l = 0;
  for (guint i = 0; i < msc_graph_get_n_outputs (g); i++)
    {
      const MscTensor *y = msc_model_get_output (m, msc_graph_get_output (g, i));
      MscTensor *dy = msc_model_get_output_grad (m, msc_graph_get_output (g, i));
      for (gint64 k = 0; k < msc_tensor_numel (y); k++)
        {
          l += 0.01 * msc_tensor_data_const (y)[k];
          msc_tensor_data (dy)[k] = 0.01f;
        }
    }
  return l;
}

static gboolean
torch_times (const char *graph, const char *weights, int threads, int reps, double *infer, double *train)
{
  g_autofree char *t = g_strdup_printf ("%d", threads), *r = g_strdup_printf ("%d", reps);
  const char *python = g_getenv ("MSC_PYTHON") ? g_getenv ("MSC_PYTHON") : "/usr/bin/python3";
  const char *argv[] = { python, BENCH_UNET_PY, TORCH_GRAPH_PY, graph, weights, t, r, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      fprintf (stderr, "PyTorch side unavailable: %s\n", err ? err : "");
      return FALSE;
    }
  return sscanf (out, "infer_s %lf train_s %lf", infer, train) == 2;
}

int
main (int argc, char **argv)
{
  int threads = 2, reps = 3;
  gboolean no_torch = FALSE;
  GOptionEntry entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "threads (engine pool, OpenBLAS, torch)", "N" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "repetitions (best is kept)", "R" },
    { "no-torch", 0, 0, G_OPTION_ARG_NONE, &no_torch, "skip PyTorch", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    g_error ("%s", error->message);
  msc_blas_set_threads (threads);
  const char *graph = PRESETS_DIR "/unet-small.json";
  g_autoptr (MscModel) m = msc_model_load (graph, NULL, &error);
  if (!m)
    g_error ("%s", error->message);
  msc_model_set_threads (m, (guint) threads);
  g_autofree char *dir = g_dir_make_tmp ("bench-unet-XXXXXX", NULL);
  g_autofree char *weights = g_build_filename (dir, "w.safetensors", NULL);
  if (!msc_model_save (m, weights, &error))
    g_error ("%s", error->message);
  guint64 flops = 0;
  msc_model_count_flops (m, 512, 512, &flops, NULL);

  g_autoptr (MscTensor) x = input (1, 512);
  double infer = G_MAXDOUBLE, train = G_MAXDOUBLE;
  for (int r = 0; r <= reps; r++)   /* r == 0 warms up and plans */
    {
      double t0 = now ();
      if (!msc_model_forward (m, x, &error))
        g_error ("%s", error->message);
      if (r > 0)
        infer = MIN (infer, now () - t0);
    }
  gsize arena = msc_model_get_arena_bytes (m);
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  long rss_kib = ru.ru_maxrss;

  g_autoptr (MscTensor) xt = input (4, 256);
  msc_model_set_training (m, TRUE);
  MscOptimConfig adam = { .kind = MSC_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  msc_model_set_optimizer (m, &adam, NULL);
  for (int r = 0; r <= reps; r++)
    {
      double t0 = now ();
      if (!msc_model_train_step (m, xt, sum_loss, NULL, 1e-3f, NULL, &error))
        g_error ("%s", error->message);
      if (r > 0)
        train = MIN (train, now () - t0);
    }
  gsize train_arena = msc_model_get_arena_bytes (m);

  printf ("unet-small, %d thread(s), best of %d\n", threads, reps);
  printf ("inference 1x1x512x512: %.1f ms (%.2f GFLOP, %.1f GFLOP/s), arena %.1f MiB, peak RSS %.1f MiB\n",
          infer * 1e3, flops / 1e9, flops / infer / 1e9, arena / 1048576.0, rss_kib / 1024.0);
  printf ("train step 4x1x256x256: %.1f ms, arena %.1f MiB\n", train * 1e3, train_arena / 1048576.0);
  double t_infer, t_train;
  if (!no_torch && torch_times (graph, weights, threads, reps, &t_infer, &t_train))
    printf ("torch: inference %.1f ms, train step %.1f ms; engine/torch: inference %.2f, train step %.2f\n",
            t_infer * 1e3, t_train * 1e3, infer / t_infer, train / t_train);
  g_unlink (weights);
  g_rmdir (dir);
  return 0;
}
