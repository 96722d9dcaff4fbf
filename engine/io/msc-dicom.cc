/* engine/io/msc-dicom.cc — placeholder until the DCMTK reader lands. */
#include "msc-dicom.h"

extern "C" MscImage *
msc_dicom_load (const char *path, const MscLoadOptions *opts, GError **error)
{
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED, "%s: DICOM reader not built yet", path);
  return NULL;
}

extern "C" MscImage *
msc_dicom_load_bytes (const guint8 *data, gsize size, const char *name,
                      const MscLoadOptions *opts, GError **error)
{
  return msc_dicom_load (name, opts, error);
}

extern "C" const char *
msc_dicom_transfer_syntax_name (const char *uid)
{
  return uid;
}
