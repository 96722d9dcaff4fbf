/* app/msc-cli-preprocess.c — `mammoscope-cli preprocess IN OUT.png`.
 *
 * Runs a preprocessing chain, prints one line per step (time and what it
 * found), writes the final image and, with --sheet, a side-by-side PNG of
 * every step with the breast outline and the pectoral muscle drawn on it.
 */
#include "msc-cli.h"

#include <cairo.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "msc-preprocess.h"

static char *steps_option;
static char *sheet_option;
static double spacing_option;
static double target_option;
static char *size_option;
static double clip_option;
static int threads_option;

/* Not const: the --steps description is formatted at run time, since a
 * msgid spliced from macros could never be found in a catalog. */
static GOptionEntry preprocess_entries[] = {
  { "steps", 0, 0, G_OPTION_ARG_STRING, &steps_option, NULL, N_("LIST") },
  { "sheet", 0, 0, G_OPTION_ARG_FILENAME, &sheet_option,
    N_("Also write a side-by-side PNG of every step's result"), N_("FILE.png") },
  { "spacing", 0, 0, G_OPTION_ARG_DOUBLE, &spacing_option,
    N_("Pixel spacing in mm for images that do not say (PNG, PGM)"), N_("MM") },
  { "target-spacing", 0, 0, G_OPTION_ARG_DOUBLE, &target_option,
    N_("Pixel spacing the resample step produces (default 0.4)"), N_("MM") },
  { "size", 0, 0, G_OPTION_ARG_STRING, &size_option,
    N_("Output size of the letterbox step (default 512x512)"), N_("WxH") },
  { "clahe-clip", 0, 0, G_OPTION_ARG_DOUBLE, &clip_option,
    N_("CLAHE clip limit (default 2.0)"), N_("LIMIT") },
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads_option,
    N_("Worker threads (default: one per processor)"), N_("N") },
  G_OPTION_ENTRY_NULL
};

/* ---- rendering a plane for people ---------------------------------------- */

/* Grey level 0..255 of pixel i: integers scaled from their bit depth,
 * normalised floats shown from -3 to +3 standard deviations. */
static guint8
display_value (const MscPlane *plane, gsize i)
{
  switch (msc_plane_get_format (plane))
    {
    case MSC_PLANE_U8:
      return msc_plane_peek_u8 (plane)[i];
    case MSC_PLANE_U16:
      return (guint8) (msc_plane_peek_u16 (plane)[i] * 255u / msc_plane_get_max_value (plane));
    case MSC_PLANE_F32:
    default:
      {
        float v = msc_plane_peek_f32 (plane)[i];
        return (guint8) lrintf (CLAMP ((v + 3.0f) / 6.0f, 0.0f, 1.0f) * 255.0f);
      }
    }
}

static MscPlane *
plane_for_display (const MscPlane *plane, GError **error)
{
  if (msc_plane_get_format (plane) != MSC_PLANE_F32)
    return msc_plane_copy (plane, error);
  MscPlane *out = msc_plane_new (MSC_PLANE_U8, msc_plane_get_width (plane),
                                 msc_plane_get_height (plane), error);
  if (out == NULL)
    return NULL;
  guint8 *o = msc_plane_u8 (out);
  for (gsize i = 0, n = msc_plane_get_n_pixels (plane); i < n; i++)
    o[i] = display_value (plane, i);
  return out;
}

