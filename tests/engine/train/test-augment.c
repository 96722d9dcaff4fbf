/* tests/engine/train/test-augment.c — training augmentation: identity and
 * flip/rotation algebra, lesion geometry following the warp, intensity
 * arithmetic by hand, draw statistics, determinism, bad inputs and speed.
 */
#include "msc-augment.h"
#include "msc-train-error.h"
#include "msc-imaging-test.h"

#include <math.h>
#include <string.h>

/* A w x h plane of a deterministic pattern (no symmetry a flip could hide). */
static MscPlane *
pattern (MscPlaneFormat f, guint w, guint h, guint bits)
{
  g_autoptr (GError) error = NULL;
  MscPlane *p = msc_plane_new (f, w, h, &error);
  g_assert_no_error (error);
  if (f != MSC_PLANE_F32)
    msc_plane_set_bits (p, f == MSC_PLANE_U8 ? MIN (bits, 8u) : bits);
  guint maxv = f == MSC_PLANE_F32 ? 1 : msc_plane_get_max_value (p);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        guint v = (x * 7u + y * 13u + (x * y) % 11u) % 97u;
        if (f == MSC_PLANE_U8)
          msc_plane_u8 (p)[i] = (guint8) (v * maxv / 96);
        else if (f == MSC_PLANE_U16)
          msc_plane_u16 (p)[i] = (guint16) (v * maxv / 96);
        else
          msc_plane_f32 (p)[i] = v / 96.f - 0.25f;
      }
  return p;
}

/* U8 0/255 disk of radius r at (cx, cy). */
static MscPlane *
disk (guint w, guint h, double cx, double cy, double r)
{
  MscPlane *p = msc_plane_new (MSC_PLANE_U8, w, h, NULL);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
        msc_plane_u8 (p)[(gsize) y * w + x] = 255;
  return p;
}

static void
assert_same (const MscPlane *a, const MscPlane *b)
{
  msc_imaging_test_assert_close (a, b, 0, 0);
}

static MscPlane *
apply (const MscAugment *a, const MscPlane *img, guint w, guint h, MscAffine *m)
{
  g_autoptr (GError) error = NULL;
  MscPlane *out = NULL;
  g_assert_true (msc_augment_apply (a, img, NULL, w, h, &out, NULL, m, &error));
  g_assert_no_error (error);
  return out;
}

static void
test_identity (void)
{
  MscAugmentParams params;
  msc_augment_params_init_identity (&params);
  MscRng rng;
  msc_rng_init (&rng, 7);
  MscAugment a;
  g_assert_true (msc_augment_sample (&params, &rng, &a, NULL));
  const MscPlaneFormat formats[] = { MSC_PLANE_U8, MSC_PLANE_U16, MSC_PLANE_F32 };
  for (guint k = 0; k < G_N_ELEMENTS (formats); k++)
    {
      g_autoptr (MscPlane) img = pattern (formats[k], 37, 23, formats[k] == MSC_PLANE_U16 ? 12 : 8);
      g_autoptr (MscPlane) mask = disk (37, 23, 10, 11, 5);
      g_autoptr (MscPlane) out = NULL, mout = NULL;
      MscAffine m;
      g_assert_true (msc_augment_apply (&a, img, mask, 37, 23, &out, &mout, &m, NULL));
      assert_same (img, out);
      assert_same (mask, mout);
      const double id[6] = { 1, 0, 0, 0, 1, 0 };
      for (guint i = 0; i < 6; i++)
        g_assert_cmpfloat (m.m[i], ==, id[i]);
      g_assert_cmpuint (msc_plane_get_bits (out), ==, msc_plane_get_bits (img));
    }
}

