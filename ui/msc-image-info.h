/* ui/msc-image-info.h — what the viewer knows about one image, as label/value rows.
 *
 * Laterality, view, size, bits, spacing and its source, manufacturer, modality,
 * photometric, format and transfer syntax, presentation intent, study date and
 * description, loader notes; a warning banner when laterality was inferred or
 * the image is FOR PROCESSING. Patient identifiers are never shown here.
 */
#pragma once

#include <gtk/gtk.h>

#include "msc-image.h"

G_BEGIN_DECLS

#define MSC_TYPE_IMAGE_INFO (msc_image_info_get_type ())
G_DECLARE_FINAL_TYPE (MscImageInfo, msc_image_info, MSC, IMAGE_INFO, GtkWidget)

GtkWidget *msc_image_info_new       (void);
void       msc_image_info_set_image (MscImageInfo *self, MscImage *image);  /* (nullable) takes a ref */
MscImage  *msc_image_info_get_image (MscImageInfo *self);                   /* (transfer none) (nullable) */
/* TRUE when the warning banner is shown (inferred laterality or FOR PROCESSING). */
gboolean   msc_image_info_get_banner_visible (MscImageInfo *self);
/* Property: "image". */

G_END_DECLS
