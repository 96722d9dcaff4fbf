/* engine/io/msc-dicom-header.cc — a DICOM file's elements as printable text, for the header browser.
 *
 * DCMTK parses the whole file but keeps values above a few KiB on disk, so the
 * pixel data is never read; every element becomes tag, VR, keyword and a short
 * UTF-8 value. Nothing C++ escapes: exceptions and OFConditions become MSC_IO_ERROR.
 */
#include "msc-dicom-header.h"
#include "msc-io-error.h"
#include "msc-i18n.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/oflog/oflog.h>

#include <glib/gstdio.h>
#include <exception>
#include <new>

/* Values longer than this stay on disk while parsing (DCMTK's lazy loading). */
#define LAZY_BYTES 4096
/* Text values longer than this are not loaded even when asked for: a hostile
 * file can declare a 1 GiB UT, and we only ever show ~256 characters. */
#define MAX_TEXT_BYTES 65536
/* Same bound as the image reader: keeps offsets inside DCMTK's 32-bit lengths. */
#define MAX_FILE_BYTES ((guint64) 2 << 30)

namespace {

struct Walk {
  const char *path;
  E_TransferSyntax xfer;
  guint n_elements;
  gboolean truncated;
};

gpointer
setup_dcmtk (gpointer)
{
  /* DCMTK logs parse warnings to stderr; callers get a GError instead. */
  OFLog::configure (OFLogger::OFF_LOG_LEVEL);
  return NULL;
}

/* value as printable UTF-8: invalid bytes replaced, control characters as
 * spaces, at most MSC_DICOM_HEADER_MAX_VALUE characters then "…". */
char *
printable (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  GString *out = g_string_new (NULL);
  guint n = 0;
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      if (n == MSC_DICOM_HEADER_MAX_VALUE)
        {
          g_string_append (out, "…");
          break;
        }
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  /* DICOM pads strings to even length with spaces (or NUL for UI). */
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

gboolean
is_binary_vr (DcmEVR vr)
{
  switch (vr)
    {
    case EVR_OB: case EVR_OW: case EVR_OF: case EVR_OD: case EVR_OL: case EVR_OV:
    case EVR_UN: case EVR_ox: case EVR_px: case EVR_lt: case EVR_UNKNOWN: case EVR_UNKNOWN2B:
      return TRUE;
    default:
      return FALSE;
    }
}

char *
keyword_for (DcmTag tag)
{
  if (tag.getGTag () & 1)
    return g_strdup ("Private");
  const char *name = tag.getTagName ();
  if (name == NULL || *name == '\0' || strcmp (name, DcmTag_ERROR_TagName) == 0)
    return g_strdup ("Unknown");
  return g_strdup (name);
}

/* Pixel Data: its size only. Encapsulated data has no length of its own, so
 * the fragments are counted (their values stay on disk). */
char *
pixel_data_value (DcmElement *el, const Walk &w)
{
  Uint32 length = el->getLengthField ();
  DcmPixelSequence *seq = NULL;
  if (el->ident () == EVR_PixelData && DcmXfer (w.xfer).isEncapsulated () &&
      OFstatic_cast (DcmPixelData *, el)->getEncapsulatedRepresentation (w.xfer, NULL, seq).good () &&
      seq != NULL)
    {
      guint64 bytes = 0;
      unsigned long n = seq->card ();
      for (unsigned long i = 0; i < n; i++)
        {
          DcmPixelItem *item = NULL;
          if (seq->getItem (item, i).good () && item != NULL)
            bytes += item->getLengthField ();
        }
      /* Plain %lu: a msgid spliced with G_GUINT64_FORMAT never reaches the catalog. */
      return g_strdup_printf (_("(%lu bytes in %lu fragments, not shown)"), (unsigned long) bytes, n);
    }
  return g_strdup_printf (_("(%lu bytes, not shown)"), (unsigned long) length);
}

char *
element_value (DcmElement *el, const Walk &w)
{
  const DcmTag &tag = el->getTag ();
  if (tag == DCM_PixelData)
    return pixel_data_value (el, w);
  Uint32 length = el->getLengthField ();
  if (is_binary_vr (el->ident ()) || is_binary_vr (tag.getEVR ()))
    return g_strdup_printf (_("(%lu bytes)"), (unsigned long) length);
  if (length > MAX_TEXT_BYTES)
    return g_strdup_printf (_("(%lu bytes, not shown)"), (unsigned long) length);
  OFString text;
  if (el->getOFStringArray (text, OFTrue).bad ())
    return g_strdup_printf (_("(%lu bytes, unreadable)"), (unsigned long) length);
  return printable (text.c_str ());
}

MscDicomElement *
element_new (const DcmTag &tag)
{
  MscDicomElement *e = g_new0 (MscDicomElement, 1);
  e->group = tag.getGTag ();
  e->element = tag.getETag ();
  /* Internal VRs ("ox", "xs", "up") print as the real ones they stand for. */
  const char *vr = DcmVR (tag.getEVR ()).getValidVRName ();
  g_strlcpy (e->vr, vr != NULL && strlen (vr) == 2 ? vr : "UN", sizeof e->vr);
  e->keyword = keyword_for (tag);
  return e;
}

MscDicomElement *
truncated_element (void)
{
  MscDicomElement *e = g_new0 (MscDicomElement, 1);
  e->group = 0xFFFF;
  e->element = 0xFFFF;
  g_strlcpy (e->vr, "UN", sizeof e->vr);
  e->keyword = g_strdup ("Unknown");
  e->value = g_strdup ("(truncated)");
  return e;
}

GPtrArray *walk_item (DcmItem *item, Walk &w, guint depth);

void
walk_sequence (DcmSequenceOfItems *sq, MscDicomElement *e, Walk &w, guint depth)
{
  unsigned long n = sq->card ();
  if (depth >= MSC_DICOM_HEADER_MAX_DEPTH)
    {
      /* Hostile nesting: say so instead of recursing further. */
      e->value = g_strdup_printf (_("(%lu items, nested deeper than %d levels: not shown)"),
                                  n, MSC_DICOM_HEADER_MAX_DEPTH);
      return;
    }
  e->value = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "(%lu item)", "(%lu items)", n), n);
  e->items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (unsigned long i = 0; i < n && !w.truncated; i++)
    g_ptr_array_add (e->items, walk_item (sq->getItem (i), w, depth + 1));
}

