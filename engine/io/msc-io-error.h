/* engine/io/msc-io-error.h — the one error domain of engine/io.
 *
 * Every reader and writer in this folder reports through MSC_IO_ERROR so a
 * caller can tell "not an image" from "corrupt" from "too large" without
 * knowing the format. Messages start with the file name.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MSC_IO_ERROR (msc_io_error_quark ())

typedef enum {
  MSC_IO_ERROR_FAILED,        /* file system: cannot open, read or write */
  MSC_IO_ERROR_INVALID,       /* corrupt or inconsistent content */
  MSC_IO_ERROR_TRUNCATED,     /* shorter than its own header declares */
  MSC_IO_ERROR_TOO_LARGE,     /* above the configured size limits */
  MSC_IO_ERROR_UNSUPPORTED,   /* valid, but an encoding we do not decode */
  MSC_IO_ERROR_NOT_IMAGE,     /* a valid object that is not a greyscale image */
  MSC_IO_ERROR_UNKNOWN_FORMAT,
} MscIoError;

GQuark msc_io_error_quark (void);

G_END_DECLS
