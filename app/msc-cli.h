/* app/msc-cli.h — what mammoscope-cli's command files share (app-internal).
 *
 * Each command is `int command (argc, argv)` returning the exit status:
 * 0 done, 1 some input was bad (each said on stderr as "PATH: problem"),
 * 2 the command line itself was wrong.
 */
#pragma once

#include <glib.h>
#include "msc-image.h"

G_BEGIN_DECLS

typedef int (*CommandFunc) (int argc, char **argv);

/* Parses argv with entries plus the common ones; prints usage on error. */
gboolean  msc_cli_parse_options (const char *parameter, const char *summary,
                                 const GOptionEntry *entries, int *argc, char ***argv);
/* Prints one problem as one line on stderr. */
void      msc_cli_print_problem (const char *message);
/* Loads a file for a command; laterality missing from the header is
 * inferred from the pixels, as the study view would do. */
MscImage *msc_cli_load_image    (const char *path, GError **error);

int       msc_cli_preprocess    (int argc, char **argv);
int       msc_cli_analyze       (int argc, char **argv);
int       msc_cli_train         (int argc, char **argv);
int       msc_cli_evaluate      (int argc, char **argv);
int       msc_cli_calibrate     (int argc, char **argv);

G_END_DECLS
