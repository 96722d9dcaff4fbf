/* tests/engine/nn/test-optim.c — SGD(momentum, Nesterov, weight decay), Adam
 * and AdamW against torch.optim over several steps, StepLR and
 * CosineAnnealingLR against torch.optim.lr_scheduler, warm-up cosine values,
 * gradient clipping, the parameter set and freezing by prefix.
 */
#include "msc-optim.h"
#include "msc-nn-error.h"
#include "msc-gradcheck.h"
#include "msc-torch-ref.h"

#define NP 40
#define STEPS 6

typedef struct {
  const char *id;
  const char *kind;
  MscOptimConfig cfg;
  float lr;
} OptCase;

static const OptCase opt_cases[] = {
  { "sgd", "sgd", { MSC_OPTIM_SGD, 0.9f, FALSE, 1e-2f, 0, 0, 0 }, 0.05f },
  { "nesterov", "sgd", { MSC_OPTIM_SGD, 0.8f, TRUE, 5e-3f, 0, 0, 0 }, 0.05f },
  { "plain_sgd", "sgd", { MSC_OPTIM_SGD, 0.0f, FALSE, 0.0f, 0, 0, 0 }, 0.1f },
  { "adam", "adam", { MSC_OPTIM_ADAM, 0, FALSE, 1e-2f, 0.9f, 0.999f, 1e-8f }, 0.01f },
  { "adamw", "adamw", { MSC_OPTIM_ADAMW, 0, FALSE, 0.05f, 0.85f, 0.99f, 1e-6f }, 0.01f },
};

static void
run_steps (const OptCase *oc, const float *p0, const float *grads, float *p, const MscParamSet *set)
{
  gsize ns = msc_optim_state_floats (&oc->cfg, NP);
  g_autofree float *state = g_new0 (float, MAX (ns, 1));
  memcpy (p, p0, NP * sizeof (float));
  for (guint s = 0; s < STEPS; s++)
    msc_optim_step (&oc->cfg, oc->lr, s + 1, p, grads + s * NP, ns ? state : NULL, NP, set);
}

static void
test_torch (void)
{
  float p0[NP], grads[STEPS * NP];
  msc_gradcheck_fill_uniform (p0, NP, -1.0f, 1.0f, 1);
  msc_gradcheck_fill_uniform (grads, STEPS * NP, -0.5f, 0.5f, 2);
  grads[3] = 0.0f;   /* a zero gradient: Adam's eps path */
  gint64 ps[] = { NP }, gs[] = { STEPS, NP }, one[] = { 1 };
  float dummy = 0.0f;
  g_autoptr (MscTorchRef) ref = msc_torch_ref_new ();
  for (guint k = 0; k < G_N_ELEMENTS (opt_cases); k++)
    {
      const OptCase *oc = &opt_cases[k];
      g_autofree char *params = g_strdup_printf (
          "{\"kind\": \"%s\", \"lr\": %.9g, \"momentum\": %.9g, \"nesterov\": %s, \"weight_decay\": %.9g, "
          "\"beta1\": %.9g, \"beta2\": %.9g, \"eps\": %.9g}",
          oc->kind, oc->lr, oc->cfg.momentum, oc->cfg.nesterov ? "true" : "false", oc->cfg.weight_decay,
          oc->cfg.beta1, oc->cfg.beta2, oc->cfg.eps);
      msc_torch_ref_case (ref, oc->id, "optim", params, "");
      msc_torch_ref_input (ref, "p", p0, ps, 1);
      msc_torch_ref_input (ref, "g", grads, gs, 2);
    }
  msc_torch_ref_case (ref, "steplr", "sched",
                      "{\"kind\": \"step\", \"base_lr\": 0.1, \"step_size\": 3, \"gamma\": 0.5, \"epochs\": 10}", "");
  msc_torch_ref_input (ref, "unused", &dummy, one, 1);
  msc_torch_ref_case (ref, "cosine", "sched",
                      "{\"kind\": \"cosine\", \"base_lr\": 0.1, \"t_max\": 8, \"eta_min\": 0.001, \"epochs\": 9}", "");
  msc_torch_ref_input (ref, "unused", &dummy, one, 1);
  float clip_g[NP];
  msc_gradcheck_fill_uniform (clip_g, NP, -1.0f, 1.0f, 3);
  msc_torch_ref_case (ref, "clip", "clip", "{\"max_norm\": 0.5}", "");
  msc_torch_ref_input (ref, "g", clip_g, ps, 1);
  if (!msc_torch_ref_run (ref))
    return;
  float norm = (float) msc_clip_grad_norm (clip_g, NP, NULL, 0.5);
  msc_torch_ref_compare (ref, "clip", "g", clip_g, NP, 1e-5);
  msc_torch_ref_compare (ref, "clip", "norm", &norm, 1, 1e-5);
  for (guint k = 0; k < G_N_ELEMENTS (opt_cases); k++)
    {
      float p[NP];
      g_assert_true (msc_optim_check (&opt_cases[k].cfg, NULL));
      run_steps (&opt_cases[k], p0, grads, p, NULL);
      msc_torch_ref_compare (ref, opt_cases[k].id, "p", p, NP, 1e-5);
    }
  MscLrSchedule step = { MSC_LR_STEP, 0.1, 3, 0.5, 0, 0.0, 0 };
  MscLrSchedule cos = { MSC_LR_COSINE, 0.1, 0, 0.0, 8, 0.001, 0 };
  g_assert_true (msc_lr_schedule_check (&step, NULL));
  g_assert_true (msc_lr_schedule_check (&cos, NULL));
  float lrs[10];
  for (guint e = 0; e < 10; e++)
    lrs[e] = (float) msc_lr_schedule_at (&step, e);
  msc_torch_ref_compare (ref, "steplr", "lr", lrs, 10, 1e-5);
  for (guint e = 0; e < 9; e++)
    lrs[e] = (float) msc_lr_schedule_at (&cos, e);
  msc_torch_ref_compare (ref, "cosine", "lr", lrs, 9, 1e-5);
}

