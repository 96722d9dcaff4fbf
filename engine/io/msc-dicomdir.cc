/* engine/io/msc-dicomdir.cc — list the image files a DICOMDIR references.
 *
 * A DICOMDIR (PS3.10 media directory) is untrusted input: referenced file
 * IDs are checked so none can point outside the folder it describes.
 */
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include "msc-dicom-private.h"
#include "msc-io-error.h"
#include "msc-i18n.h"

#include <string.h>

#include <exception>

namespace {

/* A directory with more records than this is not one we should trust. */
const unsigned long MAX_RECORDS = 1000000;

/* "DIR1\IMG001" -> "base/DIR1/IMG001", or NULL when a component could
 * escape the DICOMDIR's folder. */
char *
resolve_file_id (const char *base, const OFString &file_id)
{
  g_auto (GStrv) parts = g_strsplit (file_id.c_str (), "\\", 0);
  if (parts[0] == NULL)
    return NULL;
  GString *path = g_string_new (base);
  for (guint i = 0; parts[i]; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0 ||
          strchr (parts[i], '/') != NULL)
        {
          g_string_free (path, TRUE);
          return NULL;
        }
      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, parts[i]);
    }
  return g_string_free (path, FALSE);
}

GPtrArray *
list_impl (const char *path, GError **error)
{
  DcmFileFormat file;
  OFCondition cond = file.loadFile (path);
  if (cond.bad ())
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: not a readable DICOMDIR: %s"),
                   path, cond.text ());
      return NULL;
    }
  DcmSequenceOfItems *records = NULL;
  if (file.getDataset ()->findAndGetSequence (DCM_DirectoryRecordSequence, records).bad () ||
      records == NULL)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("%s: no Directory Record Sequence, not a DICOMDIR"), path);
      return NULL;
    }
  if (records->card () > MAX_RECORDS)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE, _("%s: %lu directory records"),
                   path, (unsigned long) records->card ());
      return NULL;
    }

  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_canonicalize_filename (dir, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  for (unsigned long i = 0; i < records->card (); i++)
    {
      DcmItem *record = records->getItem (i);
      OFString type, file_id;
      if (record->findAndGetOFString (DCM_DirectoryRecordType, type).bad () || type != "IMAGE")
        continue;
      if (record->findAndGetOFStringArray (DCM_ReferencedFileID, file_id).bad ())
        continue;
      char *resolved = resolve_file_id (base, file_id);
      if (resolved == NULL)
        {
          g_debug ("%s: record %lu has an unsafe file ID, skipped", path, i);
          continue;
        }
      g_ptr_array_add (files, resolved);
    }
  return files;
}

} // namespace

extern "C" GPtrArray *
msc_dicomdir_list_files (const char *path, GError **error)
{
  try
    {
      return list_impl (path, error);
    }
  catch (const std::exception &e)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, e.what ());
    }
  catch (...)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, _("%s: unexpected error"), path);
    }
  return NULL;
}
