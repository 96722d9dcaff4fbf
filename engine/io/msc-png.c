/* engine/io/msc-png.c — placeholder until the libpng reader lands. */
#include "msc-png.h"

MscImage *
msc_png_load_bytes (const guint8 *data, gsize size, const char *name,
                    const MscLoadOptions *opts, GError **error)
{
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED, "%s: PNG reader not built yet", name);
  return NULL;
}

MscImage *
msc_png_load (const char *path, const MscLoadOptions *opts, GError **error)
{
  return msc_png_load_bytes (NULL, 0, path, opts, error);
}

gboolean
msc_png_save_grey (const char *path, guint width, guint height, guint bit_depth,
                   const guint8 *pixels8, const guint16 *pixels16, GError **error)
{
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED, "%s: PNG writer not built yet", path);
  return FALSE;
}