static void
test_warmup_cosine (void)
{
  MscLrSchedule s = { MSC_LR_WARMUP_COSINE, 1.0, 0, 0.0, 12, 0.1, 4 };
  g_assert_true (msc_lr_schedule_check (&s, NULL));
  g_assert_cmpfloat_with_epsilon (msc_lr_schedule_at (&s, 0), 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (msc_lr_schedule_at (&s, 3), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (msc_lr_schedule_at (&s, 4), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (msc_lr_schedule_at (&s, 8), 0.55, 1e-12);   /* half-way */
  g_assert_cmpfloat_with_epsilon (msc_lr_schedule_at (&s, 12), 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (msc_lr_schedule_at (&s, 100), 0.1, 1e-12);  /* stays at eta_min */
  for (guint e = 5; e < 12; e++)
    g_assert_cmpfloat (msc_lr_schedule_at (&s, e), <, msc_lr_schedule_at (&s, e - 1));
}

static void
test_clip (void)
{
  float g[4] = { 3.0f, 0.0f, 4.0f, 0.0f };
  double norm = msc_clip_grad_norm (g, 4, NULL, 1.0);
  g_assert_cmpfloat_with_epsilon (norm, 5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (g[0], 0.6f, 1e-6);
  g_assert_cmpfloat_with_epsilon (g[2], 0.8f, 1e-6);
  /* Below the limit: untouched. */
  norm = msc_clip_grad_norm (g, 4, NULL, 10.0);
  g_assert_cmpfloat_with_epsilon (g[0], 0.6f, 1e-6);
  /* Frozen gradients count neither in the norm nor get scaled. */
  g_autoptr (MscParamSet) set = msc_param_set_new ();
  g_assert_true (msc_param_set_add (set, "a", 2, NULL, NULL));
  g_assert_true (msc_param_set_add (set, "b", 2, NULL, NULL));
  msc_param_set_freeze_prefix (set, "a", TRUE);
  float h[4] = { 100.0f, 100.0f, 0.0f, 2.0f };
  norm = msc_clip_grad_norm (h, 4, set, 1.0);
  g_assert_cmpfloat_with_epsilon (norm, 2.0, 1e-9);
  g_assert_cmpfloat (h[0], ==, 100.0f);
  g_assert_cmpfloat_with_epsilon (h[3], 1.0f, 1e-6);
}

static void
test_param_set (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscParamSet) set = msc_param_set_new ();
  gsize off = 99, cnt = 0;
  g_assert_true (msc_param_set_add (set, "enc.conv1.weight", 10, &off, &error));
  g_assert_cmpuint (off, ==, 0);
  g_assert_true (msc_param_set_add (set, "enc.conv1.bias", 5, &off, &error));
  g_assert_cmpuint (off, ==, 10);
  g_assert_true (msc_param_set_add (set, "dec.conv.weight", 20, &off, &error));
  g_assert_true (msc_param_set_add (set, "head.weight", 5, &off, &error));
  g_assert_cmpuint (msc_param_set_total (set), ==, NP);
  g_assert_cmpuint (msc_param_set_n_entries (set), ==, 4);
  g_assert_true (msc_param_set_lookup (set, "dec.conv.weight", &off, &cnt));
  g_assert_cmpuint (off, ==, 15);
  g_assert_cmpuint (cnt, ==, 20);
  g_assert_false (msc_param_set_lookup (set, "nope", &off, &cnt));

  /* Duplicates and empty entries are refused with a message. */
  g_assert_false (msc_param_set_add (set, "head.weight", 3, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "head.weight"));
  g_clear_error (&error);
  g_assert_false (msc_param_set_add (set, "x", 0, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpuint (msc_param_set_freeze_prefix (set, "enc.", TRUE), ==, 2);
  g_assert_true (msc_param_set_is_frozen (set, "enc.conv1.bias"));
  g_assert_false (msc_param_set_is_frozen (set, "dec.conv.weight"));
  /* dec and head are adjacent: one trainable run [15, 40). */
  g_assert_true (msc_param_set_trainable_run (set, 0, &off, &cnt));
  g_assert_cmpuint (off, ==, 15);
  g_assert_cmpuint (cnt, ==, 25);
  g_assert_false (msc_param_set_trainable_run (set, 1, &off, &cnt));

  /* Freezing: frozen parameters and their state stay; the rest moves
   * exactly as if stepped alone. */
  float p0[NP], grads[STEPS * NP], p[NP], q[NP];
  msc_gradcheck_fill_uniform (p0, NP, -1.0f, 1.0f, 7);
  msc_gradcheck_fill_uniform (grads, STEPS * NP, -0.5f, 0.5f, 8);
  for (guint k = 0; k < G_N_ELEMENTS (opt_cases); k++)
    {
      run_steps (&opt_cases[k], p0, grads, p, set);
      run_steps (&opt_cases[k], p0, grads, q, NULL);
      for (int i = 0; i < 15; i++)
        g_assert_cmpfloat (p[i], ==, p0[i]);
      for (int i = 15; i < NP; i++)
        g_assert_cmpfloat (p[i], ==, q[i]);
    }
  /* Thawing everything gives back the full update. */
  g_assert_cmpuint (msc_param_set_freeze_prefix (set, "", FALSE), ==, 4);
  run_steps (&opt_cases[3], p0, grads, p, set);
  run_steps (&opt_cases[3], p0, grads, q, NULL);
  g_assert_cmpmem (p, sizeof p, q, sizeof q);
  msc_param_set_free (NULL);
}

static void
test_bad_params (void)
{
  g_autoptr (GError) error = NULL;
  MscOptimConfig c = { MSC_OPTIM_SGD, 1.0f, FALSE, 0.0f, 0, 0, 0 };
  g_assert_false (msc_optim_check (&c, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  c.momentum = 0.0f;
  c.nesterov = TRUE;
  g_assert_false (msc_optim_check (&c, &error));
  g_assert_nonnull (strstr (error->message, "Nesterov"));
  g_clear_error (&error);
  MscOptimConfig a = { MSC_OPTIM_ADAM, 0, FALSE, 0.0f, 0.9f, 1.0f, 1e-8f };
  g_assert_false (msc_optim_check (&a, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  a.beta2 = 0.999f;
  a.weight_decay = -1.0f;
  g_assert_false (msc_optim_check (&a, &error));
  g_clear_error (&error);
  MscLrSchedule s = { MSC_LR_STEP, 0.1, 0, 0.5, 0, 0, 0 };
  g_assert_false (msc_lr_schedule_check (&s, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  MscLrSchedule w = { MSC_LR_WARMUP_COSINE, 0.1, 0, 0, 10, 0.0, 10 };
  g_assert_false (msc_lr_schedule_check (&w, &error));
  g_clear_error (&error);
  MscLrSchedule z = { MSC_LR_CONSTANT, 0.0, 0, 0, 0, 0, 0 };
  g_assert_false (msc_lr_schedule_check (&z, &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/optim/torch", test_torch);
  g_test_add_func ("/nn/optim/warmup-cosine", test_warmup_cosine);
  g_test_add_func ("/nn/optim/clip", test_clip);
  g_test_add_func ("/nn/optim/param-set", test_param_set);
  g_test_add_func ("/nn/optim/bad-params", test_bad_params);
  return g_test_run ();
}
