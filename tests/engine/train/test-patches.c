/* tests/engine/train/test-patches.c — patch sampling on synthetic images
 * with known disks and on MIAS images with their labels.csv circles: lesion
 * patches hold their lesion centre, background patches stay inside the
 * breast and off every lesion, the share is as asked, crops are exact.
 */
#include "msc-patches.h"
#include "msc-train-error.h"
#include "msc-breast.h"
#include "msc-imaging-test.h"
#include "msc-test-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double
value_at (const MscPlane *p, gint x, gint y)
{
  guint w = msc_plane_get_width (p), h = msc_plane_get_height (p);
  if (x < 0 || y < 0 || (guint) x >= w || (guint) y >= h)
    return 0;
  gsize i = (gsize) y * w + (guint) x;
  switch (msc_plane_get_format (p))
    {
    case MSC_PLANE_U8: return msc_plane_peek_u8 (p)[i];
    case MSC_PLANE_U16: return msc_plane_peek_u16 (p)[i];
    default: return msc_plane_peek_f32 (p)[i];
    }
}

static gboolean
in_circle (const MscLesionCircle *c, double x, double y)
{
  return (x - c->x) * (x - c->x) + (y - c->y) * (y - c->y) <= c->radius * c->radius;
}

/* Every promise of msc_patches_sample on one result; returns the number
 * of lesion patches. */
static guint
check_patches (GPtrArray *patches, const MscPatchParams *p, const MscPlane *image,
               const MscPlane *breast, const MscLesionCircle *c, guint n_c, const MscPlane *lesion_mask)
{
  guint P = p->patch_size, n_lesion = 0;
  g_assert_cmpuint (patches->len, ==, p->n_patches);
  for (guint k = 0; k < patches->len; k++)
    {
      const MscPatch *patch = g_ptr_array_index (patches, k);
      g_assert_cmpuint (msc_plane_get_width (patch->image), ==, P);
      g_assert_cmpuint (msc_plane_get_height (patch->mask), ==, P);
      g_assert_cmpint (msc_plane_get_format (patch->image), ==, msc_plane_get_format (image));
      guint lesion_px = 0;
      /* Crops are the image (zero outside); the mask is the lesion union. */
      for (guint y = 0; y < P; y++)
        for (guint x = 0; x < P; x++)
          {
            gint ix = patch->x + (gint) x, iy = patch->y + (gint) y;
            gsize i = (gsize) y * P + x;
            double v = msc_plane_get_format (image) == MSC_PLANE_U8 ? msc_plane_peek_u8 (patch->image)[i]
                     : msc_plane_get_format (image) == MSC_PLANE_U16 ? msc_plane_peek_u16 (patch->image)[i]
                     : msc_plane_peek_f32 (patch->image)[i];
            g_assert_cmpfloat (v, ==, value_at (image, ix, iy));
            gboolean inside = ix >= 0 && iy >= 0 && (guint) ix < msc_plane_get_width (image)
                              && (guint) iy < msc_plane_get_height (image);
            gboolean lesion = inside && lesion_mask && value_at (lesion_mask, ix, iy) != 0;
            for (guint j = 0; j < n_c && inside; j++)
              lesion |= in_circle (&c[j], ix, iy);
            g_assert_cmpuint (msc_plane_peek_u8 (patch->mask)[i], ==, lesion ? 255 : 0);
            lesion_px += lesion;
          }
      if (patch->kind == MSC_PATCH_LESION)
        {
          n_lesion++;
          if (n_c > 0)
            {
              g_assert_cmpuint (patch->lesion, <, n_c);
              const MscLesionCircle *l = &c[patch->lesion];
              g_assert_cmpuint (patch->class_id, ==, l->class_id);
              g_assert_cmpfloat (l->x, >=, patch->x);
              g_assert_cmpfloat (l->x, <=, patch->x + (gint) P - 1);
              g_assert_cmpfloat (l->y, >=, patch->y);
              g_assert_cmpfloat (l->y, <=, patch->y + (gint) P - 1);
              /* Whole lesion inside the patch when it fits (P/2 - 1 >= r), the
               * patch inside the lesion's box otherwise (half a pixel of rounding). */
              double half = P / 2.0 - 1, x0 = patch->x, x1 = patch->x + (double) P - 1;
              double y0 = patch->y, y1 = patch->y + (double) P - 1;
              if (l->radius <= half)
                {
                  g_assert_cmpfloat (l->x - l->radius, >=, x0 - 0.5);
                  g_assert_cmpfloat (l->x + l->radius, <=, x1 + 0.5);
                  g_assert_cmpfloat (l->y - l->radius, >=, y0 - 0.5);
                  g_assert_cmpfloat (l->y + l->radius, <=, y1 + 0.5);
                }
              else
                {
                  g_assert_cmpfloat (l->x - l->radius, <=, x0 + 0.5);
                  g_assert_cmpfloat (l->x + l->radius, >=, x1 - 0.5);
                  g_assert_cmpfloat (l->y - l->radius, <=, y0 + 0.5);
                  g_assert_cmpfloat (l->y + l->radius, >=, y1 - 0.5);
                }
              g_assert_cmpuint (msc_plane_peek_u8 (patch->mask)[(gsize) (lround (l->y) - patch->y) * P
                                                                + (gsize) (lround (l->x) - patch->x)], ==, 255);
            }
        }
      else
        {
          g_assert_cmpint (patch->kind, ==, MSC_PATCH_BACKGROUND);
          g_assert_cmpuint (patch->class_id, ==, 0);
          gint cx = patch->x + (gint) P / 2, cy = patch->y + (gint) P / 2;
          if (breast != NULL)
            g_assert_cmpfloat (value_at (breast, cx, cy), ==, 255);
          g_assert_cmpfloat (lesion_px, <=, floor (p->max_overlap * P * P));
          /* No overlap allowed: not even the square's corners reach a circle. */
          for (guint j = 0; j < n_c && p->max_overlap == 0; j++)
            {
              double dx = c[j].x - CLAMP (c[j].x, patch->x, patch->x + (double) P - 1);
              double dy = c[j].y - CLAMP (c[j].y, patch->y, patch->y + (double) P - 1);
              g_assert_cmpfloat (dx * dx + dy * dy, >, c[j].radius * c[j].radius);
            }
        }
    }
  return n_lesion;
}

