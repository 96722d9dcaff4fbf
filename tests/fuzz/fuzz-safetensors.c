/* tests/fuzz/fuzz-safetensors.c — libFuzzer harness for the safetensors
 * reader. Any input must give weights or an error; sanitizers catch the rest. */
#include "msc-safetensors.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const guint8 empty[1];
  GError *error = NULL;
  MscSafetensors *st = msc_safetensors_load_bytes (size ? data : empty, size, "fuzz.safetensors", &error);
  g_assert ((st == NULL) != (error == NULL));
  if (st != NULL)
    {
      /* Touch every tensor so a view past the block would show. */
      for (const char * const *name = msc_safetensors_get_names (st); *name; name++)
        {
          MscTensor *t = msc_safetensors_get (st, *name);
          volatile float sink = msc_tensor_data (t)[msc_tensor_numel (t) - 1];
          (void) sink;
        }
    }
  msc_safetensors_free (st);
  g_clear_error (&error);
  return 0;
}
