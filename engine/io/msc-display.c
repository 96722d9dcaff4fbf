/* engine/io/msc-display.c — placeholder until display rendering lands. */
#include "msc-display.h"

void
msc_display_default_window (const MscImage *image, MscWindow *out)
{
  *out = (MscWindow) { 2048, 4096, MSC_VOI_LINEAR, NULL };
}

guint8 *
msc_display_render (const MscImage *image, const MscWindow *window)
{
  return g_malloc0 ((gsize) msc_image_get_width (image) * msc_image_get_height (image));
}

double
msc_display_apply_window (const MscWindow *window, double value)
{
  return 0;
}