/* One panel: the plane scaled into w x h (nearest), mask edge in green. */
static cairo_surface_t *
render_panel (const MscPreprocessStage *stage, int w, int h, double *scale)
{
  const MscPlane *plane = stage->plane;
  guint pw = msc_plane_get_width (plane), ph = msc_plane_get_height (plane);
  *scale = MIN ((double) w / pw, (double) h / ph);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_surface_flush (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *mask = stage->mask ? msc_plane_peek_u8 (stage->mask) : NULL;

  for (int y = 0; y < h; y++)
    {
      guint32 *row = (guint32 *) (data + (gsize) y * stride);
      guint sy = (guint) (y / *scale);
      for (int x = 0; x < w; x++)
        {
          guint sx = (guint) (x / *scale);
          if (sx >= pw || sy >= ph)
            {
              row[x] = 0x202020;            /* outside the image: dark grey */
              continue;
            }
          gsize i = (gsize) sy * pw + sx;
          guint32 g = display_value (plane, i);
          row[x] = g << 16 | g << 8 | g;
          if (mask)
            {
              /* An edge where the panel pixel to the right or below falls on
               * the other side of the mask. */
              guint sx1 = MIN ((guint) ((x + 1) / *scale), pw - 1);
              guint sy1 = MIN ((guint) ((y + 1) / *scale), ph - 1);
              gboolean in = mask[i] != 0;
              if (in != (mask[(gsize) sy * pw + sx1] != 0) || in != (mask[(gsize) sy1 * pw + sx] != 0))
                row[x] = 0x30e030;
            }
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static gboolean
write_sheet (const MscPreprocess *pre, const MscPlane *original, const char *path, GError **error)
{
  const int panel_h = 512, title_h = 44;
  guint n = msc_preprocess_get_n_stages (pre);
  /* Panel width from the widest aspect among the stages, so none is cut. */
  double aspect = (double) msc_plane_get_width (original) / msc_plane_get_height (original);
  for (guint i = 0; i < n; i++)
    {
      const MscPlane *p = msc_preprocess_get_stage (pre, i)->plane;
      aspect = MAX (aspect, (double) msc_plane_get_width (p) / msc_plane_get_height (p));
    }
  int panel_w = (int) ceil (panel_h * MIN (aspect, 2.0));
  int width = (int) (n + 1) * (panel_w + 8) + 8, height = panel_h + title_h + 8;

  cairo_surface_t *sheet = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (sheet);
  cairo_set_source_rgb (cr, 0.08, 0.08, 0.08);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);

  for (guint i = 0; i <= n; i++)
    {
      MscPreprocessStage input = { .name = _("input"), .plane = (MscPlane *) original };
      const MscPreprocessStage *stage = i == 0 ? &input : msc_preprocess_get_stage (pre, i - 1);
      double scale, x0 = 8 + i * (panel_w + 8.0), y0 = title_h;
      cairo_surface_t *panel = render_panel (stage, panel_w, panel_h, &scale);
      cairo_set_source_surface (cr, panel, x0, y0);
      cairo_paint (cr);
      cairo_surface_destroy (panel);

      if (stage->muscle && stage->muscle->len > 2)
        {
          cairo_new_path (cr);          /* the title text left a current point */
          for (guint k = 0; k < stage->muscle->len; k++)
            {
              const MscPoint *p = &g_array_index (stage->muscle, MscPoint, k);
              cairo_line_to (cr, x0 + (p->x + 0.5) * scale, y0 + (p->y + 0.5) * scale);
            }
          cairo_close_path (cr);
          cairo_set_source_rgb (cr, 1.0, 0.55, 0.1);
          cairo_set_line_width (cr, 2);
          cairo_stroke (cr);
        }
      cairo_set_source_rgb (cr, 0.92, 0.92, 0.92);
      cairo_set_font_size (cr, 18);
      cairo_move_to (cr, x0, 20);
      cairo_show_text (cr, stage->name);
      if (i > 0)
        {
          g_autofree char *time = g_strdup_printf ("%.0f ms", stage->seconds * 1e3);
          cairo_set_font_size (cr, 13);
          cairo_move_to (cr, x0, 38);
          cairo_show_text (cr, time);
        }
    }
  cairo_destroy (cr);

  /* Written beside the target and renamed, like every file we write. */
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-%d", path, (int) getpid ());
  cairo_status_t status = cairo_surface_write_to_png (sheet, tmp);
  cairo_surface_destroy (sheet);
  if (status != CAIRO_STATUS_SUCCESS || g_rename (tmp, path) != 0)
    {
      g_unlink (tmp);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("%s: cannot write the sheet: %s"),
                   path, status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (status)
                                                        : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_size (const char *text, guint *w, guint *h)
{
  char *end = NULL;
  guint64 a = g_ascii_strtoull (text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  const char *rest = end + 1;
  guint64 b = g_ascii_strtoull (rest, &end, 10);
  if (end == rest || *end != '\0' || a == 0 || b == 0 || a > 16384 || b > 16384)
    return FALSE;
  *w = (guint) a;
  *h = (guint) b;
  return TRUE;
}

int
msc_cli_preprocess (int argc, char **argv)
{
  g_autofree char *steps_help =
    g_strdup_printf (_("Comma-separated steps, run in this order (default %s); the steps are %s"),
                     MSC_PREPROCESS_DEFAULT_STEPS, MSC_PREPROCESS_STEPS);
  preprocess_entries[0].description = steps_help;
  if (!msc_cli_parse_options (_("preprocess IN OUT.png"),
                              _("Run preprocessing steps on an image, print what each step did and "
                                "write the result (normalised images as 8-bit, -3 to +3 standard "
                                "deviations)."),
                              preprocess_entries, &argc, &argv))
    return 2;
  if (argc != 4)
    {
      g_printerr (_("mammoscope-cli preprocess: give one input image and one output PNG\n"));
      return 2;
    }
  MscPreprocessOptions opts;
  msc_preprocess_options_init (&opts);
  opts.keep_stages = sheet_option != NULL;
  opts.source_mm = spacing_option;
  if (target_option > 0)
    opts.target_mm = target_option;
  if (clip_option > 0)
    opts.clahe_clip = clip_option;
  if (size_option && !parse_size (size_option, &opts.letterbox_width, &opts.letterbox_height))
    {
      g_printerr (_("mammoscope-cli preprocess: --size wants WxH, e.g. 512x512\n"));
      return 2;
    }

  const char *in = argv[2], *out = argv[3];
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_cli_load_image (in, &error);
  if (image == NULL)
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (threads_option > 0 ? (guint) threads_option : 0);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (MscPreprocess) pre = msc_preprocess_run (image, steps_option, &opts, pool, NULL, &error);
  if (pre == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("%s: %s", in, error->message);
      msc_cli_print_problem (msg);
      return 1;
    }
  double total = (g_get_monotonic_time () - start) / 1e6;
  for (guint i = 0; i < msc_preprocess_get_n_stages (pre); i++)
    {
      const MscPreprocessStage *stage = msc_preprocess_get_stage (pre, i);
      g_print ("%-16s %8.1f ms  %s\n", stage->name, stage->seconds * 1e3, stage->summary);
    }
  const MscPlane *result = msc_preprocess_get_plane (pre);
  g_print (_("%-16s %8.1f ms  %u x %u\n"), _("total"), total * 1e3,
           msc_plane_get_width (result), msc_plane_get_height (result));

  g_autoptr (MscPlane) shown = plane_for_display (result, &error);
  if (shown == NULL || !msc_plane_save_png (shown, out, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  if (sheet_option)
    {
      g_autoptr (MscPlane) original = msc_plane_new_from_image (image, TRUE, &error);
      if (original && msc_image_get_monochrome1 (image))
        msc_plane_invert (original);
      if (original == NULL || !write_sheet (pre, original, sheet_option, &error))
        {
          msc_cli_print_problem (error->message);
          return 1;
        }
    }
  return 0;
}
