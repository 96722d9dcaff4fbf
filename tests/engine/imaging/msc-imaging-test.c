/* tests/engine/imaging/msc-imaging-test.c — see the header. */
#include "msc-imaging-test.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "msc-load.h"
#include "msc-png.h"
#include "msc-test-util.h"

static MscPlane *
plane_from_file (const char *path, gboolean to_u8)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
  g_assert_no_error (error);
  MscPlane *plane = msc_plane_new_from_image (image, to_u8, &error);
  g_assert_no_error (error);
  return plane;
}

MscPlane *
msc_imaging_test_mias (guint number)
{
  g_autofree char *rel = g_strdup_printf ("mias/images/mdb%03u.png", number);
  g_autofree char *path = msc_test_shared_path (rel);
  return path ? plane_from_file (path, TRUE) : NULL;
}

MscPlane *
msc_imaging_test_dicom (const char *name)
{
  g_autofree char *rel = g_build_filename ("dicom", name, NULL);
  g_autofree char *path = msc_test_shared_path (rel);
  return path ? plane_from_file (path, FALSE) : NULL;
}

MscPlane *
msc_imaging_test_read_png (const char *path)
{
  return plane_from_file (path, TRUE);
}

MscPlane *
msc_imaging_test_read_f32 (const char *path, guint width, guint height)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize size = 0;
  g_file_get_contents (path, &data, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, (gsize) width * height * sizeof (float));
  MscPlane *plane = msc_plane_new (MSC_PLANE_F32, width, height, &error);
  g_assert_no_error (error);
  memcpy (msc_plane_f32 (plane), data, size);   /* x86: little endian */
  return plane;
}

char *
msc_imaging_test_write_png (const MscPlane *plane)
{
  static guint counter;
  g_autofree char *dir = msc_test_tmpdir ();
  char *path = g_strdup_printf ("%s/plane-%u.png", dir, counter++);
  g_autoptr (GError) error = NULL;
  msc_plane_save_png (plane, path, &error);
  g_assert_no_error (error);
  return path;
}

char *
msc_imaging_test_python (const char *script, const char * const *args)
{
  const char *py = g_getenv ("MSC_PYTHON");
  g_autofree char *script_path = g_test_build_filename (G_TEST_DIST, "engine", "imaging", script, NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) (py ? py : "/usr/bin/python3"));
  g_ptr_array_add (argv, script_path);
  for (guint i = 0; args && args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &error))
    {
      g_autofree char *msg = g_strdup_printf ("reference Python unavailable: %s", error->message);
      g_test_skip (msg);
      return NULL;
    }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_autofree char *msg = g_strdup_printf ("OpenCV reference unavailable: %s", g_strstrip (err));
      g_test_skip (msg);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", script_path, err);
  return g_steal_pointer (&out);
}

static double
value_at (const MscPlane *p, gsize i)
{
  switch (msc_plane_get_format (p))
    {
    case MSC_PLANE_U8: return msc_plane_peek_u8 (p)[i];
    case MSC_PLANE_U16: return msc_plane_peek_u16 (p)[i];
    case MSC_PLANE_F32: default: return msc_plane_peek_f32 (p)[i];
    }
}

void
msc_imaging_test_assert_close (const MscPlane *a, const MscPlane *b,
                               double tolerance, double max_fraction)
{
  g_assert_cmpuint (msc_plane_get_width (a), ==, msc_plane_get_width (b));
  g_assert_cmpuint (msc_plane_get_height (a), ==, msc_plane_get_height (b));
  g_assert_cmpint (msc_plane_get_format (a), ==, msc_plane_get_format (b));

  guint w = msc_plane_get_width (a);
  gsize n = msc_plane_get_n_pixels (a), bad = 0, first = 0;
  double worst = 0;
  for (gsize i = 0; i < n; i++)
    {
      double va = value_at (a, i), vb = value_at (b, i);
      double d = fabs (va - vb);
      if (!(d <= tolerance))        /* NaN counts as differing */
        {
          if (bad++ == 0)
            first = i;
          worst = isnan (d) ? INFINITY : MAX (worst, d);
        }
    }
  if ((double) bad > max_fraction * (double) n)
    g_error ("%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " pixels differ by more than %g "
             "(allowed %g%%); first at (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): %g vs %g; worst %g",
             bad, n, tolerance, max_fraction * 100, first % w, first / w,
             value_at (a, first), value_at (b, first), worst);
}
