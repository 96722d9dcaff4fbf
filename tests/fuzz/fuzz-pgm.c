/* tests/fuzz/fuzz-pgm.c — libFuzzer harness for the PGM reader.
 * Any input must give an image or an error; sanitizers catch the rest. */
#include "msc-pgm.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  /* A lower limit than the default keeps each run fast; the limit check
   * itself is what matters here, not decoding giant images. */
  MscLoadOptions opts = { .max_dimension = 4096 };
  GError *error = NULL;
  MscImage *image = msc_pgm_load_bytes (data, size, "fuzz.pgm", &opts, &error);
  g_assert ((image == NULL) != (error == NULL));
  msc_image_unref (image);
  g_clear_error (&error);
  return 0;
}
