/* engine/train/msc-plot.c — ROC, PR, FROC and training-curve PNGs with cairo.
 * One small axes helper (frame, ranges, ticks, grid) serves every plot; the
 * frame is a fixed share of the image so that callers and tests can find a
 * data point's pixel (msc_plot_data_to_pixel) without knowing the labels.
 */
#include "msc-plot.h"

#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "msc-i18n.h"

/* Colour-blind-friendly categorical palette (Tableau 10 order). */
static const guint8 palette[8][3] = {
  { 31, 119, 180 }, { 255, 127, 14 }, { 44, 160, 44 }, { 214, 39, 40 },
  { 148, 103, 189 }, { 140, 86, 75 }, { 227, 119, 194 }, { 23, 190, 207 },
};

void
msc_plot_series_rgb (guint index, guint8 rgb[3])
{
  for (guint c = 0; c < 3; c++)
    rgb[c] = palette[index % G_N_ELEMENTS (palette)][c];
}

/* ---- Frame and axes ---------------------------------------------------- */

typedef struct {
  double x0, y0, x1, y1;          /* pixel frame: left, top, right, bottom */
  double xmin, xmax, ymin, ymax;  /* data range (log2 of x when log_x) */
  gboolean log_x;
  double scale;                   /* font and line scale, 1 at 800 x 600 */
} Axes;

static double
size_scale (guint width, guint height)
{
  return MIN (width / 800.0, height / 600.0);
}

/* The plot frame as shares of the image: room on the left for the y tick
 * labels and axis name, below for x, above for the title. */
static void
frame_for (guint width, guint height, double top_share, double bottom_share, Axes *ax)
{
  ax->x0 = round (width * 0.11);
  ax->x1 = width - round (width * 0.04);
  ax->y0 = round (height * top_share);
  ax->y1 = height - round (height * bottom_share);
  ax->scale = size_scale (width, height);
}

static double
ax_px (const Axes *ax, double x)
{
  if (ax->log_x)
    x = x > 0 ? log2 (x) : ax->xmin;
  return ax->x0 + (x - ax->xmin) / (ax->xmax - ax->xmin) * (ax->x1 - ax->x0);
}

static double
ax_py (const Axes *ax, double y)
{
  return ax->y1 - (y - ax->ymin) / (ax->ymax - ax->ymin) * (ax->y1 - ax->y0);
}

