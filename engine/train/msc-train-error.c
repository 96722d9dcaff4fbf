/* engine/train/msc-train-error.c — the MSC_TRAIN_ERROR quark. */
#include "msc-train-error.h"

G_DEFINE_QUARK (msc-train-error-quark, msc_train_error)
