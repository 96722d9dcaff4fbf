/* engine/nn/msc-nn-error.c — the engine/nn error domain. */
#include "msc-nn-error.h"

G_DEFINE_QUARK (msc-nn-error-quark, msc_nn_error)