void
msc_plot_data_to_pixel (guint width, guint height, gboolean log_x, double x, double y,
                        double *px, double *py)
{
  Axes ax = { .xmin = log_x ? -3 : 0, .xmax = log_x ? 3 : 1, .ymin = 0, .ymax = 1,
              .log_x = log_x };
  frame_for (width, height, 0.10, 0.12, &ax);
  *px = ax_px (&ax, x);
  *py = ax_py (&ax, y);
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving about
 * `target` intervals over span. */
static double
nice_step (double span, int target)
{
  double raw = span / target, p = pow (10, floor (log10 (raw))), m = raw / p;
  return p * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

/* ---- Text -------------------------------------------------------------- */

static void
set_font (cairo_t *cr, double size, gboolean bold)
{
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

/* Text anchored at (x, y): ha/va 0 = left/top, 0.5 = centre, 1 = right/bottom. */
static void
draw_text (cairo_t *cr, double x, double y, double ha, double va, const char *text)
{
  cairo_text_extents_t e;
  cairo_font_extents_t fe;
  cairo_text_extents (cr, text, &e);
  cairo_font_extents (cr, &fe);
  double h = fe.ascent - fe.descent * 0.0;   /* cap height is close to ascent */
  cairo_move_to (cr, x - e.x_advance * ha, y + h * (1 - va) - h * 0.12);
  cairo_show_text (cr, text);
}

static void
draw_title_and_labels (cairo_t *cr, const Axes *ax, guint width, const char *title,
                       const char *x_label, const char *y_label)
{
  double s = ax->scale;
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  if (title)
    {
      set_font (cr, 20 * s, TRUE);
      draw_text (cr, width / 2.0, ax->y0 * 0.45, 0.5, 0.5, title);
    }
  set_font (cr, 15 * s, FALSE);
  if (x_label)
    draw_text (cr, (ax->x0 + ax->x1) / 2, ax->y1 + 34 * s, 0.5, 0, x_label);
  if (y_label)
    {
      cairo_save (cr);
      cairo_translate (cr, ax->x0 - 58 * s, (ax->y0 + ax->y1) / 2);
      cairo_rotate (cr, -G_PI / 2);
      draw_text (cr, 0, 0, 0.5, 0.5, y_label);
      cairo_restore (cr);
    }
}

/* ---- Grid and ticks ---------------------------------------------------- */

static void
grid_line (cairo_t *cr, double x0, double y0, double x1, double y1)
{
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
}

/* Grid, ticks and tick labels; x ticks at every power of two when log_x. */
static void
draw_axes (cairo_t *cr, const Axes *ax, gboolean x_labels)
{
  double s = ax->scale;
  char buf[32];

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, ax->x0, ax->y0, ax->x1 - ax->x0, ax->y1 - ax->y0);
  cairo_fill (cr);

  set_font (cr, 12 * s, FALSE);
  cairo_set_line_width (cr, 1);
  double ystep = nice_step (ax->ymax - ax->ymin, 5);
  for (double v = ceil (ax->ymin / ystep - 1e-9) * ystep; v <= ax->ymax + ystep * 1e-6; v += ystep)
    {
      double y = round (ax_py (ax, v)) + 0.5;
      cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
      grid_line (cr, ax->x0, y, ax->x1, y);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      grid_line (cr, ax->x0 - 5 * s, y, ax->x0, y);
      g_snprintf (buf, sizeof buf, "%g", fabs (v) < ystep * 1e-6 ? 0.0 : v);
      draw_text (cr, ax->x0 - 8 * s, y, 1, 0.5, buf);
    }
  double xstep = ax->log_x ? 1 : nice_step (ax->xmax - ax->xmin, 5);
  for (double v = ceil (ax->xmin / xstep - 1e-9) * xstep; v <= ax->xmax + xstep * 1e-6; v += xstep)
    {
      double value = ax->log_x ? exp2 (v) : v;
      double x = round (ax_px (ax, value)) + 0.5;
      cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
      grid_line (cr, x, ax->y0, x, ax->y1);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      grid_line (cr, x, ax->y1, x, ax->y1 + 5 * s);
      if (x_labels)
        {
          g_snprintf (buf, sizeof buf, "%g", fabs (value) < xstep * 1e-6 ? 0.0 : value);
          draw_text (cr, x, ax->y1 + 8 * s, 0.5, 0, buf);
        }
    }
}

static void
draw_frame (cairo_t *cr, const Axes *ax)
{
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, round (ax->x0) + 0.5, round (ax->y0) + 0.5,
                   round (ax->x1) - round (ax->x0), round (ax->y1) - round (ax->y0));
  cairo_stroke (cr);
}

/* ---- Series and legend ------------------------------------------------- */

static void
series_style (cairo_t *cr, const MscPlotSeries *se, guint index, double s)
{
  guint8 rgb[3];
  msc_plot_series_rgb (index, rgb);
  if (se->emphasis)
    cairo_set_source_rgb (cr, 0.08, 0.08, 0.08);
  else
    cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  /* At least 2 px: a 2-px line always covers the pixel its centre is in,
   * so a curve point is found at msc_plot_data_to_pixel's pixel. */
  cairo_set_line_width (cr, MAX (2.0, (se->emphasis ? 3.0 : 2.0) * s));
  double dash[] = { 7 * s, 4 * s };
  cairo_set_dash (cr, dash, se->dashed ? 2 : 0, 0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
}

/* steps: join points right-then-up (FROC), so the curve shows the step
 * sensitivity msc_metrics_froc_sensitivity_at reports, not a line between
 * operating points that no threshold reaches. */
static void
draw_series (cairo_t *cr, const Axes *ax, const MscPlotSeries *series, gsize n_series,
             gboolean steps)
{
  cairo_save (cr);
  cairo_rectangle (cr, ax->x0, ax->y0, ax->x1 - ax->x0, ax->y1 - ax->y0);
  cairo_clip (cr);
  /* Emphasised series (the mean) last, on top of the folds. */
  for (int pass = 0; pass < 2; pass++)
    for (gsize i = 0; i < n_series; i++)
      {
        const MscPlotSeries *se = &series[i];
        if ((se->emphasis != 0) != (pass == 1))
          continue;
        series_style (cr, se, (guint) i, ax->scale);
        gboolean pen = FALSE;
        for (gsize k = 0; k < se->n; k++)
          {
            if (!isfinite (se->x[k]) || !isfinite (se->y[k]))
              {
                pen = FALSE;
                continue;
              }
            double px = ax_px (ax, se->x[k]), py = ax_py (ax, se->y[k]);
            if (pen && steps)
              {
                double cx, cy;
                cairo_get_current_point (cr, &cx, &cy);
                cairo_line_to (cr, px, cy);
              }
            pen ? cairo_line_to (cr, px, py) : cairo_move_to (cr, px, py);
            pen = TRUE;
          }
        cairo_stroke (cr);
      }
  cairo_restore (cr);
}

/* Legend box in a corner of the frame (corner: 0 lower right, 1 lower
 * left, 2 upper right). labels[i] NULL skips series i. */
static void
draw_legend (cairo_t *cr, const Axes *ax, const MscPlotSeries *series, gsize n_series,
             char **labels, int corner)
{
  double s = ax->scale, pad = 8 * s, line = 28 * s, row = 20 * s, wmax = 0;
  guint rows = 0;
  set_font (cr, 12.5 * s, FALSE);
  for (gsize i = 0; i < n_series; i++)
    if (labels[i])
      {
        cairo_text_extents_t e;
        cairo_text_extents (cr, labels[i], &e);
        wmax = MAX (wmax, e.x_advance);
        rows++;
      }
  if (rows == 0)
    return;
  double bw = pad * 3 + line + wmax, bh = pad * 2 + row * rows;
  double bx = corner == 1 ? ax->x0 + 10 * s : ax->x1 - 10 * s - bw;
  double by = corner == 2 ? ax->y0 + 10 * s : ax->y1 - 10 * s - bh;
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_rectangle (cr, round (bx) + 0.5, round (by) + 0.5, round (bw), round (bh));
  cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.7, 0.7, 0.7);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  double y = by + pad + row / 2;
  for (gsize i = 0; i < n_series; i++)
    {
      if (!labels[i])
        continue;
      series_style (cr, &series[i], (guint) i, s);
      grid_line (cr, bx + pad, y, bx + pad + line, y);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      draw_text (cr, bx + pad * 2 + line, y, 0, 0.5, labels[i]);
      y += row;
    }
  cairo_set_dash (cr, NULL, 0, 0);
}

/* ---- Writing ----------------------------------------------------------- */

static cairo_status_t
write_chunk (void *closure, const unsigned char *data, unsigned int length)
{
  return fwrite (data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS
                                                       : CAIRO_STATUS_WRITE_ERROR;
}

/* Temp file beside the target (rename is atomic only within one file
 * system), flushed and synced, then renamed over the target. */
static gboolean
write_png_atomic (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp_base = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmp = g_build_filename (dir, tmp_base, NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED,
                   _("%s: cannot write the plot: %s"), path, g_strerror (saved));
      return FALSE;
    }
  FILE *f = fdopen (fd, "wb");
  if (f == NULL)
    {
      int saved = errno;
      close (fd);
      g_unlink (tmp);
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED,
                   _("%s: cannot write the plot: %s"), path, g_strerror (saved));
      return FALSE;
    }
  cairo_status_t st = cairo_surface_write_to_png_stream (surface, write_chunk, f);
  int saved = 0;
  if (st == CAIRO_STATUS_SUCCESS && (fflush (f) != 0 || fsync (fileno (f)) != 0))
    saved = errno;
  if (fclose (f) != 0 && saved == 0)
    saved = errno;
  if (st == CAIRO_STATUS_SUCCESS && saved == 0 && g_rename (tmp, path) != 0)
    saved = errno;
  if (st != CAIRO_STATUS_SUCCESS || saved != 0)
    {
      g_unlink (tmp);
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED,
                   _("%s: cannot write the plot: %s"), path,
                   st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (st)
                                              : g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_request (const char *path, guint width, guint height, const MscPlotSeries *series,
               gsize n_series, GError **error)
{
  if (width < MSC_PLOT_MIN_SIZE || height < MSC_PLOT_MIN_SIZE
      || width > MSC_PLOT_MAX_SIZE || height > MSC_PLOT_MAX_SIZE)
    {
      g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                   _("%s: plot size %u x %u is outside %u..%u pixels"), path, width, height,
                   MSC_PLOT_MIN_SIZE, MSC_PLOT_MAX_SIZE);
      return FALSE;
    }
  for (gsize i = 0; i < n_series; i++)
    if (series[i].n > 0 && (series[i].x == NULL || series[i].y == NULL))
      {
        g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_INVALID,
                     _("%s: series %lu has points but no data"), path, (gulong) i);
        return FALSE;
      }
  return TRUE;
}

