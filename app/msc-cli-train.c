/* app/msc-cli-train.c — `mammoscope-cli train --config FILE [--resume]`:
 * a JSON configuration into an MscTrainer run (or an MscMpl run when
 * semi.kind is "mpl"), progress on stderr, Ctrl-C
 * cancelling through the GCancellable (the last periodic checkpoint stays;
 * --resume continues from it bit for bit).
 */
#include "msc-cli.h"
#include "msc-model-bundle.h"
#include "msc-mpl.h"
#include "msc-train-config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>

/* Where graph presets are looked up: MSC_PRESETS_DIR, else the source
 * tree's data/models/presets (the CLI runs from the build tree for now). */
static const char *
presets_dir (void)
{
  const char *env = g_getenv ("MSC_PRESETS_DIR");
  return env && env[0] ? env : MSC_SOURCE_PRESETS_DIR;
}

typedef struct {
  MscTrainer *trainer;
  MscMpl *mpl;              /* instead of trainer for a semi-supervised run */
  GCancellable *cancellable;
  GMainLoop *loop;
  guint max_steps;          /* stop (as if cancelled) after this step; 0 = off */
  guint every;              /* print every N steps */
  guint total;
  guint first_step;         /* step count when this run started (after a resume) */
  gint64 started_us;
  gboolean ok;
  GError *error;
} TrainRun;

static gboolean
on_progress (guint step, double loss, double lr, double val_metric, gpointer user_data)
{
  TrainRun *run = user_data;
  if (run->first_step == G_MAXUINT)
    {
      run->first_step = step - 1;
      run->started_us = g_get_monotonic_time ();
    }
  if (step % run->every == 0 || step == run->total || !isnan (val_metric))
    {
      double spent_s = (double) (g_get_monotonic_time () - run->started_us) / 1e6;
      guint done = step - run->first_step;
      double eta_s = done > 0 ? spent_s / done * (run->total - step) : 0;
      g_autofree char *val = isnan (val_metric) ? g_strdup ("")
                                                : g_strdup_printf (_("  val %.4f"), val_metric);
      MscMplStats st = { NAN, NAN, NAN, NAN };
      if (run->mpl)
        msc_mpl_get_stats (run->mpl, &st);
      g_autofree char *h = isnan (st.h) ? g_strdup ("") : g_strdup_printf (_("  h %.3g"), st.h);
      g_printerr (_("step %u/%u  loss %.5f  lr %.3g%s%s  ETA %.0f s\n"), step, run->total, loss,
                  lr, h, val, eta_s);
    }
  return run->max_steps == 0 || step < run->max_steps;
}

static void
train_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  TrainRun *run = task_data;
  run->ok = run->mpl ? msc_mpl_run (run->mpl, on_progress, run, cancellable, &run->error)
                     : msc_trainer_run (run->trainer, on_progress, run, cancellable, &run->error);
  g_task_return_boolean (task, TRUE);
}

static void
train_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TrainRun *run = user_data;
  g_main_loop_quit (run->loop);
}

static gboolean
on_sigint (gpointer user_data)
{
  TrainRun *run = user_data;
  g_printerr ("%s\n", _("interrupted: stopping before the next step"));
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_CONTINUE;
}

/* Runs the trainer on a thread while the main loop turns SIGINT into a
 * cancellation (a signal handler itself may not touch GLib objects). */
static gboolean
run_trainer (TrainRun *run, GError **error)
{
  run->cancellable = g_cancellable_new ();
  run->loop = g_main_loop_new (NULL, FALSE);
  run->first_step = G_MAXUINT;
  guint sig = g_unix_signal_add (SIGINT, on_sigint, run);
  GTask *task = g_task_new (NULL, run->cancellable, train_done, run);
  g_task_set_task_data (task, run, NULL);
  g_task_run_in_thread (task, train_thread);
  g_object_unref (task);
  g_main_loop_run (run->loop);
  g_source_remove (sig);
  g_clear_object (&run->cancellable);
  g_clear_pointer (&run->loop, g_main_loop_unref);
  if (!run->ok)
    g_propagate_error (error, g_steal_pointer (&run->error));
  return run->ok;
}

/* The output folder gets the resolved configuration and a copy of the
 * graph, so `evaluate --model DIR` needs nothing else. */
static gboolean
write_run_files (const MscTrainConfig *tc, GError **error)
{
  if (g_mkdir_with_parents (tc->output_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s",
                   tc->output_dir, g_strerror (saved));
      return FALSE;
    }
  g_autofree char *json = msc_train_config_to_json (tc);
  g_autofree char *cfg_path = g_build_filename (tc->output_dir, "config.json", NULL);
  g_autofree char *graph = NULL;
  gsize n = 0;
  g_autofree char *graph_path = g_build_filename (tc->output_dir, "graph.json", NULL);
  return g_file_set_contents (cfg_path, json, -1, error)
         && g_file_get_contents (tc->graph_path, &graph, &n, error)
         && g_file_set_contents (graph_path, graph, (gssize) n, error);
}

static void
print_problems (GPtrArray *problems)
{
  for (guint i = 0; problems && i < problems->len; i++)
    msc_cli_print_problem (problems->pdata[i]);
}

