/* engine/train/msc-train-error.h — the one error domain of engine/train.
 *
 * Training data and runs fail in a few ways a caller must tell apart: a
 * manifest or configuration is wrong (with the file and line), a file it
 * names is missing or unreadable, the set is empty after checks, or the
 * user cancelled. Messages name the file and, for manifests, the line.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MSC_TRAIN_ERROR (msc_train_error_quark ())

typedef enum {
  MSC_TRAIN_ERROR_INVALID,      /* bad manifest row, configuration value or argument */
  MSC_TRAIN_ERROR_MISSING,      /* a file the manifest or configuration names is absent */
  MSC_TRAIN_ERROR_EMPTY,        /* nothing left to train or evaluate on */
  MSC_TRAIN_ERROR_FAILED,       /* I/O while writing checkpoints, plots or reports */
  MSC_TRAIN_ERROR_CANCELLED,
} MscTrainError;

GQuark msc_train_error_quark (void);

G_END_DECLS
