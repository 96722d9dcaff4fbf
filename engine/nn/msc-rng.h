/* engine/nn/msc-rng.h — seeded pseudo-random numbers for dropout, init and
 * augmentation: xoshiro256** seeded through splitmix64. The state is a small
 * value the caller owns (embed it, copy it into a checkpoint); no globals, so
 * training is reproducible from a seed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Public so that it can live on the stack or inside a trainer and be saved
 * byte for byte; treat the fields as private. */
typedef struct {
  guint64 s[4];
  double spare;           /* second Box-Muller value, valid when has_spare */
  gboolean has_spare;
} MscRng;

void    msc_rng_init      (MscRng *rng, guint64 seed);
guint64 msc_rng_next_u64  (MscRng *rng);
/* Uniform in [0, 1), 24 random bits (every value exactly representable). */
float   msc_rng_uniform   (MscRng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double  msc_rng_uniform_double (MscRng *rng);
/* Normal(mean, std) by Box-Muller; the second value of each pair is kept. */
float   msc_rng_normal    (MscRng *rng, float mean, float std);
/* TRUE with probability p (p <= 0: never, p >= 1: always). */
gboolean msc_rng_bernoulli (MscRng *rng, float p);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
guint64 msc_rng_below     (MscRng *rng, guint64 n);

G_END_DECLS
