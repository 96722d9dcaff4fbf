/* engine/io/msc-dicom-header.h — a DICOM file's header as a tree of printable elements.
 *
 * For the header browser and for debugging odd files: the file meta group and the
 * data set are read without the pixel data (large values stay on disk) and every
 * element becomes tag, VR, dictionary keyword and a short UTF-8 value. Sequences
 * keep their items. Hostile files are bounded (nesting depth, element count).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Nesting limit (sequences inside sequences) and total element limit; past the
 * latter one "(truncated)" element ends the list. */
#define MSC_DICOM_HEADER_MAX_DEPTH    16
#define MSC_DICOM_HEADER_MAX_ELEMENTS 50000
/* Values are cut to about this many characters (on a UTF-8 boundary, then "…"). */
#define MSC_DICOM_HEADER_MAX_VALUE    256

typedef struct _MscDicomElement MscDicomElement;
struct _MscDicomElement {
  guint16 group, element;
  char vr[3];          /* "PN", "SQ"... */
  char *keyword;       /* dictionary keyword ("PatientName"), or "Private"/"Unknown" */
  char *value;         /* printable UTF-8, at most ~256 characters; binary values as "(N bytes)" */
  GPtrArray *items;    /* (nullable) SQ only: one GPtrArray of MscDicomElement* per item */
};

/* Reads path's file meta group then its data set, in file order. Pixel Data
 * shows as "(N bytes, not shown)". Returns (transfer full) a GPtrArray of
 * MscDicomElement* that frees its elements, or NULL with MSC_IO_ERROR set
 * (the message starts with the path). */
GPtrArray *msc_dicom_read_header  (const char *path, GError **error);
void       msc_dicom_element_free (MscDicomElement *element);         /* NULL-safe */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MscDicomElement, msc_dicom_element_free)

G_END_DECLS
