/* tests/msc-test-util.c — shared helpers for the test programs. */
#include "msc-test-util.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

static GPtrArray *tmpdirs;

const char *
msc_test_shared_data (void)
{
  const char *dir = g_getenv ("MSC_SHARED_DATA");
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("shared test data not found (set MSC_SHARED_DATA or put ../shared beside the source tree)");
      return NULL;
    }
  return dir;
}

char *
msc_test_shared_path (const char *relative)
{
  const char *dir = msc_test_shared_data ();
  if (dir == NULL)
    return NULL;
  char *path = g_build_filename (dir, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf ("shared test file %s not found", path);
      g_test_skip (msg);
      g_free (path);
      return NULL;
    }
  return path;
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      if (dir)
        g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
remove_tmpdirs (void)
{
  if (g_getenv ("MSC_TEST_KEEP_TMP"))
    return;
  for (guint i = 0; tmpdirs && i < tmpdirs->len; i++)
    remove_tree (tmpdirs->pdata[i]);
  g_clear_pointer (&tmpdirs, g_ptr_array_unref);
}

char *
msc_test_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("mammoscope-test-XXXXXX", &error);
  g_assert_no_error (error);
  if (tmpdirs == NULL)
    {
      tmpdirs = g_ptr_array_new_with_free_func (g_free);
      atexit (remove_tmpdirs);
    }
  g_ptr_array_add (tmpdirs, g_strdup (dir));
  return dir;
}

const char *
msc_test_cli (void)
{
  const char *cli = g_getenv ("MSC_CLI");
  g_assert_nonnull (cli);
  return cli;
}

GPtrArray *
msc_test_read_csv (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_strchomp (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      g_ptr_array_add (rows, g_strsplit (lines[i], ",", -1));
    }
  g_assert_cmpuint (rows->len, >, 0);
  return rows;
}

guint
msc_test_csv_column (GStrv header, const char *name)
{
  for (guint i = 0; header[i]; i++)
    if (strcmp (header[i], name) == 0)
      return i;
  g_error ("CSV column %s not found", name);
  return 0;
}
