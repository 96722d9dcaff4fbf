/* engine/io/msc-load.c — pick a reader by content, never by file name.
 *
 * A mammogram called "image.png" may well be DICOM; sniffing the first
 * bytes is cheap and avoids handing a reader a format it cannot parse.
 */
#include "msc-load.h"
#include "msc-dicom.h"
#include "msc-png.h"
#include "msc-pgm.h"
#include "msc-i18n.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

/* PNG and PGM files are read whole; a 16384 x 16384 16-bit raw image is
 * 512 MiB, so anything far beyond that is not an image we would accept. */
#define MAX_FILE_BYTES ((gsize) 1 << 30)

typedef enum { FORMAT_UNKNOWN, FORMAT_PNG, FORMAT_PGM, FORMAT_DICOM } Format;

static Format
sniff (const guint8 *head, gsize n)
{
  static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  if (n >= 8 && memcmp (head, png_signature, 8) == 0)
    return FORMAT_PNG;
  if (n >= 3 && head[0] == 'P' && (head[1] == '2' || head[1] == '5') &&
      g_ascii_isspace (head[2]))
    return FORMAT_PGM;
  if (n >= 132 && memcmp (head + 128, "DICM", 4) == 0)
    return FORMAT_DICOM;
  /* A DICOM data set without preamble starts with a group 0002 or 0008
   * element; DCMTK decides the rest. */
  if (n >= 4 && ((head[0] == 0x02 && head[1] == 0x00) || (head[0] == 0x08 && head[1] == 0x00) ||
                 (head[0] == 0x00 && head[1] == 0x08) || (head[0] == 0x00 && head[1] == 0x02)))
    return FORMAT_DICOM;
  return FORMAT_UNKNOWN;
}

MscImage *
msc_image_load_bytes (const guint8 *data, gsize size, const char *name,
                      const MscLoadOptions *opts, GError **error)
{
  switch (sniff (data, size))
    {
    case FORMAT_PNG:   return msc_png_load_bytes (data, size, name, opts, error);
    case FORMAT_PGM:   return msc_pgm_load_bytes (data, size, name, opts, error);
    case FORMAT_DICOM: return msc_dicom_load_bytes (data, size, name, opts, error);
    case FORMAT_UNKNOWN:
    default:
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNKNOWN_FORMAT,
                   _("%s: not a DICOM, PNG or PGM file"), name);
      return NULL;
    }
}

MscImage *
msc_image_load (const char *path, const MscLoadOptions *opts, GError **error)
{
  FILE *file = g_fopen (path, "rb");
  if (file == NULL)
    {
      int saved = errno;
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  guint8 head[132];
  gsize n = fread (head, 1, sizeof head, file);
  fclose (file);

  switch (sniff (head, n))
    {
    case FORMAT_DICOM:
      /* DCMTK reads from the file itself: no copy of a large object. */
      return msc_dicom_load (path, opts, error);
    case FORMAT_PNG:
    case FORMAT_PGM:
      break;
    case FORMAT_UNKNOWN:
    default:
      if (n == 0)
        g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED, _("%s: file is empty"), path);
      else
        g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_UNKNOWN_FORMAT,
                     _("%s: not a DICOM, PNG or PGM file"), path);
      return NULL;
    }

  GStatBuf st;
  if (g_stat (path, &st) == 0 && (guint64) st.st_size > MAX_FILE_BYTES)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE,
                   _("%s: file is %lu bytes, above the 1 GiB limit"),
                   path, (gulong) st.st_size);
      return NULL;
    }
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s", local->message);
      return NULL;
    }
  return msc_image_load_bytes ((const guint8 *) contents, length, path, opts, error);
}
