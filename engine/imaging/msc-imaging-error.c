/* engine/imaging/msc-imaging-error.c — the MSC_IMAGING_ERROR quark. */
#include "msc-imaging-error.h"

G_DEFINE_QUARK (msc-imaging-error-quark, msc_imaging_error)
