/* engine/io/msc-io-error.c — the engine/io error domain. */
#include "msc-io-error.h"

G_DEFINE_QUARK (msc-io-error-quark, msc_io_error)
