/* engine/io/msc-study.c — placeholder until study grouping lands. */
#include "msc-study.h"

GPtrArray *
msc_study_scan (const char *path, const MscLoadOptions *opts, GPtrArray **problems, GError **error)
{
  return g_ptr_array_new ();
}
