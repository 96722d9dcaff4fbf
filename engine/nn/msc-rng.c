/* engine/nn/msc-rng.c — xoshiro256** (Blackman and Vigna, 2018) with a
 * splitmix64 seeder, Box-Muller normals and unbiased bounded integers.
 */
#include "msc-rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
msc_rng_init (MscRng *rng, guint64 seed)
{
  /* splitmix64 never yields an all-zero xoshiro state from any seed. */
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
  rng->spare = 0.0;
  rng->has_spare = FALSE;
}

guint64
msc_rng_next_u64 (MscRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
msc_rng_uniform (MscRng *rng)
{
  return (float) (msc_rng_next_u64 (rng) >> 40) * 0x1.0p-24f;
}

double
msc_rng_uniform_double (MscRng *rng)
{
  return (double) (msc_rng_next_u64 (rng) >> 11) * 0x1.0p-53;
}

float
msc_rng_normal (MscRng *rng, float mean, float std)
{
  if (rng->has_spare)
    {
      rng->has_spare = FALSE;
      return mean + std * (float) rng->spare;
    }
  /* u1 in (0, 1] so that log never sees 0. */
  double u1 = 1.0 - msc_rng_uniform_double (rng);
  double u2 = msc_rng_uniform_double (rng);
  double r = sqrt (-2.0 * log (u1));
  double theta = 2.0 * G_PI * u2;
  rng->spare = r * sin (theta);
  rng->has_spare = TRUE;
  return mean + std * (float) (r * cos (theta));
}

gboolean
msc_rng_bernoulli (MscRng *rng, float p)
{
  if (p <= 0.0f)
    return FALSE;
  if (p >= 1.0f)
    return TRUE;
  return msc_rng_uniform (rng) < p;
}

guint64
msc_rng_below (MscRng *rng, guint64 n)
{
  g_return_val_if_fail (n >= 1, 0);
  /* Rejection of the top partial block keeps every value equally likely. */
  guint64 limit = G_MAXUINT64 - (G_MAXUINT64 % n);
  guint64 x;
  do
    x = msc_rng_next_u64 (rng);
  while (x >= limit);
  return x % n;
}