/* 256 x 200 F32 image: 0.1 + x/1000, 1 inside two disks; the breast is the
 * left 180 columns (x < 180). */
static void
synthetic (MscPlane **image, MscPlane **breast, MscLesionCircle c[2])
{
  c[0] = (MscLesionCircle) { 60, 70, 10, 1 };
  c[1] = (MscLesionCircle) { 130.5, 140, 20, 2 };
  *image = msc_plane_new (MSC_PLANE_F32, 256, 200, NULL);
  *breast = msc_plane_new (MSC_PLANE_U8, 256, 200, NULL);
  for (guint y = 0; y < 200; y++)
    for (guint x = 0; x < 256; x++)
      {
        gsize i = (gsize) y * 256 + x;
        msc_plane_f32 (*image)[i] = in_circle (&c[0], x, y) || in_circle (&c[1], x, y) ? 1.f : 0.1f + x / 1000.f;
        msc_plane_u8 (*breast)[i] = x < 180 ? 255 : 0;
      }
}

static GPtrArray *
sample_ok (const MscPatchParams *p, const MscPlane *img, const MscPlane *breast,
           const MscLesionCircle *c, guint n_c, const MscPlane *lm, MscRng *rng)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *out = msc_patches_sample (p, img, breast, c, n_c, lm, rng, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

/* N * share = 1000 * 0.37 = 370 exactly (no rounding left to chance); with
 * N = 1 over 1000 calls the count is Binomial(1000, 0.37): sd 15.3. */
static void
test_synthetic (void)
{
  g_autoptr (MscPlane) img = NULL, breast = NULL;
  MscLesionCircle c[2];
  synthetic (&img, &breast, c);
  MscPatchParams p;
  msc_patches_params_init (&p);
  p.patch_size = 32;
  p.n_patches = 1000;
  p.lesion_share = 0.37;
  p.jitter = 1;
  MscRng rng;
  msc_rng_init (&rng, 11);
  g_autoptr (GPtrArray) many = sample_ok (&p, img, breast, c, 2, NULL, &rng);
  g_assert_cmpuint (check_patches (many, &p, img, breast, c, 2, NULL), ==, 370);
  /* Both lesions are used, about equally (Binomial(370, 0.5), sd 9.6), and
   * the jitter uses its room: lesion 0 (r 10, P 32) may move 15 - 10 = 5
   * pixels per axis, so offsets of the centre pixel reach 4 and never 6. */
  guint on_first = 0;
  double widest = 0;
  for (guint k = 0; k < many->len; k++)
    {
      const MscPatch *patch = g_ptr_array_index (many, k);
      if (patch->kind != MSC_PATCH_LESION || patch->lesion != 0)
        continue;
      on_first++;
      widest = MAX (widest, fabs (patch->x + 16 - c[0].x));
      widest = MAX (widest, fabs (patch->y + 16 - c[0].y));
    }
  g_assert_cmpfloat (widest, >=, 4);
  g_assert_cmpfloat (widest, <=, 5.5);
  g_assert_cmpuint (on_first, >, 185 - 50);
  g_assert_cmpuint (on_first, <, 185 + 50);

  p.n_patches = 1;
  guint n_lesion = 0;
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr (GPtrArray) one = sample_ok (&p, img, breast, c, 2, NULL, &rng);
      n_lesion += check_patches (one, &p, img, breast, c, 2, NULL);
    }
  g_test_message ("N = 1: %u lesion patches of 1000 (expected 370)", n_lesion);
  g_assert_cmpuint (n_lesion, >, 370 - 77);
  g_assert_cmpuint (n_lesion, <, 370 + 77);
}