/* One data set or sequence item; children in file order. */
GPtrArray *
walk_item (DcmItem *item, Walk &w, guint depth)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_dicom_element_free);
  unsigned long n = item != NULL ? item->card () : 0;
  for (unsigned long i = 0; i < n; i++)
    {
      if (w.truncated)
        break;
      if (w.n_elements >= MSC_DICOM_HEADER_MAX_ELEMENTS)
        {
          w.truncated = TRUE;
          g_ptr_array_add (out, truncated_element ());
          break;
        }
      DcmElement *el = item->getElement (i);
      if (el == NULL)
        continue;
      w.n_elements++;
      MscDicomElement *e = element_new (el->getTag ());
      g_ptr_array_add (out, e);
      if (el->ident () == EVR_SQ)
        walk_sequence (OFstatic_cast (DcmSequenceOfItems *, el), e, w, depth);
      else
        e->value = element_value (el, w);
    }
  return out;
}

gboolean
check_condition (OFCondition cond, const char *path, GError **error)
{
  if (cond.good ())
    return TRUE;
  if (cond == EC_StreamNotifyClient || cond == EC_PrematureSequDelimitationItem)
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED,
                 _("%s: file ends before the data it declares (%s)"), path, cond.text ());
  else
    g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                 _("%s: not a readable DICOM file (%s)"), path, cond.text ());
  return FALSE;
}

gboolean
check_file (const char *path, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, _("%s: not a regular file"), path);
      return FALSE;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: file is empty"), path);
      return FALSE;
    }
  if ((guint64) st.st_size > MAX_FILE_BYTES)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_TOO_LARGE, _("%s: file is larger than 2 GiB"), path);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
read_header (const char *path, GError **error)
{
  if (!check_file (path, error))
    return NULL;
  static GOnce once = G_ONCE_INIT;
  g_once (&once, setup_dcmtk, NULL);

  DcmFileFormat ff;
  OFCondition cond = ff.loadFile (path, EXS_Unknown, EGL_noChange, LAZY_BYTES, ERM_autoDetect);
  if (!check_condition (cond, path, error))
    return NULL;
  DcmMetaInfo *meta = ff.getMetaInfo ();
  DcmDataset *ds = ff.getDataset ();
  if (ds == NULL || ds->card () == 0)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: no DICOM data set"), path);
      return NULL;
    }
  Walk w = { path, ds->getOriginalXfer (), 0, FALSE };
  g_autoptr(GPtrArray) out = walk_item (meta, w, 0);
  g_ptr_array_extend_and_steal (out, walk_item (ds, w, 0));
  return g_steal_pointer (&out);
}

void
set_internal_error (const char *path, const char *what, GError **error)
{
  if (error != NULL && *error != NULL)
    g_clear_error (error);
  g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID, _("%s: DICOM reader failed (%s)"), path, what);
}

} // namespace

extern "C" GPtrArray *
msc_dicom_read_header (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  try
    {
      return read_header (path, error);
    }
  catch (const std::bad_alloc &)
    {
      set_internal_error (path, "out of memory", error);
    }
  catch (const std::exception &e)
    {
      set_internal_error (path, e.what (), error);
    }
  catch (...)
    {
      set_internal_error (path, "unexpected exception", error);
    }
  return NULL;
}

extern "C" void
msc_dicom_element_free (MscDicomElement *element)
{
  if (element == NULL)
    return;
  g_free (element->keyword);
  g_free (element->value);
  g_clear_pointer (&element->items, g_ptr_array_unref);
  g_free (element);
}
