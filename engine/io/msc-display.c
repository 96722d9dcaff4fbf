/* engine/io/msc-display.c — stored values to 8-bit display grey.
 *
 * Every render builds a table with one entry per possible stored value
 * (2^bits_stored, at most 65536) and then maps the image through it, so a
 * 4096 x 5600 mammogram costs one table fill plus one load per pixel.
 */
#include "msc-display.h"

#include <math.h>

/* Below this a window is a step at its centre: LINEAR divides by w - 1 and
 * the other two by w (PS3.3 requires w >= 1, resp. w > 0; files disagree). */
static double
step (double center, double value)
{
  return value <= center ? 0.0 : 255.0;
}

/* DICOM PS3.3 C.11.2.1.2.1, output range 0..255. */
static double
window_linear (double c, double w, double x)
{
  if (w < 1)
    return step (c - 0.5, x);
  double half = (w - 1) / 2;
  if (x <= c - 0.5 - half)
    return 0.0;
  if (x > c - 0.5 + half)
    return 255.0;
  /* w == 1 never gets here: the two tests above cover every x. */
  return ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.0;
}

/* C.11.2.1.3.2: LINEAR_EXACT, no half-pixel shifts. */
static double
window_linear_exact (double c, double w, double x)
{
  if (w <= 0)
    return step (c, x);
  return CLAMP (((x - c) / w + 0.5) * 255.0, 0.0, 255.0);
}

/* C.11.2.1.3.1: SIGMOID. exp() overflowing to +inf gives 0, as it should. */
static double
window_sigmoid (double c, double w, double x)
{
  if (w <= 0)
    return step (c, x);
  return 255.0 / (1.0 + exp (-4.0 * (x - c) / w));
}

double
msc_display_apply_window (const MscWindow *window, double value)
{
  switch (window->function)
    {
    case MSC_VOI_LINEAR_EXACT:
      return window_linear_exact (window->center, window->width, value);
    case MSC_VOI_SIGMOID:
      return window_sigmoid (window->center, window->width, value);
    case MSC_VOI_LINEAR:
    default:
      return window_linear (window->center, window->width, value);
    }
}

/* Without a preset the window spans the stored values present, as
 * LINEAR_EXACT with centre (min + max) / 2 and width max - min: then min
 * shows as exactly 0 and max as exactly 255 (LINEAR's half-pixel shift
 * would leave max at 254.x). A flat image gets width 1 and shows mid grey.
 * A preset's explanation is lent: it lives as long as the image. */
void
msc_display_default_window (const MscImage *image, MscWindow *out)
{
  if (msc_image_get_n_windows (image) > 0)
    {
      *out = *msc_image_get_window (image, 0);
      return;
    }
  /* No preset: show the whole stored range, so 8-bit PNGs and PGMs look
   * exactly as written and nothing is hidden. LINEAR_EXACT over 0..top
   * maps 0 to black and top to white. Contrast stretching is a viewer
   * action, not a silent default. */
  double top = (double) ((1u << msc_image_get_bits_stored (image)) - 1);
  *out = (MscWindow) {
    .center = top / 2.0,
    .width = MAX (top, 1.0),
    .function = MSC_VOI_LINEAR_EXACT,
    .explanation = NULL,
  };
}

static guint8
round_grey (double y)
{
  if (!(y > 0.0))               /* also NaN from a nonsense window */
    return 0;
  if (y >= 255.0)
    return 255;
  return (guint8) (y + 0.5);
}

static void
fill_from_window (guint8 *lut, gsize n, const MscWindow *window)
{
  for (gsize v = 0; v < n; v++)
    lut[v] = round_grey (msc_display_apply_window (window, (double) v));
}

/* PS3.3 C.11.2.1.1: values below first_mapped take the first entry, above
 * the last take the last; entries scale from 0..2^bits-1 to 0..255. */
static void
fill_from_voi_lut (guint8 *lut, gsize n, const MscVoiLut *voi)
{
  guint bits = CLAMP (voi->bits, 1u, 16u);
  double scale = 255.0 / (double) ((1u << bits) - 1);
  for (gsize v = 0; v < n; v++)
    {
      gint64 index = (gint64) v - voi->first_mapped;
      index = CLAMP (index, 0, (gint64) voi->n_entries - 1);
      lut[v] = round_grey (voi->data[index] * scale);
    }
}

void
msc_display_fill_lut (const MscImage *image, const MscWindow *window, guint8 *lut, gsize n_lut)
{
  const MscVoiLut *voi = msc_image_get_voi_lut (image);
  MscWindow fallback;

  if (window == NULL && msc_image_get_n_windows (image) == 0 && voi && voi->n_entries > 0 && voi->data)
    fill_from_voi_lut (lut, n_lut, voi);
  else
    {
      if (window == NULL)
        {
          msc_display_default_window (image, &fallback);
          window = &fallback;
        }
      fill_from_window (lut, n_lut, window);
    }
  /* MONOCHROME1: higher stored value is darker; invert after the VOI
   * stage, as PS3.3 C.7.6.3.1.2 orders it. */
  if (msc_image_get_monochrome1 (image))
    for (gsize v = 0; v < n_lut; v++)
      lut[v] = 255 - lut[v];
}

guint8 *
msc_display_render (const MscImage *image, const MscWindow *window)
{
  /* Loaders keep values below 2^bits_stored; anything above is shown as
   * the top value rather than read out of the table. */
  gsize n_lut = (gsize) 1 << msc_image_get_bits_stored (image);
  g_autofree guint8 *lut = g_malloc (n_lut);
  msc_display_fill_lut (image, window, lut, n_lut);

  const guint16 *pixels = msc_image_get_pixels (image);
  gsize n = (gsize) msc_image_get_width (image) * msc_image_get_height (image);
  guint8 *out = g_malloc (n);
  guint16 top = (guint16) (n_lut - 1);
  for (gsize i = 0; i < n; i++)
    out[i] = lut[MIN (pixels[i], top)];
  return out;
}
