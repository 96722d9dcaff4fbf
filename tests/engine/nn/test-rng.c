/* tests/engine/nn/test-rng.c — MscRng: reproducible from a seed, seeds
 * differ, and uniform / normal / Bernoulli / bounded draws have the right
 * moments (bounds at about 5 standard errors: deterministic, not flaky).
 */
#include "msc-rng.h"

#include <math.h>

#define M 100000

static void
test_deterministic (void)
{
  MscRng a, b, c;
  msc_rng_init (&a, 42);
  msc_rng_init (&b, 42);
  msc_rng_init (&c, 43);
  gboolean differs = FALSE;
  for (int i = 0; i < 1000; i++)
    {
      guint64 x = msc_rng_next_u64 (&a);
      g_assert_cmpuint (x, ==, msc_rng_next_u64 (&b));
      differs |= x != msc_rng_next_u64 (&c);
    }
  g_assert_true (differs);
  /* Seed 0 is a valid seed (splitmix64 never gives an all-zero state). */
  msc_rng_init (&a, 0);
  g_assert_cmpuint (msc_rng_next_u64 (&a) | msc_rng_next_u64 (&a), !=, 0);
  /* The state is a plain value: a copy continues identically. */
  MscRng copy = b;
  g_assert_cmpfloat (msc_rng_normal (&copy, 0, 1), ==, msc_rng_normal (&b, 0, 1));
  g_assert_cmpfloat (msc_rng_normal (&copy, 0, 1), ==, msc_rng_normal (&b, 0, 1));
}

static void
test_uniform (void)
{
  MscRng r;
  msc_rng_init (&r, 1);
  double s = 0, s2 = 0;
  for (int i = 0; i < M; i++)
    {
      float u = msc_rng_uniform (&r);
      g_assert_true (u >= 0.0f && u < 1.0f);
      s += u;
      s2 += (double) u * u;
    }
  double mean = s / M, var = s2 / M - mean * mean;
  g_assert_cmpfloat (fabs (mean - 0.5), <, 5 * sqrt (1.0 / 12 / M));
  g_assert_cmpfloat (fabs (var - 1.0 / 12), <, 0.002);
}

static void
test_normal (void)
{
  MscRng r;
  msc_rng_init (&r, 2);
  double s = 0, s2 = 0;
  int beyond2 = 0;
  for (int i = 0; i < M; i++)
    {
      float z = msc_rng_normal (&r, 3.0f, 2.0f);
      g_assert_true (isfinite (z));
      s += z;
      s2 += (double) z * z;
      beyond2 += fabs ((z - 3.0) / 2.0) > 2.0;
    }
  double mean = s / M, var = s2 / M - mean * mean;
  g_assert_cmpfloat (fabs (mean - 3.0), <, 5 * 2.0 / sqrt (M));
  g_assert_cmpfloat (fabs (var - 4.0), <, 0.1);
  /* P(|Z| > 2) = 0.0455. */
  g_assert_cmpfloat (fabs ((double) beyond2 / M - 0.0455), <, 0.004);
}

static void
test_bernoulli_below (void)
{
  MscRng r;
  msc_rng_init (&r, 3);
  int hits = 0, counts[7] = { 0 };
  for (int i = 0; i < M; i++)
    {
      hits += msc_rng_bernoulli (&r, 0.3f);
      guint64 k = msc_rng_below (&r, 7);
      g_assert_cmpuint (k, <, 7);
      counts[k]++;
    }
  g_assert_cmpfloat (fabs ((double) hits / M - 0.3), <, 5 * sqrt (0.21 / M));
  for (int k = 0; k < 7; k++)
    g_assert_cmpfloat (fabs (counts[k] / (double) M - 1.0 / 7), <, 0.006);
  g_assert_false (msc_rng_bernoulli (&r, 0.0f));
  g_assert_true (msc_rng_bernoulli (&r, 1.0f));
  g_assert_cmpuint (msc_rng_below (&r, 1), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/rng/deterministic", test_deterministic);
  g_test_add_func ("/nn/rng/uniform", test_uniform);
  g_test_add_func ("/nn/rng/normal", test_normal);
  g_test_add_func ("/nn/rng/bernoulli-below", test_bernoulli_below);
  return g_test_run ();
}