/* No jitter: the patch centre pixel is the rounded lesion centre. Lesion
 * (5, 5) with P 32 -> origin 5 - 16 = -11; patch pixel (11, 11) is image
 * (0, 0), and the 11 rows/columns before it are zero padding. */
static void
test_border (void)
{
  g_autoptr (MscPlane) img = msc_plane_new (MSC_PLANE_U16, 40, 30, NULL);
  msc_plane_set_bits (img, 12);
  for (guint i = 0; i < 40 * 30; i++)
    msc_plane_u16 (img)[i] = (guint16) (1000 + i);
  MscLesionCircle c = { 5, 5, 4, 3 };
  MscPatchParams p;
  msc_patches_params_init (&p);
  p.patch_size = 32;
  p.n_patches = 4;
  p.lesion_share = 1;
  p.jitter = 0;
  MscRng rng;
  msc_rng_init (&rng, 1);
  g_autoptr (GPtrArray) out = sample_ok (&p, img, NULL, &c, 1, NULL, &rng);
  check_patches (out, &p, img, NULL, &c, 1, NULL);
  for (guint k = 0; k < out->len; k++)
    {
      const MscPatch *patch = g_ptr_array_index (out, k);
      g_assert_cmpint (patch->x, ==, -11);
      g_assert_cmpint (patch->y, ==, -11);
      g_assert_cmpuint (patch->class_id, ==, 3);
      g_assert_cmpuint (msc_plane_peek_u16 (patch->image)[11 * 32 + 11], ==, 1000);
      g_assert_cmpuint (msc_plane_peek_u16 (patch->image)[10 * 32 + 11], ==, 0);
      g_assert_cmpuint (msc_plane_get_bits (patch->image), ==, 12);
      /* (5 + 4, 5) is on the circle: patch (20, 16) is lesion, (21, 16) not. */
      g_assert_cmpuint (msc_plane_peek_u8 (patch->mask)[16 * 32 + 20], ==, 255);
      g_assert_cmpuint (msc_plane_peek_u8 (patch->mask)[16 * 32 + 21], ==, 0);
    }
}