static void
test_flip_twice (void)
{
  const MscPlaneFormat formats[] = { MSC_PLANE_U8, MSC_PLANE_U16, MSC_PLANE_F32 };
  for (guint k = 0; k < G_N_ELEMENTS (formats); k++)
    for (guint which = 1; which <= 3; which++)
      {
        g_autoptr (MscPlane) img = pattern (formats[k], 40, 31, 12);
        MscAugment a;
        msc_augment_init_identity (&a);
        a.flip_h = (which & 1) != 0;
        a.flip_v = (which & 2) != 0;
        MscAffine m1, m2;
        g_autoptr (MscPlane) once = apply (&a, img, 40, 31, &m1);
        g_autoptr (MscPlane) twice = apply (&a, once, 40, 31, &m2);
        assert_same (img, twice);
        /* One flip is the plain mirror: x' = 39 - x, y' = 30 - y. */
        g_autoptr (MscPlane) ref = msc_geometry_flip (img, a.flip_h, a.flip_v, NULL, NULL);
        assert_same (ref, once);
        double x, y;
        msc_affine_apply (&m1, 3, 4, &x, &y);
        g_assert_cmpfloat (x, ==, a.flip_h ? 36 : 3);
        g_assert_cmpfloat (y, ==, a.flip_v ? 26 : 4);
      }
}

/* 90 degrees CCW on screen: src (x, y) lands on (y, w-1-x), i.e. a
 * transpose followed by a vertical flip, exactly (cos/sin snapped). */
static void
test_rotate90 (void)
{
  const MscPlaneFormat formats[] = { MSC_PLANE_U8, MSC_PLANE_F32 };
  for (guint k = 0; k < G_N_ELEMENTS (formats); k++)
    {
      guint n = 33;
      g_autoptr (MscPlane) img = pattern (formats[k], n, n, 8);
      MscAugment a;
      msc_augment_init_identity (&a);
      a.rotate_deg = 90;
      g_autoptr (MscPlane) out = apply (&a, img, n, n, NULL);
      g_autoptr (MscPlane) ref = msc_plane_new (formats[k], n, n, NULL);
      gsize bpp = formats[k];
      for (guint y = 0; y < n; y++)
        for (guint x = 0; x < n; x++)
          {
            const guint8 *s = formats[k] == MSC_PLANE_U8 ? msc_plane_peek_u8 (img)
                                                         : (const guint8 *) msc_plane_peek_f32 (img);
            guint8 *d = formats[k] == MSC_PLANE_U8 ? msc_plane_u8 (ref) : (guint8 *) msc_plane_f32 (ref);
            memcpy (d + ((gsize) (n - 1 - x) * n + y) * bpp, s + ((gsize) y * n + x) * bpp, bpp);
          }
      assert_same (ref, out);
    }
  /* Any other angle agrees with msc_geometry_rotate (same centre, same
   * sense) to one grey level on the few pixels where the last bit of the
   * matrix tips OpenCV's 1/32-pixel quantisation. */
  g_autoptr (MscPlane) img = pattern (MSC_PLANE_U8, 64, 48, 8);
  MscAugment a;
  msc_augment_init_identity (&a);
  a.rotate_deg = -23.5;
  g_autoptr (MscPlane) out = apply (&a, img, 64, 48, NULL);
  g_autoptr (MscPlane) ref = msc_geometry_rotate (img, -23.5, MSC_INTERP_LINEAR, NULL, NULL);
  msc_imaging_test_assert_close (ref, out, 1, 0.01);
}

/* The transform by hand: zoom 2 about the centre of 100 x 100 -> 100 x 100
 * sends (60, 50) to 49.5 + 2 * (60 - 49.5) = 70.5, 49.5 + 2 * 0.5 = 50.5;
 * with a translation of 0.1 the output centre moves by 10 pixels. */
