/* ui/msc-header-browser.h — the DICOM tag tree of one image, with a search entry.
 *
 * Reads the header of the image's file on a worker thread (msc_dicom_read_header)
 * and shows Tag, Keyword, VR and Value columns; sequences expand. Images that
 * are not DICOM get a placeholder saying so; read errors are shown inline.
 */
#pragma once

#include <gtk/gtk.h>

#include "msc-image.h"

G_BEGIN_DECLS

#define MSC_TYPE_HEADER_BROWSER (msc_header_browser_get_type ())
G_DECLARE_FINAL_TYPE (MscHeaderBrowser, msc_header_browser, MSC, HEADER_BROWSER, GtkWidget)

GtkWidget *msc_header_browser_new       (void);
/* (nullable) takes a ref; starts reading the header in the background and
 * drops any read still running for the previous image. */
void       msc_header_browser_set_image (MscHeaderBrowser *self, MscImage *image);
MscImage  *msc_header_browser_get_image (MscHeaderBrowser *self);   /* (transfer none) (nullable) */
/* (transfer none) the text filter, "" when none. Setting it also sets the
 * search entry and filters at once (typing in the entry filters after a pause). */
const char *msc_header_browser_get_filter (MscHeaderBrowser *self);
void        msc_header_browser_set_filter (MscHeaderBrowser *self, const char *text);
/* TRUE while a header read is running. */
gboolean    msc_header_browser_get_loading (MscHeaderBrowser *self);
/* (transfer none) (nullable) the text shown instead of the tree: the
 * "not DICOM" placeholder or a read error; NULL while the tree is shown. */
const char *msc_header_browser_get_message (MscHeaderBrowser *self);
/* The rows the tree shows now (filtered, expanded ones included): n and
 * one row as "TAG\tKEYWORD\tVR\tVALUE" (transfer full), e.g.
 * "(0008,0060)\tModality\tCS\tMG"; sequence items as "Item 1". */
guint       msc_header_browser_get_n_rows (MscHeaderBrowser *self);
char       *msc_header_browser_dup_row    (MscHeaderBrowser *self, guint position);
/* Properties: "image", "filter" (string), "loading" (bool, read-only), "message" (string, read-only).
 * Signal "loaded" (): the header of the current image was read (or failed) and is shown. */

G_END_DECLS
