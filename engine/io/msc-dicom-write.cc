/* engine/io/msc-dicom-write.cc — placeholder until the DCMTK writer lands. */
#include "msc-dicom.h"

extern "C" gboolean
msc_dicom_save (const MscImage *image, const char *path, GError **error)
{
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNSUPPORTED, "%s: DICOM writer not built yet", path);
  return FALSE;
}

extern "C" char *
msc_dicom_new_uid (void)
{
  return NULL;
}