static void
test_determinism (void)
{
  g_autoptr (MscPlane) img = NULL, breast = NULL;
  MscLesionCircle c[2];
  synthetic (&img, &breast, c);
  MscPatchParams p;
  msc_patches_params_init (&p);
  p.patch_size = 24;
  p.n_patches = 50;
  GPtrArray *runs[3];
  const guint64 seeds[3] = { 42, 42, 43 };
  for (guint r = 0; r < 3; r++)
    {
      MscRng rng;
      msc_rng_init (&rng, seeds[r]);
      runs[r] = sample_ok (&p, img, breast, c, 2, NULL, &rng);
    }
  guint same_as_other = 0;
  for (guint k = 0; k < 50; k++)
    {
      const MscPatch *a = g_ptr_array_index (runs[0], k), *b = g_ptr_array_index (runs[1], k);
      const MscPatch *o = g_ptr_array_index (runs[2], k);
      g_assert_cmpint (a->x, ==, b->x);
      g_assert_cmpint (a->y, ==, b->y);
      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpmem (msc_plane_peek_f32 (a->image), 24 * 24 * 4, msc_plane_peek_f32 (b->image), 24 * 24 * 4);
      same_as_other += a->x == o->x && a->y == o->y;
    }
  g_assert_cmpuint (same_as_other, <, 5);
  for (guint r = 0; r < 3; r++)
    g_ptr_array_unref (runs[r]);
}

/* Lesions from a mask only: a 10 x 10 square at x 40..49, y 60..69 ->
 * centre (44.5, 64.5), equal-area radius sqrt (100 / pi) = 5.64. */
static void
test_lesion_mask (void)
{
  g_autoptr (MscPlane) img = msc_plane_new (MSC_PLANE_U8, 120, 100, NULL);
  g_autoptr (MscPlane) lm = msc_plane_new (MSC_PLANE_U8, 120, 100, NULL);
  for (guint y = 0; y < 100; y++)
    for (guint x = 0; x < 120; x++)
      {
        msc_plane_u8 (img)[y * 120 + x] = (guint8) (x + y);
        if (x >= 40 && x < 50 && y >= 60 && y < 70)
          msc_plane_u8 (lm)[y * 120 + x] = 255;
      }
  MscPatchParams p;
  msc_patches_params_init (&p);
  p.patch_size = 16;
  p.n_patches = 200;
  p.mask_class_id = 7;
  MscRng rng;
  msc_rng_init (&rng, 5);
  g_autoptr (GPtrArray) out = sample_ok (&p, img, NULL, NULL, 0, lm, &rng);
  guint n = check_patches (out, &p, img, NULL, NULL, 0, lm);
  g_assert_cmpuint (n, ==, 100);
  for (guint k = 0; k < out->len; k++)
    {
      const MscPatch *patch = g_ptr_array_index (out, k);
      if (patch->kind != MSC_PATCH_LESION)
        continue;
      g_assert_cmpuint (patch->class_id, ==, 7);
      /* P 16: jitter 0.5 * (7 - 5.64) = 0.68, plus half a pixel of rounding. */
      g_assert_cmpfloat (fabs (patch->x + 8 - 44.5), <=, 1.19);
      g_assert_cmpfloat (fabs (patch->y + 8 - 64.5), <=, 1.19);
    }
  /* A tolerated overlap: background patches hold at most 10% lesion. */
  p.max_overlap = 0.1;
  g_autoptr (GPtrArray) loose = sample_ok (&p, img, NULL, NULL, 0, lm, &rng);
  check_patches (loose, &p, img, NULL, NULL, 0, lm);
}

