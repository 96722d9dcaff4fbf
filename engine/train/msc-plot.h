/* engine/train/msc-plot.h — evaluation and training plots as PNG (cairo):
 * ROC, precision-recall, FROC and training curves, for the cross-validation
 * report and docs/MODEL.md. Files are written atomically (temp file beside
 * the target, then rename), so a report never links a half-written image.
 */
#pragma once

#include <glib.h>
#include "msc-train-error.h"

G_BEGIN_DECLS

/* One curve: n points (x[i], y[i]) joined by straight lines in order.
 * label is the legend text (already translated by the caller; NULL leaves
 * the curve out of the legend). Series i is drawn in palette colour i
 * (msc_plot_series_rgb) unless emphasis is set: then thick and near-black
 * (for the mean of several folds). dashed draws it dashed (validation vs
 * train). NaN and infinite points are skipped (the line breaks there). */
typedef struct {
  const char *label;
  const double *x;   /* (n) */
  const double *y;   /* (n) */
  gsize n;
  gboolean emphasis;
  gboolean dashed;
} MscPlotSeries;

/* Smallest and largest image size accepted (pixels per side). */
#define MSC_PLOT_MIN_SIZE 200
#define MSC_PLOT_MAX_SIZE 8000

/* ROC curves (x = 1 - specificity, y = sensitivity, both 0..1) with the
 * chance diagonal; each legend entry gets " (AUC 0.812)" appended, the
 * trapezoid area of that series' points. title NULL: "ROC curve". */
gboolean msc_plot_roc (const char *path, guint width, guint height, const char *title,
                       const MscPlotSeries *series, gsize n_series, GError **error);

/* Precision-recall curves (x = recall, y = precision, 0..1). The caller
 * puts the average precision in the label. title NULL: "Precision-recall". */
gboolean msc_plot_pr (const char *path, guint width, guint height, const char *title,
                      const MscPlotSeries *series, gsize n_series, GError **error);

/* FROC curves: x = false positives per image on a log2 axis from 0.125 to
 * 8, y = lesion sensitivity 0..1, with dotted marks at 0.25, 0.5, 1 and 2
 * FP/image and a dot where each series stands at each mark. Curves are
 * drawn as steps (right, then up), the way msc_metrics_froc_sensitivity_at
 * reads them. Points beyond 8 are clipped; x <= 0.125 is drawn at the left
 * edge. title NULL: "FROC". */
gboolean msc_plot_froc (const char *path, guint width, guint height, const char *title,
                        const MscPlotSeries *series, gsize n_series, GError **error);

/* Training curves in two stacked panels sharing x (step or epoch, named
 * by x_label, NULL: "Epoch"): loss above, the validation metric below
 * (metric_label names it, NULL: "Metric"). Axes scale to the data (the
 * loss axis starts at 0 when all losses are >= 0). Either set may be
 * empty (n = 0): its panel says "no data". title NULL: "Training". */
gboolean msc_plot_training (const char *path, guint width, guint height, const char *title,
                            const char *x_label,
                            const MscPlotSeries *loss, gsize n_loss,
                            const char *metric_label,
                            const MscPlotSeries *metric, gsize n_metric,
                            GError **error);

/* A training run's curves (900 x 600) from its log: loss at each of the n
 * steps, the validation metric where it is not NaN (steps without a
 * validation). x is labelled "Step". */
gboolean msc_plot_training_log (const char *path, const char *title, const char *loss_label,
                                const char *metric_label, const double *steps,
                                const double *loss, const double *metric, guint n,
                                GError **error);

/* Series colour i (the palette repeats after 8), 0..255 per channel. */
void     msc_plot_series_rgb (guint index, guint8 rgb[3]);

/* Where a data point lands in a ROC/PR (log_x FALSE: x in 0..1) or FROC
 * (log_x TRUE: x in 0.125..8) plot of the given size, in pixel coordinates
 * (x right, y down; pixel (i, j) covers [i, i+1) x [j, j+1)). The frame does
 * not depend on titles or legends, so tests and callers can find curves. */
void     msc_plot_data_to_pixel (guint width, guint height, gboolean log_x,
                                 double x, double y, double *px, double *py);

G_END_DECLS
