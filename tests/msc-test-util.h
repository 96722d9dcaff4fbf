/* tests/msc-test-util.h — shared helpers for the test programs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The shared data folder (../shared/data) or NULL after g_test_skip with a
 * message saying it is absent. Call at the start of a test function. */
const char *msc_test_shared_data (void);

/* A file under the shared data folder (transfer full), or NULL after a skip. */
char       *msc_test_shared_path (const char *relative);

/* A fresh temporary folder removed at exit (transfer full). */
char       *msc_test_tmpdir      (void);

/* The mammoscope-cli binary under test (from MSC_CLI). */
const char *msc_test_cli         (void);

/* Reads a CSV file into rows of fields; the first row is the header.
 * Returns a GPtrArray of GStrv (transfer full). Fails the test on error. */
GPtrArray  *msc_test_read_csv    (const char *path);
/* Column index of name in header row, failing the test when absent. */
guint       msc_test_csv_column  (GStrv header, const char *name);

G_END_DECLS
