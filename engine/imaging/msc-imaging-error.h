/* engine/imaging/msc-imaging-error.h — the one error domain of engine/imaging.
 *
 * Image-processing steps fail for three reasons only: the input cannot be
 * processed (wrong format, degenerate size, bad parameter), it would be too
 * large, or the caller cancelled. Messages say which step and why.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MSC_IMAGING_ERROR (msc_imaging_error_quark ())

typedef enum {
  MSC_IMAGING_ERROR_INVALID,      /* bad parameter or input the step cannot use */
  MSC_IMAGING_ERROR_FORMAT,       /* pixel format the step does not take */
  MSC_IMAGING_ERROR_TOO_LARGE,    /* result would exceed the size limits */
  MSC_IMAGING_ERROR_NOT_FOUND,    /* nothing to find: no breast, no muscle */
  MSC_IMAGING_ERROR_CANCELLED,
} MscImagingError;

GQuark msc_imaging_error_quark (void);

G_END_DECLS