static void
test_transform_by_hand (void)
{
  MscAugment a;
  msc_augment_init_identity (&a);
  a.zoom = 2;
  MscAffine m;
  g_assert_true (msc_augment_transform (&a, 100, 100, 100, 100, &m, NULL));
  double x, y;
  msc_affine_apply (&m, 60, 50, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 70.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (y, 50.5, 1e-12);
  a.translate_x = 0.1;
  a.translate_y = -0.2;
  g_assert_true (msc_augment_transform (&a, 100, 100, 100, 100, &m, NULL));
  msc_affine_apply (&m, 49.5, 49.5, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 59.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (y, 29.5, 1e-12);
  /* 200 x 100 source into 64 x 64: centre (99.5, 49.5) -> (31.5, 31.5). */
  msc_augment_init_identity (&a);
  g_assert_true (msc_augment_transform (&a, 200, 100, 64, 64, &m, NULL));
  msc_affine_apply (&m, 99.5, 49.5, &x, &y);
  g_assert_cmpfloat (x, ==, 31.5);
  g_assert_cmpfloat (y, ==, 31.5);
}

/* A disk lesion: its centre mapped through the returned transform lands
 * on the warped mask's disk, whose centroid it matches within a pixel. */
static void
test_lesion_follows (void)
{
  MscAugmentParams params;
  msc_augment_params_init_default (&params);
  params.translate = 0.1;
  MscRng rng;
  msc_rng_init (&rng, 2024);
  const double cx = 70, cy = 52, r = 9;
  g_autoptr (MscPlane) img = pattern (MSC_PLANE_F32, 160, 120, 0);
  g_autoptr (MscPlane) mask = disk (160, 120, cx, cy, r);
  for (guint t = 0; t < 200; t++)
    {
      MscAugment a;
      g_assert_true (msc_augment_sample (&params, &rng, &a, NULL));
      g_autoptr (MscPlane) out = NULL, mout = NULL;
      MscAffine m;
      g_assert_true (msc_augment_apply (&a, img, mask, 128, 128, &out, &mout, &m, NULL));
      double mx, my;
      msc_affine_apply (&m, cx, cy, &mx, &my);
      const guint8 *mp = msc_plane_peek_u8 (mout);
      double sx = 0, sy = 0, n = 0;
      for (guint y = 0; y < 128; y++)
        for (guint x = 0; x < 128; x++)
          {
            guint8 v = mp[y * 128 + x];
            g_assert_true (v == 0 || v == 255);        /* NEAREST keeps it binary */
            if (v)
              sx += x, sy += y, n++;
          }
      if (mx < r || my < r || mx > 127 - r || my > 127 - r)
        continue;                                       /* disk partly outside the output */
      g_assert_cmpuint (mp[(guint) lround (my) * 128 + (guint) lround (mx)], ==, 255);
      g_assert_cmpfloat (fabs (sx / n - mx), <, 1.0);
      g_assert_cmpfloat (fabs (sy / n - my), <, 1.0);
      /* Area scales with zoom^2: pi 9^2 = 254 source pixels. */
      double want = G_PI * r * r * a.zoom * a.zoom;
      g_assert_cmpfloat (fabs (n - want) / want, <, 0.15);
    }
}

/* Intensity by hand. F32: 0.5 * 1.1 + 0.05 = 0.6. U8 (max 255): 100 ->
 * (100/255 * 1.1 + 0.05) * 255 = 110 + 12.75 = 122.75 -> 123; gamma 2
 * alone: 64 -> (64/255)^2 * 255 = 4096/255 = 16.06 -> 16. U16 with 12 bits
 * (max 4095), scale 2: 1000 -> 2000, 3000 -> 6000 clamped to 4095. */
static void
test_intensity_by_hand (void)
{
  MscAugment a;
  msc_augment_init_identity (&a);
  a.scale = 1.1;
  a.shift = 0.05;
  g_autoptr (MscPlane) f = msc_plane_new (MSC_PLANE_F32, 2, 1, NULL);
  msc_plane_f32 (f)[0] = 0.5f;
  msc_plane_f32 (f)[1] = -1.0f;
  g_autoptr (MscPlane) fo2 = apply (&a, f, 2, 1, NULL);
  g_assert_cmpfloat_with_epsilon (msc_plane_peek_f32 (fo2)[0], 0.6, 1e-6);
  g_assert_cmpfloat_with_epsilon (msc_plane_peek_f32 (fo2)[1], -1.05, 1e-6);

  g_autoptr (MscPlane) u = msc_plane_new (MSC_PLANE_U8, 2, 1, NULL);
  msc_plane_u8 (u)[0] = 100;
  msc_plane_u8 (u)[1] = 64;
  g_autoptr (MscPlane) uo = apply (&a, u, 2, 1, NULL);
  g_assert_cmpuint (msc_plane_peek_u8 (uo)[0], ==, 123);
  msc_augment_init_identity (&a);
  a.gamma = 2;
  g_autoptr (MscPlane) ug = apply (&a, u, 2, 1, NULL);
  g_assert_cmpuint (msc_plane_peek_u8 (ug)[1], ==, 16);

  /* F32 gamma 2 keeps the sign: 0.25 -> 0.0625, -0.5 -> -0.25; then scale
   * 2 and shift 0.5: 0.625 and 0. */
  g_autoptr (MscPlane) fg = msc_plane_new (MSC_PLANE_F32, 2, 1, NULL);
  msc_plane_f32 (fg)[0] = 0.25f;
  msc_plane_f32 (fg)[1] = -0.5f;
  a.scale = 2;
  a.shift = 0.5;
  g_autoptr (MscPlane) fgo = apply (&a, fg, 2, 1, NULL);
  g_assert_cmpfloat_with_epsilon (msc_plane_peek_f32 (fgo)[0], 0.625, 1e-6);
  g_assert_cmpfloat_with_epsilon (msc_plane_peek_f32 (fgo)[1], 0.0, 1e-6);

  g_autoptr (MscPlane) w = msc_plane_new (MSC_PLANE_U16, 2, 1, NULL);
  msc_plane_set_bits (w, 12);
  msc_plane_u16 (w)[0] = 1000;
  msc_plane_u16 (w)[1] = 3000;
  msc_augment_init_identity (&a);
  a.scale = 2;
  g_autoptr (MscPlane) wo = apply (&a, w, 2, 1, NULL);
  g_assert_cmpuint (msc_plane_peek_u16 (wo)[0], ==, 2000);
  g_assert_cmpuint (msc_plane_peek_u16 (wo)[1], ==, 4095);

  /* The border is shifted too: a 1x1 zero image into 3 x 1 with shift
   * 0.25 is 0.25 everywhere (F32). */
  g_autoptr (MscPlane) z = msc_plane_new (MSC_PLANE_F32, 1, 1, NULL);
  msc_augment_init_identity (&a);
  a.shift = 0.25;
  g_autoptr (MscPlane) zo = apply (&a, z, 3, 1, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (msc_plane_peek_f32 (zo)[i], ==, 0.25f);
}

/* 10,000 draws of the defaults: every value inside its range, and the
 * means and variances of uniform ranges within 5 standard errors
 * (uniform on [a, b]: mean (a+b)/2, variance (b-a)^2/12). */
static void
test_draw_statistics (void)
{
  MscAugmentParams p;
  msc_augment_params_init_default (&p);
  p.gamma_min = 0.8;
  p.gamma_max = 1.25;
  MscRng rng;
  msc_rng_init (&rng, 99);
  const guint n = 10000;
  double sum[4] = { 0 }, sq[4] = { 0 };
  guint flips_h = 0, flips_v = 0;
  for (guint i = 0; i < n; i++)
    {
      MscAugment a;
      g_assert_true (msc_augment_sample (&p, &rng, &a, NULL));
      g_assert_cmpfloat (a.shift, >=, -0.1);
      g_assert_cmpfloat (a.shift, <=, 0.1);
      g_assert_cmpfloat (a.scale, >=, 0.9);
      g_assert_cmpfloat (a.scale, <=, 1.1);
      g_assert_cmpfloat (fabs (a.rotate_deg), <=, 25);
      g_assert_cmpfloat (a.zoom, >=, 0.8);
      g_assert_cmpfloat (a.zoom, <=, 1.2);
      g_assert_cmpfloat (a.gamma, >=, 0.8);
      g_assert_cmpfloat (a.gamma, <=, 1.25);
      g_assert_cmpfloat (a.translate_x, ==, 0);
      const double v[4] = { a.shift, a.scale, a.rotate_deg, a.zoom };
      for (guint k = 0; k < 4; k++)
        sum[k] += v[k], sq[k] += v[k] * v[k];
      flips_h += a.flip_h;
      flips_v += a.flip_v;
    }
  const double lo[4] = { -0.1, 0.9, -25, 0.8 }, hi[4] = { 0.1, 1.1, 25, 1.2 };
  for (guint k = 0; k < 4; k++)
    {
      double mean = sum[k] / n, var = sq[k] / n - mean * mean;
      double want_var = (hi[k] - lo[k]) * (hi[k] - lo[k]) / 12;
      g_assert_cmpfloat (fabs (mean - (lo[k] + hi[k]) / 2), <, 5 * sqrt (want_var / n));
      /* var of the sample variance of a uniform: (1/n)(mu4 - var^2), mu4 = 9/5 var^2. */
      g_assert_cmpfloat (fabs (var - want_var), <, 5 * sqrt (0.8 * want_var * want_var / n));
    }
  /* Binomial(10000, 0.5): sd 50. */
  g_assert_cmpuint (flips_h, >, 5000 - 250);
  g_assert_cmpuint (flips_h, <, 5000 + 250);
  g_assert_cmpuint (flips_v, >, 5000 - 250);
  g_assert_cmpuint (flips_v, <, 5000 + 250);
}

static void
test_determinism (void)
{
  MscAugmentParams p;
  msc_augment_params_init_default (&p);
  g_autoptr (MscPlane) img = pattern (MSC_PLANE_U16, 90, 70, 12);
  MscPlane *out[3] = { NULL, NULL, NULL };
  MscAugment a[3];
  const guint64 seeds[3] = { 5, 5, 6 };
  for (guint k = 0; k < 3; k++)
    {
      MscRng rng;
      msc_rng_init (&rng, seeds[k]);
      for (guint i = 0; i < 3; i++)
        g_assert_true (msc_augment_sample (&p, &rng, &a[k], NULL));
      out[k] = apply (&a[k], img, 64, 64, NULL);
    }
  g_assert_cmpmem (&a[0], sizeof a[0], &a[1], sizeof a[1]);
  assert_same (out[0], out[1]);
  g_assert_true (memcmp (&a[0], &a[2], sizeof a[0]) != 0);
  g_assert_true (memcmp (msc_plane_peek_u16 (out[0]), msc_plane_peek_u16 (out[2]), 64 * 64 * 2) != 0);
  for (guint k = 0; k < 3; k++)
    msc_plane_free (out[k]);
}

static void
expect_invalid (gboolean ok, GError **error)
{
  /* *error is read here, after the call in the first argument ran. */
  g_assert_false (ok);
  g_assert_error (*error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_test_message ("refused: %s", (*error)->message);
  g_clear_error (error);
}

static void
test_degenerate (void)
{
  MscAugmentParams p;
  MscRng rng;
  msc_rng_init (&rng, 1);
  MscAugment a;
  GError *error = NULL;
  struct { const char *what; double *field; double value; } bad[] = {
    { "zoom 0", &p.zoom_min, 0 }, { "zoom min > max", &p.zoom_min, 1.5 },
    { "flip 1.5", &p.flip_h_prob, 1.5 }, { "flip NaN", &p.flip_v_prob, NAN },
    { "rotation 200", &p.rotate_deg, 200 }, { "rotation -1", &p.rotate_deg, -1 },
    { "shift inf", &p.shift_max, INFINITY }, { "scale min > max", &p.scale_min, 2 },
    { "gamma 0", &p.gamma_min, 0 }, { "translate 2", &p.translate, 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      msc_augment_params_init_default (&p);
      *bad[i].field = bad[i].value;
      MscRng before = rng;
      g_test_message ("case %s", bad[i].what);
      expect_invalid (msc_augment_sample (&p, &rng, &a, &error), &error);
      g_assert_cmpmem (&before, sizeof before, &rng, sizeof rng);    /* nothing drawn */
    }
  /* Concrete transforms: zoom 0 or NaN, gamma 0, empty output. */
  g_autoptr (MscPlane) img = pattern (MSC_PLANE_U8, 8, 8, 8);
  MscPlane *out = NULL;
  msc_augment_init_identity (&a);
  a.zoom = 0;
  expect_invalid (msc_augment_apply (&a, img, NULL, 8, 8, &out, NULL, NULL, &error), &error);
  a.zoom = NAN;
  expect_invalid (msc_augment_apply (&a, img, NULL, 8, 8, &out, NULL, NULL, &error), &error);
  msc_augment_init_identity (&a);
  a.gamma = 0;
  expect_invalid (msc_augment_apply (&a, img, NULL, 8, 8, &out, NULL, NULL, &error), &error);
  msc_augment_init_identity (&a);
  expect_invalid (msc_augment_apply (&a, img, NULL, 0, 8, &out, NULL, NULL, &error), &error);
  /* Masks must be U8 and the image's size. */
  g_autoptr (MscPlane) small = disk (4, 8, 1, 1, 1);
  g_autoptr (MscPlane) wide = pattern (MSC_PLANE_U16, 8, 8, 12);
  MscPlane *mout = NULL;
  expect_invalid (msc_augment_apply (&a, img, small, 8, 8, &out, &mout, NULL, &error), &error);
  expect_invalid (msc_augment_apply (&a, img, wide, 8, 8, &out, &mout, NULL, &error), &error);
  g_assert_null (out);
  g_assert_null (mout);

  /* 1 x 1: identity exact; random transforms give a 1 x 1 without fuss;
   * a zoom of 0.8 about a single pixel keeps it (centre maps to centre). */
  g_autoptr (MscPlane) one = msc_plane_new (MSC_PLANE_U8, 1, 1, NULL);
  msc_plane_u8 (one)[0] = 200;
  g_autoptr (MscPlane) same = apply (&a, one, 1, 1, NULL);
  g_assert_cmpuint (msc_plane_peek_u8 (same)[0], ==, 200);
  msc_augment_params_init_default (&p);
  for (guint i = 0; i < 20; i++)
    {
      g_assert_true (msc_augment_sample (&p, &rng, &a, NULL));
      a.shift = 0;
      a.scale = 1;
      g_autoptr (MscPlane) r = apply (&a, one, 1, 1, NULL);
      g_assert_cmpuint (msc_plane_peek_u8 (r)[0], ==, 200);
    }
}

/* A 512 x 512 full-image augmentation (F32 and U16), mean over 20 runs. */
static void
test_speed (void)
{
  MscAugmentParams p;
  msc_augment_params_init_default (&p);
  p.gamma_min = 0.8;
  p.gamma_max = 1.25;
  MscRng rng;
  msc_rng_init (&rng, 3);
  g_autoptr (MscPlane) mask = disk (512, 512, 200, 300, 40);
  const MscPlaneFormat formats[] = { MSC_PLANE_F32, MSC_PLANE_U16, MSC_PLANE_U8 };
  for (guint k = 0; k < G_N_ELEMENTS (formats); k++)
    for (guint with_gamma = 0; with_gamma < 2; with_gamma++)
      {
        g_autoptr (MscPlane) img = pattern (formats[k], 512, 512, 12);
        const guint runs = 20;
        gint64 t0 = g_get_monotonic_time ();
        for (guint i = 0; i < runs; i++)
          {
            MscAugment a;
            g_assert_true (msc_augment_sample (&p, &rng, &a, NULL));
            if (!with_gamma)
              a.gamma = 1;
            g_autoptr (MscPlane) out = NULL, mout = NULL;
            g_assert_true (msc_augment_apply (&a, img, mask, 512, 512, &out, &mout, NULL, NULL));
          }
        double ms = (g_get_monotonic_time () - t0) / 1000.0 / runs;
        g_test_message ("augment 512x512 %s + mask%s: %.2f ms", formats[k] == MSC_PLANE_F32 ? "F32"
                        : formats[k] == MSC_PLANE_U16 ? "U16" : "U8", with_gamma ? " + gamma" : "", ms);
        /* Generous bound against regressions on a loaded machine; the
         * target (~5 ms) is reported, not asserted. */
        g_assert_cmpfloat (ms, <, 100);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/augment/identity", test_identity);
  g_test_add_func ("/train/augment/flip-twice", test_flip_twice);
  g_test_add_func ("/train/augment/rotate90", test_rotate90);
  g_test_add_func ("/train/augment/transform-by-hand", test_transform_by_hand);
  g_test_add_func ("/train/augment/lesion-follows", test_lesion_follows);
  g_test_add_func ("/train/augment/intensity-by-hand", test_intensity_by_hand);
  g_test_add_func ("/train/augment/draw-statistics", test_draw_statistics);
  g_test_add_func ("/train/augment/determinism", test_determinism);
  g_test_add_func ("/train/augment/degenerate", test_degenerate);
  g_test_add_func ("/train/augment/speed", test_speed);
  return g_test_run ();
}
