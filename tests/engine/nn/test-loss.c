/* tests/engine/nn/test-loss.c — Dice, weighted BCE with pos_weight, class-
 * weighted softmax cross-entropy ((N, C) and (N, C, H, W)) and focal loss:
 * gradient checks w.r.t. the logits, PyTorch parity of loss and gradient,
 * extreme logits, refused parameters and targets.
 */
#include "msc-loss.h"
#include "msc-nn-error.h"
#include "msc-gradcheck.h"
#include "msc-torch-ref.h"

typedef enum { DICE, BCE, CE2, CE4, FOCAL, FOCAL_NOALPHA } Kind;
#define N_KINDS 6

static const char *ids[] = { "dice", "bce", "ce2", "ce4", "focal", "focal_noalpha" };

/* Every case uses logits of (2, 3, 4, 4) = 96 values; CE2 reads them as
 * (32, 3). */
#define NB 2
#define NC 3
#define NH 4
#define NW 4
#define COUNT (NB * NC * NH * NW)

typedef struct {
  Kind kind;
  float x[COUNT];         /* logits */
  float t[COUNT];         /* targets: binary/soft, or class indices as float */
  gint32 ti[COUNT];
  float w[COUNT];         /* BCE per-element weights; CE class weights (first C) */
} Case;

static MscCrossEntropyParams
ce_params (const Case *c)
{
  MscCrossEntropyParams p = { NB, NC, NH * NW, c->w };
  if (c->kind == CE2)
    {
      p.n = COUNT / NC;
      p.hw = 1;
    }
  return p;
}

static double
loss (Case *c, float *dx)
{
  MscDiceParams dp = { NB, NC * NH * NW, 1.0f };
  MscBceParams bp = { COUNT, 2.5f };
  MscFocalParams fp = { COUNT, 0.25f, 2.0f }, fp2 = { COUNT, -1.0f, 1.5f };
  MscCrossEntropyParams cp = ce_params (c);
  switch (c->kind)
    {
    case DICE: return msc_dice_loss (&dp, c->x, c->t, dx);
    case BCE: return msc_bce_loss (&bp, c->x, c->t, c->w, dx);
    case CE2:
    case CE4: return msc_cross_entropy_loss (&cp, c->x, c->ti, dx);
    case FOCAL: return msc_focal_loss (&fp, c->x, c->t, dx);
    case FOCAL_NOALPHA: return msc_focal_loss (&fp2, c->x, c->t, dx);
    }
  return NAN;
}

static void
forward (gpointer user_data, float *out)
{
  out[0] = (float) loss (user_data, NULL);
}

static void
case_init (Case *c, Kind kind, guint32 seed)
{
  c->kind = kind;
  msc_gradcheck_fill_uniform (c->x, COUNT, -4.0f, 4.0f, seed);
  msc_gradcheck_fill_uniform (c->t, COUNT, 0.0f, 1.0f, seed + 1);
  msc_gradcheck_fill_uniform (c->w, COUNT, 0.2f, 2.0f, seed + 2);
  for (int i = 0; i < COUNT; i++)
    {
      if (kind == DICE || kind == FOCAL || kind == FOCAL_NOALPHA)
        c->t[i] = c->t[i] < 0.3f ? 1.0f : 0.0f;    /* binary masks */
      c->ti[i] = (gint32) (c->t[i] * NC) % NC;
    }
  if (kind == CE2 || kind == CE4)
    for (int i = 0; i < COUNT; i++)
      c->t[i] = (float) c->ti[i];
}

static void
test_gradcheck (void)
{
  MscGradcheckOptions opts = { 1e-2, 2e-2, 2e-4, 0 };
  float r[1] = { 1.0f };
  for (int k = 0; k < N_KINDS; k++)
    {
      g_autofree Case *c = g_new0 (Case, 1);
      float dx[COUNT] = { 0 };
      case_init (c, k, 10 * k + 1);
      loss (c, dx);
      msc_gradcheck_assert (ids[k], c->x, COUNT, dx, forward, c, r, 1, &opts);
    }
}