static cairo_t *
begin (guint width, guint height, cairo_surface_t **surface)
{
  *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) width, (int) height);
  cairo_t *cr = cairo_create (*surface);
  cairo_set_source_rgb (cr, 0.97, 0.97, 0.97);
  cairo_paint (cr);
  return cr;
}

static gboolean
finish (cairo_t *cr, cairo_surface_t *surface, const char *path, GError **error)
{
  cairo_status_t st = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  gboolean ok = FALSE;
  if (st != CAIRO_STATUS_SUCCESS)
    g_set_error (error, MSC_TRAIN_ERROR, MSC_TRAIN_ERROR_FAILED,
                 _("%s: drawing failed: %s"), path, cairo_status_to_string (st));
  else
    ok = write_png_atomic (surface, path, error);
  cairo_surface_destroy (surface);
  return ok;
}

static void
free_labels (char **labels, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_free (labels[i]);
  g_free (labels);
}

/* ---- The unit-square plots (ROC, PR) and FROC --------------------------- */

typedef enum { PLOT_ROC, PLOT_PR, PLOT_FROC } PlotKind;

static double
trapezoid (const MscPlotSeries *se)
{
  double area = 0;
  for (gsize k = 1; k < se->n; k++)
    if (!isnan (se->y[k]) && !isnan (se->y[k - 1]))
      area += (se->x[k] - se->x[k - 1]) * (se->y[k] + se->y[k - 1]) / 2;
  return area;
}

