/* tests/ui/msc-ui-test.c — the UI test harness: starts GTK for a GLib test
 * program, waits for real frames on the (virtual) display, renders widgets to
 * textures with their own renderer and turns them into plain RGBA8 pixels that
 * tests measure and save as PNG screenshots.
 */
#include "msc-ui-test.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

/* Set once by msc_ui_test_init: where msc_ui_test_save writes. */
static char *screenshot_dir;

static char *
default_screenshot_dir (void)
{
  const char *env = g_getenv ("MSC_SCREENSHOT_DIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  /* meson's test_env points G_TEST_BUILDDIR at the build tree's tests/;
   * run bare, g_test_get_dir is the program's own folder (tests/ui). */
  if (g_getenv ("G_TEST_BUILDDIR") != NULL)
    return g_build_filename (g_test_get_dir (G_TEST_BUILT), "ui", "screenshots", NULL);
  return g_build_filename (g_test_get_dir (G_TEST_BUILT), "screenshots", NULL);
}

static gboolean display_ok;

gboolean
msc_ui_test_init (int *argc, char ***argv)
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: GTK must see the real XDG dirs (fonts,
   * schemas). g_test_init keeps warnings and criticals fatal: a GTK warning
   * fails the test, as the issue demands. */
  g_test_init (argc, argv, NULL);
  g_clear_pointer (&screenshot_dir, g_free);
  screenshot_dir = default_screenshot_dir ();

  display_ok = gtk_init_check ();
  if (!display_ok)
    g_print ("# no display (run under xvfb-run)\n");
  return display_ok;
}

gboolean
msc_ui_test_have_display (void)
{
  return display_ok;
}

GtkWidget *
msc_ui_test_window_new (int width, int height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

/* Wakes the blocking main-loop iteration so that timeouts are noticed. */
static gboolean
tick_cb (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

gboolean
msc_ui_test_wait_until (gboolean (*cond) (gpointer), gpointer data, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint tick = g_timeout_add (10, tick_cb, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return ok;
}

typedef struct {
  GtkWidget *widget;
  guint n_paints;
} DrawWait;

static gboolean
is_mapped_with_size (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0 &&
         gtk_widget_get_height (widget) > 0;
}

static void
after_paint_cb (GdkFrameClock *clock, DrawWait *wait)
{
  (void) clock;
  wait->n_paints++;
}

static gboolean
has_painted (gpointer data)
{
  return ((DrawWait *) data)->n_paints > 0;
}

void
msc_ui_test_wait_for_draw (GtkWidget *widget)
{
  DrawWait wait = { widget, 0 };
  GdkFrameClock *clock;
  gulong handler;
  gboolean ok;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  if (!msc_ui_test_wait_until (is_mapped_with_size, widget, 10.0))
    {
      g_test_message ("%s was not mapped with a size within 10 s", G_OBJECT_TYPE_NAME (widget));
      g_assert_true (is_mapped_with_size (widget));
    }
  /* A paint that follows a queued draw has snapshotted the widget as it is
   * now; the widget's earlier frames may predate its latest state. */
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &wait);
  gtk_widget_queue_draw (widget);
  ok = msc_ui_test_wait_until (has_painted, &wait, 10.0);
  g_signal_handler_disconnect (clock, handler);
  if (!ok)
    g_test_message ("%s was not drawn within 10 s", G_OBJECT_TYPE_NAME (widget));
  g_assert_true (ok);
}

/* A fully transparent texture, for a widget that draws nothing. */
static GdkTexture *
transparent_texture (int width, int height)
{
  gsize stride = (gsize) width * 4;
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_malloc0 (stride * height), stride * height);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, bytes, stride);
}

GdkTexture *
msc_ui_test_render (GtkWidget *widget)
{
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  GtkNative *native;
  int width, height;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  native = gtk_widget_get_native (widget);
  g_assert_true (width > 0 && height > 0);
  g_assert_nonnull (native);
  g_assert_nonnull (gtk_native_get_renderer (native));

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return transparent_texture (width, height);
  return gsk_renderer_render_texture (gtk_native_get_renderer (native), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

guint8 *
msc_ui_test_pixels (GdkTexture *texture, int *width, int *height)
{
  int w, h;
  guint8 *rgba;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), NULL);
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  rgba = g_malloc ((gsize) w * h * 4);
  /* GTK 4.8's download is CAIRO_FORMAT_ARGB32: premultiplied, one native-
   * endian guint32 per pixel. Premultiplied colour over opaque black is the
   * premultiplied colour itself, so compositing is only a reordering. */
  gdk_texture_download (texture, rgba, (gsize) w * 4);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      guint32 p;

      memcpy (&p, rgba + 4 * i, 4);
      rgba[4 * i + 0] = (p >> 16) & 0xff;
      rgba[4 * i + 1] = (p >> 8) & 0xff;
      rgba[4 * i + 2] = p & 0xff;
      rgba[4 * i + 3] = 255;
    }
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
  return rgba;
}

char *
msc_ui_test_save (GdkTexture *texture, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) flat = NULL;
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  char *path = g_build_filename (screenshot_dir, file, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  int w, h;
  guint8 *rgba = msc_ui_test_pixels (texture, &w, &h);
  g_autoptr (GBytes) bytes = g_bytes_new_take (rgba, (gsize) w * h * 4);

  /* The saved picture is exactly what the pixel helpers measure. */
  flat = gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8A8, bytes, (gsize) w * 4);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("%s: cannot create the screenshot folder: %s", dir, g_strerror (errno));
  if (!gdk_texture_save_to_png (flat, path))
    g_error ("%s: cannot save the screenshot", path);
  g_test_message ("screenshot: %s", path);
  return path;
}

/* Clips a rectangle to the texture; FALSE when nothing is left. */
static gboolean
clip_rect (int tw, int th, int *x, int *y, int *w, int *h)
{
  int x1 = MIN (*x + *w, tw), y1 = MIN (*y + *h, th);

  *x = MAX (*x, 0);
  *y = MAX (*y, 0);
  *w = x1 - *x;
  *h = y1 - *y;
  return *w > 0 && *h > 0;
}

double
msc_ui_test_mean_grey (GdkTexture *texture, int x, int y, int w, int h)
{
  int tw, th;
  g_autofree guint8 *rgba = msc_ui_test_pixels (texture, &tw, &th);
  double sum = 0;

  if (!clip_rect (tw, th, &x, &y, &w, &h))
    return 0;
  for (int j = y; j < y + h; j++)
    for (int i = x; i < x + w; i++)
      {
        const guint8 *p = rgba + ((gsize) j * tw + i) * 4;

        sum += (p[0] + p[1] + p[2]) / 3.0;
      }
  return sum / ((double) w * h);
}

guint
msc_ui_test_count (GdkTexture *texture, int x, int y, int w, int h,
                   gboolean (*pred) (const guint8 rgba[4], gpointer), gpointer data)
{
  int tw, th;
  g_autofree guint8 *rgba = msc_ui_test_pixels (texture, &tw, &th);
  guint n = 0;

  if (!clip_rect (tw, th, &x, &y, &w, &h))
    return 0;
  for (int j = y; j < y + h; j++)
    for (int i = x; i < x + w; i++)
      n += pred (rgba + ((gsize) j * tw + i) * 4, data) ? 1 : 0;
  return n;
}
