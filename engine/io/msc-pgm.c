/* engine/io/msc-pgm.c — placeholder until the PGM reader lands. */
#include "msc-pgm.h"

MscImage *
msc_pgm_load_bytes (const guint8 *data, gsize size, const char *name,
                    const MscLoadOptions *opts, GError **error)
{
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED, "%s: PGM reader not built yet", name);
  return NULL;
}