static void
expect_error (GPtrArray *out, GError **error, gint code)
{
  g_assert_null (out);
  g_assert_error (*error, MSC_TRAIN_ERROR, code);
  g_test_message ("refused: %s", (*error)->message);
  g_clear_error (error);
}

static void
test_errors (void)
{
  g_autoptr (MscPlane) img = NULL, breast = NULL;
  MscLesionCircle c[2];
  synthetic (&img, &breast, c);
  MscRng rng;
  msc_rng_init (&rng, 9);
  GError *error = NULL;
  MscPatchParams p;
  struct { guint *u; double *d; double value; } bad[] = {
    { &p.patch_size, NULL, 0 }, { &p.patch_size, NULL, 5000 }, { &p.n_patches, NULL, 0 },
    { &p.max_tries, NULL, 0 }, { NULL, &p.lesion_share, 1.5 }, { NULL, &p.jitter, NAN },
    { NULL, &p.max_overlap, 1 }, { NULL, &p.lesion_share, -0.1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      msc_patches_params_init (&p);
      if (bad[i].u)
        *bad[i].u = (guint) bad[i].value;
      else
        *bad[i].d = bad[i].value;
      expect_error (msc_patches_sample (&p, img, breast, c, 2, NULL, &rng, &error), &error,
                    MSC_TRAIN_ERROR_INVALID);
    }
  msc_patches_params_init (&p);
  /* 4096^2 pixels * 5 bytes * 64 patches is over 4 GiB. */
  p.patch_size = 4096;
  expect_error (msc_patches_sample (&p, img, breast, c, 2, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_INVALID);
  msc_patches_params_init (&p);
  p.patch_size = 16;
  g_autoptr (MscPlane) small = msc_plane_new (MSC_PLANE_U8, 10, 10, NULL);
  g_autoptr (MscPlane) f32 = msc_plane_new (MSC_PLANE_F32, 256, 200, NULL);
  expect_error (msc_patches_sample (&p, img, small, c, 2, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_INVALID);
  expect_error (msc_patches_sample (&p, img, f32, c, 2, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_INVALID);
  expect_error (msc_patches_sample (&p, img, breast, c, 2, small, &rng, &error), &error, MSC_TRAIN_ERROR_INVALID);
  const MscLesionCircle outside[] = { { 300, 10, 5, 1 } }, zero[] = { { 10, 10, 0, 1 } },
                        nan_c[] = { { NAN, 10, 5, 1 } };
  expect_error (msc_patches_sample (&p, img, breast, outside, 1, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_INVALID);
  expect_error (msc_patches_sample (&p, img, breast, zero, 1, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_INVALID);
  expect_error (msc_patches_sample (&p, img, breast, nan_c, 1, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_INVALID);
  /* Empty breast: EMPTY when a background patch is needed, fine when all
   * patches are lesion patches. */
  g_autoptr (MscPlane) none = msc_plane_new (MSC_PLANE_U8, 256, 200, NULL);
  expect_error (msc_patches_sample (&p, img, none, c, 2, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_EMPTY);
  p.lesion_share = 1;
  g_autoptr (GPtrArray) all = sample_ok (&p, img, none, c, 2, NULL, &rng);
  g_assert_cmpuint (check_patches (all, &p, img, none, c, 2, NULL), ==, p.n_patches);
  /* A lesion covering the whole breast leaves no background place. */
  p.lesion_share = 0.5;
  p.max_tries = 50;
  const MscLesionCircle huge[] = { { 128, 100, 400, 1 } };
  expect_error (msc_patches_sample (&p, img, breast, huge, 1, NULL, &rng, &error), &error, MSC_TRAIN_ERROR_EMPTY);
  /* A lesion over most of the breast (x < 180): no 64 x 64 patch clears
   * it, so background patches are centred off it and their masks show the
   * lesion pixels they hold (MIAS mdb148 at 0.8 mm stopped training). */
  MscPatchParams q = p;
  q.patch_size = 64;
  q.lesion_share = 0;
  q.n_patches = 20;
  const MscLesionCircle big[] = { { 90, 100, 95, 1 } };
  g_autoptr (GPtrArray) rim = sample_ok (&q, img, breast, big, 1, NULL, &rng);
  for (guint i = 0; i < rim->len; i++)
    {
      MscPatch *bp = rim->pdata[i];
      g_assert_cmpint (bp->kind, ==, MSC_PATCH_BACKGROUND);
      double cx = bp->x + 32 - 90, cy = bp->y + 32 - 100;
      g_assert_cmpfloat (cx * cx + cy * cy, >, 95 * 95 - 1);
      guint lesion_px = 0;
      for (gsize k = 0; k < 64 * 64; k++)
        lesion_px += msc_plane_peek_u8 (bp->mask)[k] != 0;
      g_assert_cmpuint (lesion_px, >, 0);
    }
  /* No lesions at all: every patch is background (a normal image). */
  g_autoptr (GPtrArray) normal = sample_ok (&p, img, breast, NULL, 0, NULL, &rng);
  g_assert_cmpuint (check_patches (normal, &p, img, breast, NULL, 0, NULL), ==, 0);
  /* 1 x 1 image, 1 x 1 patches. */
  g_autoptr (MscPlane) one = msc_plane_new (MSC_PLANE_U8, 1, 1, NULL);
  msc_plane_u8 (one)[0] = 9;
  const MscLesionCircle dot[] = { { 0, 0, 0.5, 4 } };
  p.patch_size = 1;
  p.n_patches = 3;
  p.lesion_share = 1;
  g_autoptr (GPtrArray) tiny = sample_ok (&p, one, NULL, dot, 1, NULL, &rng);
  g_assert_cmpuint (check_patches (tiny, &p, one, NULL, dot, 1, NULL), ==, 3);
}

/* labels.csv circles of one MIAS image (rows top-down). */
static GArray *
mias_circles (const char *id)
{
  g_autofree char *path = msc_test_shared_path ("mias/labels.csv");
  if (path == NULL)
    return NULL;
  g_autoptr (GPtrArray) rows = msc_test_read_csv (path);
  GStrv head = g_ptr_array_index (rows, 0);
  guint ci = msc_test_csv_column (head, "id"), cx = msc_test_csv_column (head, "x");
  guint cy = msc_test_csv_column (head, "y_from_bottom"), cr = msc_test_csv_column (head, "radius");
  guint cs = msc_test_csv_column (head, "severity");
  GArray *out = g_array_new (FALSE, FALSE, sizeof (MscLesionCircle));
  for (guint i = 1; i < rows->len; i++)
    {
      GStrv f = g_ptr_array_index (rows, i);
      if (!g_str_equal (f[ci], id) || f[cx][0] == '\0')
        continue;
      MscLesionCircle c = { atof (f[cx]), 1023 - atof (f[cy]), atof (f[cr]), g_str_equal (f[cs], "M") ? 2 : 1 };
      g_array_append_val (out, c);
    }
  return out;
}

static void
check_mias (guint number, guint want_circles, MscPlaneFormat format)
{
  g_autofree char *id = g_strdup_printf ("mdb%03u", number);
  g_autoptr (GArray) circles = mias_circles (id);
  if (circles == NULL)
    return;
  g_assert_cmpuint (circles->len, ==, want_circles);
  g_autoptr (MscPlane) u8 = msc_imaging_test_mias (number);
  if (u8 == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscBreast) breast = msc_breast_segment (u8, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (MscPlane) img = msc_plane_convert (u8, format, &error);
  g_assert_no_error (error);
  MscPatchParams p;
  msc_patches_params_init (&p);
  p.n_patches = 1000;
  p.jitter = 1;
  MscRng rng;
  msc_rng_init (&rng, number);
  const MscLesionCircle *c = (const MscLesionCircle *) circles->data;
  g_autoptr (GPtrArray) out = sample_ok (&p, img, breast->mask, c, circles->len, NULL, &rng);
  guint n = check_patches (out, &p, img, breast->mask, c, circles->len, NULL);
  g_assert_cmpuint (n, ==, 500);
}

/* mdb001: CIRC benign at x 535, row 1023 - 425 = 598, radius 197 (large);
 * mdb005: two benign CIRC findings (477, 890, r 30) and (500, 855, r 26). */
static void
test_mias (void)
{
  check_mias (1, 1, MSC_PLANE_F32);
  check_mias (5, 2, MSC_PLANE_U16);
}

/* 64 patches of 128 x 128 from a 1024 x 1024 F32 image and its breast. */
static void
test_speed (void)
{
  g_autoptr (MscPlane) u8 = msc_imaging_test_mias (1);
  if (u8 == NULL)
    return;
  g_autoptr (MscBreast) breast = msc_breast_segment (u8, NULL, NULL);
  g_autoptr (MscPlane) img = msc_plane_convert (u8, MSC_PLANE_F32, NULL);
  const MscLesionCircle c = { 535, 598, 197, 1 };
  MscPatchParams p;
  msc_patches_params_init (&p);
  MscRng rng;
  msc_rng_init (&rng, 77);
  const guint runs = 20;
  gint64 t0 = g_get_monotonic_time ();
  for (guint i = 0; i < runs; i++)
    {
      g_autoptr (GPtrArray) out = sample_ok (&p, img, breast->mask, &c, 1, NULL, &rng);
      g_assert_cmpuint (out->len, ==, 64);
    }
  double ms = (g_get_monotonic_time () - t0) / 1000.0 / runs;
  g_test_message ("64 patches 128x128 from 1024x1024 F32: %.2f ms", ms);
  g_assert_cmpfloat (ms, <, 200);       /* regressions only; the target (few ms) is reported */
}

/* Background at the brightest of K positions: the synthetic image grows
 * brighter to the right (0.1 + x / 1000 in the breast, x < 180), so the
 * mean patch centre moves right: about 90 for K = 1 (uniform), about
 * 180 * 4 / 5 = 144 for K = 4 (the largest of 4 uniforms). */
/* Hard negatives: with share 1 every background patch sits on one of the
 * places (within the P/4 jitter) unless that would leave the breast or
 * touch a lesion; share 0 draws exactly what a run without places draws. */
static void
test_hard_negatives (void)
{
  g_autoptr (MscPlane) img = NULL, breast = NULL;
  MscLesionCircle c[2];
  synthetic (&img, &breast, c);
  /* (150, 40): clear tissue; (60, 70): lesion 0's centre, never usable;
   * (250, 100): outside the breast (x >= 180). */
  const MscPoint hard[] = { { 150, 40 }, { 60, 70 }, { 250, 100 } };
  MscPatchParams p;
  msc_patches_params_init (&p);
  p.patch_size = 16;
  p.n_patches = 600;
  p.lesion_share = 0;
  p.hard_points = hard;
  p.n_hard_points = 1;
  p.hard_share = 1;
  MscRng rng;
  msc_rng_init (&rng, 9);
  g_autoptr (GPtrArray) on = sample_ok (&p, img, breast, c, 2, NULL, &rng);
  check_patches (on, &p, img, breast, c, 2, NULL);
  for (guint i = 0; i < on->len; i++)
    {
      const MscPatch *patch = on->pdata[i];
      g_assert_cmpfloat (fabs (patch->x + 8 - 150.0), <=, 0.5 * 16 / 4 + 0.5);
      g_assert_cmpfloat (fabs (patch->y + 8 - 40.0), <=, 0.5 * 16 / 4 + 0.5);
    }

  /* Unusable places fall back to uniform background, still valid. */
  p.hard_points = hard + 1;
  p.n_hard_points = 2;
  msc_rng_init (&rng, 9);
  g_autoptr (GPtrArray) fallback = sample_ok (&p, img, breast, c, 2, NULL, &rng);
  check_patches (fallback, &p, img, breast, c, 2, NULL);

  /* share 0 with places == no places at all, patch for patch. */
  p.hard_points = hard;
  p.n_hard_points = 3;
  p.hard_share = 0;
  p.lesion_share = 0.5;
  msc_rng_init (&rng, 11);
  g_autoptr (GPtrArray) zero = sample_ok (&p, img, breast, c, 2, NULL, &rng);
  p.hard_points = NULL;
  p.n_hard_points = 0;
  msc_rng_init (&rng, 11);
  g_autoptr (GPtrArray) none = sample_ok (&p, img, breast, c, 2, NULL, &rng);
  for (guint i = 0; i < none->len; i++)
    {
      const MscPatch *a = zero->pdata[i], *b = none->pdata[i];
      g_assert_cmpint (a->x, ==, b->x);
      g_assert_cmpint (a->y, ==, b->y);
      g_assert_cmpint (a->kind, ==, b->kind);
    }

  MscPatchParams bad = p;
  bad.hard_share = 1.5;
  g_autoptr (GError) error = NULL;
  g_assert_null (msc_patches_sample (&bad, img, breast, c, 2, NULL, &rng, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  bad.hard_share = 0.5;
  bad.n_hard_points = 2;        /* no array */
  g_assert_null (msc_patches_sample (&bad, img, breast, c, 2, NULL, &rng, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
}

static void
test_dense_background (void)
{
  g_autoptr (MscPlane) img = NULL, breast = NULL;
  MscLesionCircle c[2];
  synthetic (&img, &breast, c);
  double mean_x[2];
  guint ks[2] = { 1, 4 };
  for (guint k = 0; k < 2; k++)
    {
      MscPatchParams p;
      msc_patches_params_init (&p);
      p.patch_size = 16;
      p.n_patches = 2000;
      p.lesion_share = 0;
      p.background_candidates = ks[k];
      MscRng rng;
      msc_rng_init (&rng, 5);
      g_autoptr (GPtrArray) out = sample_ok (&p, img, breast, c, 2, NULL, &rng);
      double sum = 0;
      for (guint i = 0; i < out->len; i++)
        sum += ((MscPatch *) out->pdata[i])->x + 8;
      mean_x[k] = sum / out->len;
    }
  g_test_message ("mean background centre x: K=1 %.1f, K=4 %.1f", mean_x[0], mean_x[1]);
  g_assert_cmpfloat (fabs (mean_x[0] - 90), <, 10);
  g_assert_cmpfloat (fabs (mean_x[1] - 144), <, 10);

  MscPatchParams bad;
  msc_patches_params_init (&bad);
  bad.background_candidates = 0;
  MscRng rng;
  msc_rng_init (&rng, 5);
  g_autoptr (GError) error = NULL;
  g_assert_null (msc_patches_sample (&bad, img, breast, c, 2, NULL, &rng, &error));
  g_assert_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/patches/synthetic", test_synthetic);
  g_test_add_func ("/train/patches/border", test_border);
  g_test_add_func ("/train/patches/determinism", test_determinism);
  g_test_add_func ("/train/patches/dense-background", test_dense_background);
  g_test_add_func ("/train/patches/hard-negatives", test_hard_negatives);
  g_test_add_func ("/train/patches/lesion-mask", test_lesion_mask);
  g_test_add_func ("/train/patches/errors", test_errors);
  g_test_add_func ("/train/patches/mias", test_mias);
  g_test_add_func ("/train/patches/speed", test_speed);
  return g_test_run ();
}