static int
train_with (const MscTrainConfig *tc, gboolean resume, guint max_steps)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (MscManifest) manifest = msc_train_config_load_manifest (tc, &problems, &error);
  print_problems (problems);
  if (!manifest)
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  g_autoptr (GPtrArray) ckpts = msc_trainer_list_checkpoints (tc->output_dir, NULL);
  if (!resume && ckpts && ckpts->len > 0)
    {
      g_printerr (_("%s: holds checkpoints of an earlier run; pass --resume to continue it "
                    "or choose another output_dir\n"), tc->output_dir);
      return 1;
    }
  g_autofree guint *train = NULL, *val = NULL;
  guint n_train = 0, n_val = 0;
  if (!msc_train_config_select (tc, manifest, &train, &n_train, &val, &n_val, &error)
      || !write_run_files (tc, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  /* data.labelled_fraction / semi.labelled_fraction: the labelled subset
   * (and for MPL the unlabelled rest) of the training cases. */
  g_autofree guint *lab = NULL, *unl = NULL;
  guint n_lab = 0, n_unl = 0;
  if (!msc_train_config_select_labelled (tc, manifest, train, n_train, &lab, &n_lab, &unl, &n_unl,
                                         &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  if (n_lab < n_train)
    g_printerr (_("%s: %u training images (%u labelled, %u unlabelled, %u unused) and %u "
                  "validation images\n"), tc->path, n_train, n_lab, n_unl, n_train - n_lab - n_unl,
                n_val);
  else
    g_printerr (_("%s: %u training and %u validation images\n"), tc->path, n_train, n_val);
  g_autoptr (MscTrainer) trainer = NULL;
  g_autoptr (MscMpl) mpl = NULL;
  if (tc->semi_kind == MSC_TRAIN_SEMI_MPL)
    {
      MscMplConfig mc;
      msc_mpl_config_init (&mc);
      mc.warmup = tc->semi_warmup;
      mpl = msc_mpl_new (&tc->trainer, &mc, manifest, lab, n_lab, unl, n_unl, val, n_val, &error);
    }
  else
    trainer = msc_trainer_new (&tc->trainer, manifest, lab, n_lab, val, n_val, &error);
  TrainRun run = { .trainer = trainer, .mpl = mpl, .max_steps = max_steps,
                   .total = tc->trainer.steps, .every = MAX (1u, tc->trainer.steps / 100) };
  if ((!trainer && !mpl) || !run_trainer (&run, &error))
    {
      msc_cli_print_problem (error->message);
      if (g_error_matches (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_CANCELLED))
        g_printerr (_("%s: stopped at step %u; run again with --resume to continue\n"),
                    tc->output_dir, mpl ? msc_mpl_get_step (mpl) : msc_trainer_get_step (trainer));
      return 1;
    }
  gboolean early = mpl ? msc_mpl_get_stopped_early (mpl) : msc_trainer_get_stopped_early (trainer);
  if (early)
    g_printerr (_("stopped early at step %u (best validation metric %.4f)\n"),
                mpl ? msc_mpl_get_step (mpl) : msc_trainer_get_step (trainer),
                mpl ? msc_mpl_get_best_metric (mpl) : msc_trainer_get_best_metric (trainer));
  /* The finished run becomes a bundle `analyze --model` and `evaluate` load. */
  MscModel *model = mpl ? msc_mpl_get_student (mpl) : msc_trainer_get_model (trainer);
  guint step = mpl ? msc_mpl_get_step (mpl) : msc_trainer_get_step (trainer);
  g_autofree char *why = msc_model_bundle_why_not (msc_model_get_graph (model), &tc->trainer);
  if (why)
    g_printerr (_("no model bundle: %s\n"), why);
  MscModelBundleInfo info = { .name = tc->model_name, .version = tc->model_version,
                              .description = tc->model_description };
  if (!why && !msc_model_bundle_write (tc->output_dir, model, &tc->trainer, &info, step, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  g_print ("%s\n", tc->output_dir);
  return 0;
}

int
msc_cli_train (int argc, char **argv)
{
  g_autofree char *config = NULL;
  gboolean resume = FALSE;
  gint max_steps = 0;
  const GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config, N_("Training configuration (JSON)"),
      "FILE" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &resume,
      N_("Continue from the newest checkpoint in the output folder"), NULL },
    { "max-steps", 0, 0, G_OPTION_ARG_INT, &max_steps,
      N_("Stop after step N as if interrupted (the run can be resumed)"), "N" },
    G_OPTION_ENTRY_NULL
  };
  if (!msc_cli_parse_options (_("train --config FILE"),
                              _("Train a model as a JSON configuration describes; prints the "
                                "output folder."), entries, &argc, &argv))
    return 2;
  if (!config || argc != 2 || max_steps < 0)
    {
      g_printerr (_("mammoscope-cli train: expected --config FILE and nothing else\n"));
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (MscTrainConfig) tc = msc_train_config_load (config, presets_dir (), &error);
  if (!tc)
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  return train_with (tc, resume, (guint) max_steps);
}
