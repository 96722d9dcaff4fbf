/* engine/io/msc-phantom.c — placeholder until the phantom generator lands. */
#include "msc-phantom.h"
#include "msc-io-error.h"

gboolean
msc_phantom_write_study (const char *out_dir, const MscPhantomOptions *opts, GError **error)
{
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED, "phantom generator not built yet");
  return FALSE;
}
