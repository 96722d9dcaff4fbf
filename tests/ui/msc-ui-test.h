/* tests/ui/msc-ui-test.h — harness for UI tests: GTK start-up under Xvfb,
 * a presented toplevel, waiting for frames, rendering a widget to a texture,
 * saving screenshots and measuring pixels. Test code only, never shipped.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Initialises GLib tests (g_test_init, warnings and criticals stay fatal) and
 * GTK. Returns FALSE, after printing "# no display (run under xvfb-run)", when
 * no display can be opened; callers then skip each case with g_test_skip (or
 * exit (77)). */
gboolean    msc_ui_test_init (int *argc, char ***argv);
/* What msc_ui_test_init found. */
gboolean    msc_ui_test_have_display (void);
/* First line of a case that draws: skips it without a display. */
#define MSC_UI_TEST_NEED_DISPLAY()                                    \
  G_STMT_START {                                                      \
    if (!msc_ui_test_have_display ())                                 \
      {                                                               \
        g_test_skip ("no display (run under xvfb-run)");              \
        return;                                                       \
      }                                                               \
  } G_STMT_END

/* A toplevel GtkWindow of that default size, presented. Owned by GTK's
 * toplevel list: destroy it with gtk_window_destroy at the end of the case. */
GtkWidget  *msc_ui_test_window_new (int width, int height);

/* Iterates the main loop until the widget is mapped and a frame has been
 * drawn (or fails the test after 10 s). */
void        msc_ui_test_wait_for_draw (GtkWidget *widget);

/* Iterates the main loop until cond(data) is TRUE or timeout_s passes;
 * returns cond's last value. */
gboolean    msc_ui_test_wait_until (gboolean (*cond) (gpointer), gpointer data, double timeout_s);

/* Renders the widget's current look (transfer full) at its allocated size,
 * with the widget's own renderer. Pixels not covered by the widget are
 * transparent. */
GdkTexture *msc_ui_test_render (GtkWidget *widget);

/* Saves to $MSC_SCREENSHOT_DIR (default: the build dir's
 * tests/ui/screenshots)/NAME.png; returns the path (transfer full). */
char       *msc_ui_test_save (GdkTexture *texture, const char *name);

/* RGBA8 bytes of the texture, row stride width*4 (transfer full, g_free).
 * Colours are straight (not premultiplied) and composited on opaque black:
 * alpha is always 255, so a widget's plain colours compare directly and a
 * transparent area reads as black. */
guint8     *msc_ui_test_pixels (GdkTexture *texture, int *width, int *height);

/* Mean of (r+g+b)/3 over a rectangle in texture pixels (clipped to the
 * texture; 0 when the clipped rectangle is empty). Same pixels as
 * msc_ui_test_pixels. */
double      msc_ui_test_mean_grey (GdkTexture *texture, int x, int y, int w, int h);

/* Pixels in the rectangle (clipped) for which pred returns TRUE; rgba as
 * msc_ui_test_pixels gives them. */
guint       msc_ui_test_count (GdkTexture *texture, int x, int y, int w, int h,
                               gboolean (*pred) (const guint8 rgba[4], gpointer), gpointer data);

G_END_DECLS
