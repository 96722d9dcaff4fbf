/* engine/nn/msc-nn-error.h — the error domain of engine/nn. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MSC_NN_ERROR (msc_nn_error_quark ())

typedef enum {
  MSC_NN_ERROR_SHAPE,         /* shapes that do not fit together */
  MSC_NN_ERROR_INVALID,       /* bad parameters, graphs or model files */
  MSC_NN_ERROR_UNSUPPORTED,   /* a valid request we do not implement */
  MSC_NN_ERROR_NUMERIC,       /* NaN or infinity where finite values are required */
  MSC_NN_ERROR_IO,            /* reading or writing files */
} MscNnError;

GQuark msc_nn_error_quark (void);

G_END_DECLS