static void
test_torch (void)
{
  gint64 x4[] = { NB, NC, NH, NW }, t3[] = { NB, NH, NW }, x2[] = { COUNT / NC, NC }, t1[] = { COUNT / NC };
  gint64 wc[] = { NC };
  g_autoptr (MscTorchRef) ref = msc_torch_ref_new ();
  Case *cases[N_KINDS];
  for (int k = 0; k < N_KINDS; k++)
    {
      Case *c = cases[k] = g_new0 (Case, 1);
      case_init (c, k, 100 + 10 * k);
      switch (k)
        {
        case DICE:
          msc_torch_ref_case (ref, ids[k], "dice", "{\"smooth\": 1.0}", "x");
          break;
        case BCE:
          msc_torch_ref_case (ref, ids[k], "bce", "{\"pos_weight\": 2.5}", "x");
          msc_torch_ref_input (ref, "w", c->w, x4, 4);
          break;
        case CE2:
        case CE4:
          msc_torch_ref_case (ref, ids[k], "ce", "{}", "x");
          msc_torch_ref_input (ref, "w", c->w, wc, 1);
          break;
        case FOCAL:
          msc_torch_ref_case (ref, ids[k], "focal", "{\"alpha\": 0.25, \"gamma\": 2.0}", "x");
          break;
        case FOCAL_NOALPHA:
          msc_torch_ref_case (ref, ids[k], "focal", "{\"alpha\": -1, \"gamma\": 1.5}", "x");
          break;
        }
      if (k == CE2)
        {
          msc_torch_ref_input (ref, "x", c->x, x2, 2);
          msc_torch_ref_input (ref, "t", c->t, t1, 1);
        }
      else
        {
          msc_torch_ref_input (ref, "x", c->x, x4, 4);
          msc_torch_ref_input (ref, "t", c->t, k == CE4 ? t3 : x4, k == CE4 ? 3 : 4);
        }
    }
  gboolean ran = msc_torch_ref_run (ref);
  for (int k = 0; k < N_KINDS; k++)
    {
      if (ran)
        {
          float dx[COUNT] = { 0 };
          float l = (float) loss (cases[k], dx);
          msc_torch_ref_compare (ref, ids[k], "y", &l, 1, 1e-4);
          msc_torch_ref_compare (ref, ids[k], "dx", dx, COUNT, 1e-3);
        }
      g_free (cases[k]);
    }
}

static void
test_extremes (void)
{
  float x[4] = { -200.0f, 200.0f, -200.0f, 200.0f }, t[4] = { 0, 1, 1, 0 }, dx[4] = { 0 };
  MscBceParams bp = { 4, 1.0f };
  double l = msc_bce_loss (&bp, x, t, NULL, dx);
  /* Two confident right answers (0) and two confident wrong ones (200). */
  g_assert_cmpfloat_with_epsilon (l, 100.0, 1e-9);
  for (int i = 0; i < 4; i++)
    g_assert_true (isfinite (dx[i]));
  MscFocalParams fp = { 4, 0.25f, 2.0f };
  g_assert_true (isfinite (msc_focal_loss (&fp, x, t, dx)));
  gint32 ti[2] = { 0, 2 };
  float cx[6] = { 1000.0f, -1000.0f, 0.0f, 0.0f, 0.0f, 1000.0f }, cdx[6] = { 0 };
  MscCrossEntropyParams cp = { 2, 3, 1, NULL };
  g_assert_true (msc_cross_entropy_check (&cp, ti, NULL));
  g_assert_cmpfloat (msc_cross_entropy_loss (&cp, cx, ti, cdx), <, 1e-6);
  /* Dice of a perfect prediction is 0, of an empty one with smoothing 1 is
   * 1 - 1 / (sum t + 1). */
  float dl[4] = { 50, 50, -50, -50 }, dt[4] = { 1, 1, 0, 0 };
  MscDiceParams dp = { 1, 4, 1.0f };
  g_assert_cmpfloat_with_epsilon (msc_dice_loss (&dp, dl, dt, NULL), 0.0, 1e-6);
  float empty[4] = { -50, -50, -50, -50 };
  g_assert_cmpfloat_with_epsilon (msc_dice_loss (&dp, empty, dt, NULL), 1.0 - 1.0 / 3.0, 1e-6);
}

static void
test_bad_params (void)
{
  g_autoptr (GError) error = NULL;
  MscDiceParams dp = { 0, 4, 1.0f };
  g_assert_false (msc_dice_check (&dp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_SHAPE);
  g_clear_error (&error);
  dp.n = 1;
  dp.smooth = -1.0f;
  g_assert_false (msc_dice_check (&dp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  MscBceParams bp = { 4, -2.0f };
  g_assert_false (msc_bce_check (&bp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  MscFocalParams fp = { 4, 0.25f, -1.0f };
  g_assert_false (msc_focal_check (&fp, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_clear_error (&error);
  gint32 t[2] = { 0, 3 };
  float w[3] = { 1, 1, 1 };
  MscCrossEntropyParams cp = { 2, 3, 1, w };
  g_assert_false (msc_cross_entropy_check (&cp, t, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "class 3"));
  g_clear_error (&error);
  t[1] = 1;
  w[0] = w[1] = 0.0f;
  g_assert_false (msc_cross_entropy_check (&cp, t, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_NUMERIC);
  g_clear_error (&error);
  w[0] = -1.0f;
  g_assert_false (msc_cross_entropy_check (&cp, NULL, &error));
  g_assert_error (error, MSC_NN_ERROR, MSC_NN_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/loss/gradcheck", test_gradcheck);
  g_test_add_func ("/nn/loss/torch", test_torch);
  g_test_add_func ("/nn/loss/extremes", test_extremes);
  g_test_add_func ("/nn/loss/bad-params", test_bad_params);
  return g_test_run ();
}