/* The FROC operating points: dotted verticals at 0.25..2 FP/image and a
 * dot where each series stands there (its step sensitivity). */
static void
draw_froc_marks (cairo_t *cr, const Axes *ax, const MscPlotSeries *series, gsize n_series)
{
  static const double marks[] = { 0.25, 0.5, 1, 2 };
  double s = ax->scale, dots[] = { 2 * s, 3 * s };
  for (guint m = 0; m < G_N_ELEMENTS (marks); m++)
    {
      double x = round (ax_px (ax, marks[m])) + 0.5;
      cairo_set_source_rgb (cr, 0.45, 0.45, 0.45);
      cairo_set_line_width (cr, 1.2 * s);
      cairo_set_dash (cr, dots, 2, 0);
      grid_line (cr, x, ax->y0, x, ax->y1);
      cairo_set_dash (cr, NULL, 0, 0);
      for (gsize i = 0; i < n_series; i++)
        {
          double best = -1;
          for (gsize k = 0; k < series[i].n; k++)
            if (series[i].x[k] <= marks[m] + 1e-12 && !isnan (series[i].y[k]))
              best = MAX (best, series[i].y[k]);
          if (best < 0)
            continue;
          series_style (cr, &series[i], (guint) i, s);
          cairo_set_dash (cr, NULL, 0, 0);
          cairo_arc (cr, x, ax_py (ax, best), 3.5 * s, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
}

static gboolean
plot_unit (PlotKind kind, const char *path, guint width, guint height, const char *title,
           const MscPlotSeries *series, gsize n_series, GError **error)
{
  g_return_val_if_fail (path != NULL && (series != NULL || n_series == 0), FALSE);
  if (!check_request (path, width, height, series, n_series, error))
    return FALSE;

  gboolean log_x = kind == PLOT_FROC;
  Axes ax = { .xmin = log_x ? -3 : 0, .xmax = log_x ? 3 : 1, .ymin = 0, .ymax = 1,
              .log_x = log_x };
  frame_for (width, height, 0.10, 0.12, &ax);
  cairo_surface_t *surface;
  cairo_t *cr = begin (width, height, &surface);

  static const char *const titles[] = { N_("ROC curve"), N_("Precision-recall"), N_("FROC") };
  const char *x_label = kind == PLOT_ROC ? _("False positive rate (1 - specificity)")
                        : kind == PLOT_PR ? _("Recall (sensitivity)")
                        : _("False positives per image");
  const char *y_label = kind == PLOT_ROC ? _("True positive rate (sensitivity)")
                        : kind == PLOT_PR ? _("Precision")
                        : _("Lesion sensitivity");
  draw_axes (cr, &ax, TRUE);
  draw_title_and_labels (cr, &ax, width, title ? title : _(titles[kind]), x_label, y_label);

  if (kind == PLOT_ROC)
    {
      double dash[] = { 6 * ax.scale, 4 * ax.scale };
      cairo_set_source_rgb (cr, 0.55, 0.55, 0.55);
      cairo_set_line_width (cr, 1.2 * ax.scale);
      cairo_set_dash (cr, dash, 2, 0);
      grid_line (cr, ax_px (&ax, 0), ax_py (&ax, 0), ax_px (&ax, 1), ax_py (&ax, 1));
      cairo_set_dash (cr, NULL, 0, 0);
    }
  if (kind == PLOT_FROC)
    draw_froc_marks (cr, &ax, series, n_series);
  draw_series (cr, &ax, series, n_series, kind == PLOT_FROC);
  draw_frame (cr, &ax);

  char **labels = g_new0 (char *, MAX (n_series, 1));
  for (gsize i = 0; i < n_series; i++)
    if (series[i].label)
      labels[i] = kind == PLOT_ROC
                  ? g_strdup_printf (_("%s (AUC %.3f)"), series[i].label, trapezoid (&series[i]))
                  : g_strdup (series[i].label);
  draw_legend (cr, &ax, series, n_series, labels, kind == PLOT_PR ? 1 : 0);
  free_labels (labels, n_series);
  return finish (cr, surface, path, error);
}

gboolean
msc_plot_roc (const char *path, guint width, guint height, const char *title,
              const MscPlotSeries *series, gsize n_series, GError **error)
{
  return plot_unit (PLOT_ROC, path, width, height, title, series, n_series, error);
}

gboolean
msc_plot_pr (const char *path, guint width, guint height, const char *title,
             const MscPlotSeries *series, gsize n_series, GError **error)
{
  return plot_unit (PLOT_PR, path, width, height, title, series, n_series, error);
}

gboolean
msc_plot_froc (const char *path, guint width, guint height, const char *title,
               const MscPlotSeries *series, gsize n_series, GError **error)
{
  return plot_unit (PLOT_FROC, path, width, height, title, series, n_series, error);
}

/* ---- Training curves --------------------------------------------------- */

/* Data range of a set of series (NaN skipped); FALSE when there is none. */
static gboolean
series_range (const MscPlotSeries *series, gsize n, gboolean use_x, double *lo, double *hi)
{
  *lo = INFINITY;
  *hi = -INFINITY;
  for (gsize i = 0; i < n; i++)
    for (gsize k = 0; k < series[i].n; k++)
      {
        double v = use_x ? series[i].x[k] : series[i].y[k];
        if (isfinite (v) && isfinite (use_x ? series[i].y[k] : series[i].x[k]))
          {
            *lo = MIN (*lo, v);
            *hi = MAX (*hi, v);
          }
      }
  return *lo <= *hi;
}

/* Widens [lo, hi] outward to whole tick steps (and a unit span when flat). */
static void
nice_range (double *lo, double *hi)
{
  if (*hi - *lo < 1e-12 * MAX (1, fabs (*hi)))
    {
      *lo -= 0.5 * MAX (1e-6, fabs (*lo));
      *hi += 0.5 * MAX (1e-6, fabs (*hi));
    }
  double step = nice_step (*hi - *lo, 5);
  *lo = floor (*lo / step + 1e-9) * step;
  *hi = ceil (*hi / step - 1e-9) * step;
}

static void
training_panel (cairo_t *cr, Axes *ax, const char *y_label, const MscPlotSeries *series,
                gsize n, gboolean zero_floor, gboolean unit_if_inside, gboolean x_labels)
{
  double lo, hi;
  if (!series_range (series, n, FALSE, &lo, &hi))
    {
      ax->ymin = 0;
      ax->ymax = 1;
    }
  else if (unit_if_inside && lo >= 0 && hi <= 1)
    {
      ax->ymin = 0;
      ax->ymax = 1;
    }
  else
    {
      if (zero_floor && lo >= 0)
        lo = 0;
      hi += 0.03 * (hi - lo);   /* headroom: a curve at the top stays off the frame */
      nice_range (&lo, &hi);
      ax->ymin = lo;
      ax->ymax = hi;
    }
  draw_axes (cr, ax, x_labels);
  draw_title_and_labels (cr, ax, 0, NULL, NULL, y_label);
  if (n == 0 || !series_range (series, n, FALSE, &lo, &hi))
    {
      set_font (cr, 15 * ax->scale, FALSE);
      cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
      draw_text (cr, (ax->x0 + ax->x1) / 2, (ax->y0 + ax->y1) / 2, 0.5, 0.5, _("no data"));
    }
  draw_series (cr, ax, series, n, FALSE);
  draw_frame (cr, ax);
  char **labels = g_new0 (char *, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    labels[i] = g_strdup (series[i].label);
  draw_legend (cr, ax, series, n, labels, zero_floor ? 2 : 0);
  free_labels (labels, n);
}

gboolean
msc_plot_training (const char *path, guint width, guint height, const char *title,
                   const char *x_label, const MscPlotSeries *loss, gsize n_loss,
                   const char *metric_label, const MscPlotSeries *metric, gsize n_metric,
                   GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail ((loss != NULL || n_loss == 0) && (metric != NULL || n_metric == 0), FALSE);
  if (!check_request (path, width, height, loss, n_loss, error)
      || !check_request (path, width, height, metric, n_metric, error))
    return FALSE;

  double xlo, xhi, mlo, mhi;
  gboolean have = series_range (loss, n_loss, TRUE, &xlo, &xhi);
  if (series_range (metric, n_metric, TRUE, &mlo, &mhi))
    {
      xlo = have ? MIN (xlo, mlo) : mlo;
      xhi = have ? MAX (xhi, mhi) : mhi;
      have = TRUE;
    }
  if (!have)
    {
      xlo = 0;
      xhi = 1;
    }
  nice_range (&xlo, &xhi);

  cairo_surface_t *surface;
  cairo_t *cr = begin (width, height, &surface);
  /* Two panels on one x axis: loss on top, the metric below. */
  Axes top = { 0 }, bottom = { 0 };
  frame_for (width, height, 0.10, 0.12, &top);
  bottom = top;
  double mid = (top.y0 + top.y1) / 2, gap = 14 * top.scale;
  top.y1 = mid - gap;
  bottom.y0 = mid + gap;
  top.xmin = bottom.xmin = xlo;
  top.xmax = bottom.xmax = xhi;

  training_panel (cr, &top, _("Loss"), loss, n_loss, TRUE, FALSE, FALSE);
  training_panel (cr, &bottom, metric_label ? metric_label : _("Metric"), metric, n_metric,
                  FALSE, TRUE, TRUE);
  draw_title_and_labels (cr, &bottom, width, NULL, x_label ? x_label : _("Epoch"), NULL);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  set_font (cr, 20 * top.scale, TRUE);
  draw_text (cr, width / 2.0, top.y0 * 0.45, 0.5, 0.5, title ? title : _("Training"));
  return finish (cr, surface, path, error);
}

gboolean
msc_plot_training_log (const char *path, const char *title, const char *loss_label,
                       const char *metric_label, const double *steps, const double *loss,
                       const double *metric, guint n, GError **error)
{
  g_autofree double *mx = g_new (double, MAX (n, 1u));
  g_autofree double *my = g_new (double, MAX (n, 1u));
  guint m = 0;
  for (guint i = 0; i < n; i++)
    if (!isnan (metric[i]))
      {
        mx[m] = steps[i];
        my[m++] = metric[i];
      }
  MscPlotSeries l = { loss_label, steps, loss, n, FALSE, FALSE };
  MscPlotSeries v = { _("validation"), mx, my, m, FALSE, TRUE };
  return msc_plot_training (path, 900, 600, title, _("Step"), &l, n > 0 ? 1 : 0, metric_label,
                            &v, m > 0 ? 1 : 0, error);
}
