/* tests/engine/imaging/test-components.c — connected components against
 * cv2.connectedComponentsWithStats (label-invariant: same count and same
 * multiset of area, box and centroid) on thresholded MIAS images and noisy
 * random masks; raster-order numbering; largest component; errors.
 */
#include "msc-components.h"
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-threshold.h"
#include "msc-test-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
component_compare (gconstpointer a, gconstpointer b)
{
  const MscComponent *ca = a, *cb = b;
  if (ca->area != cb->area)
    return ca->area < cb->area ? -1 : 1;
  if (ca->y != cb->y)
    return ca->y < cb->y ? -1 : 1;
  if (ca->x != cb->x)
    return ca->x < cb->x ? -1 : 1;
  if (ca->width != cb->width)
    return ca->width < cb->width ? -1 : 1;
  if (ca->height != cb->height)
    return ca->height < cb->height ? -1 : 1;
  return (ca->centroid_x > cb->centroid_x) - (ca->centroid_x < cb->centroid_x);
}

/* The label image must agree with the statistics and number components in
 * raster order of their first pixel. */
static void
check_consistent (const MscLabels *labels, guint w, guint h)
{
  guint n = msc_labels_get_n (labels);
  const guint32 *l = msc_labels_peek (labels);
  g_autofree guint64 *area = g_new0 (guint64, n + 1);
  guint next = 1;
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      g_assert_cmpuint (l[i], <=, n);
      if (l[i] == next)
        next++;
      else
        g_assert_cmpuint (l[i], <, next);     /* first pixels in raster order */
      area[l[i]]++;
    }
  g_assert_cmpuint (next, ==, n + 1);
  for (guint k = 1; k <= n; k++)
    g_assert_cmpuint (area[k], ==, msc_labels_get (labels, k)->area);
}

static void
compare_with_cv (const MscPlane *mask, guint connectivity)
{
  g_autofree char *path = msc_imaging_test_write_png (mask);
  g_autofree char *conn = g_strdup_printf ("%u", connectivity);
  const char *args[] = { "components", path, conn, NULL };
  g_autofree char *out = msc_imaging_test_python ("cv-regions.py", args);
  if (out == NULL)
    return;

  g_autoptr (GError) error = NULL;
  g_autoptr (MscLabels) labels = msc_components_label (mask, connectivity, &error);
  g_assert_no_error (error);
  check_consistent (labels, msc_plane_get_width (mask), msc_plane_get_height (mask));

  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  guint n = (guint) strtoul (lines[0], NULL, 10);
  g_assert_cmpuint (msc_labels_get_n (labels), ==, n);
  g_autofree MscComponent *ours = g_new (MscComponent, MAX (n, 1));
  g_autofree MscComponent *theirs = g_new (MscComponent, MAX (n, 1));
  for (guint k = 0; k < n; k++)
    {
      ours[k] = *msc_labels_get (labels, k + 1);
      MscComponent *c = &theirs[k];
      g_assert_cmpint (sscanf (lines[k + 1], "%" G_GUINT64_FORMAT " %u %u %u %u %lf %lf", &c->area,
                               &c->x, &c->y, &c->width, &c->height, &c->centroid_x, &c->centroid_y), ==, 7);
    }
  qsort (ours, n, sizeof (MscComponent), component_compare);
  qsort (theirs, n, sizeof (MscComponent), component_compare);
  for (guint k = 0; k < n; k++)
    {
      g_assert_cmpuint (ours[k].area, ==, theirs[k].area);
      g_assert_cmpuint (ours[k].x, ==, theirs[k].x);
      g_assert_cmpuint (ours[k].y, ==, theirs[k].y);
      g_assert_cmpuint (ours[k].width, ==, theirs[k].width);
      g_assert_cmpuint (ours[k].height, ==, theirs[k].height);
      g_assert_cmpfloat_with_epsilon (ours[k].centroid_x, theirs[k].centroid_x, 1e-9);
      g_assert_cmpfloat_with_epsilon (ours[k].centroid_y, theirs[k].centroid_y, 1e-9);
    }
}

/* Otsu masks of real mammograms: the breast, tags and scanner borders,
 * plus a high threshold that leaves many small bright blobs. */
static void
test_mias (void)
{
  guint numbers[] = { 1, 10, 58, 121, 227 };
  for (guint k = 0; k < G_N_ELEMENTS (numbers); k++)
    {
      g_autoptr (MscPlane) img = msc_imaging_test_mias (numbers[k]);
      if (img == NULL)
        return;
      g_autoptr (GError) error = NULL;
      guint t = 0;
      g_assert_true (msc_threshold_otsu (img, NULL, &t, &error));
      double thresholds[] = { t, 200 };
      for (guint j = 0; j < 2; j++)
        {
          g_autoptr (MscPlane) mask = msc_threshold_apply (img, thresholds[j], &error);
          compare_with_cv (mask, 4);
          compare_with_cv (mask, 8);
        }
    }
}

static MscPlane *
random_mask (guint w, guint h, double density, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  MscPlane *p = msc_plane_new (MSC_PLANE_U8, w, h, NULL);
  for (gsize i = 0; i < msc_plane_get_n_pixels (p); i++)
    msc_plane_u8 (p)[i] = g_rand_double (rand) < density ? 255 : 0;
  return p;
}

/* Noise near the percolation threshold makes long, branching components
 * with many merges: the union-find's worst case. */
static void
test_random (void)
{
  double densities[] = { 0.2, 0.45, 0.6, 0.9 };
  for (guint k = 0; k < G_N_ELEMENTS (densities); k++)
    {
      g_autoptr (MscPlane) m = random_mask (317, 211, densities[k], 17 + k);
      compare_with_cv (m, 4);
      compare_with_cv (m, 8);
    }
  g_autoptr (MscPlane) row = random_mask (10000, 1, 0.5, 3);
  g_autoptr (MscPlane) col = random_mask (1, 10000, 0.5, 4);
  compare_with_cv (row, 8);
  compare_with_cv (col, 4);
}

static MscPlane *
filled (guint w, guint h, guint8 v)
{
  MscPlane *p = msc_plane_new (MSC_PLANE_U8, w, h, NULL);
  memset (msc_plane_u8 (p), v, msc_plane_get_n_pixels (p));
  return p;
}

static void
test_degenerate (void)
{
  guint sizes[][2] = { { 1, 1 }, { 1, 10000 }, { 10000, 1 }, { 33, 17 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint w = sizes[s][0], h = sizes[s][1];
      g_autoptr (GError) error = NULL;
      g_autoptr (MscPlane) black = filled (w, h, 0);
      g_autoptr (MscLabels) none = msc_components_label (black, 8, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (msc_labels_get_n (none), ==, 0);
      g_assert_cmpuint (msc_labels_largest (none), ==, 0);
      g_autoptr (MscPlane) none_mask = msc_components_largest (black, &error);
      g_assert_no_error (error);
      for (gsize i = 0; i < (gsize) w * h; i++)
        g_assert_cmpuint (msc_plane_peek_u8 (none_mask)[i], ==, 0);

      g_autoptr (MscPlane) white = filled (w, h, 255);
      g_autoptr (MscLabels) one = msc_components_label (white, 4, &error);
      g_assert_cmpuint (msc_labels_get_n (one), ==, 1);
      const MscComponent *c = msc_labels_get (one, 1);
      g_assert_cmpuint (c->area, ==, (guint64) w * h);
      g_assert_cmpuint (c->width, ==, w);
      g_assert_cmpuint (c->height, ==, h);
      g_assert_cmpfloat (c->centroid_x, ==, (w - 1) / 2.0);
      g_assert_cmpfloat (c->centroid_y, ==, (h - 1) / 2.0);
      g_autoptr (MscPlane) all = msc_components_largest (white, &error);
      msc_imaging_test_assert_close (all, white, 0, 0);
    }
}

/* A checkerboard is one component with 8-connectivity and w h / 2 with 4. */
static void
test_connectivity (void)
{
  g_autoptr (MscPlane) board = filled (6, 4, 0);
  for (guint y = 0; y < 4; y++)
    for (guint x = 0; x < 6; x++)
      msc_plane_u8 (board)[y * 6 + x] = (x + y) % 2 ? 255 : 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (MscLabels) l4 = msc_components_label (board, 4, &error);
  g_autoptr (MscLabels) l8 = msc_components_label (board, 8, &error);
  g_assert_cmpuint (msc_labels_get_n (l4), ==, 12);
  g_assert_cmpuint (msc_labels_get_n (l8), ==, 1);
  g_assert_cmpuint (msc_labels_peek (l4)[1], ==, 1);      /* (1, 0) is the first pixel */
  g_assert_cmpuint (msc_labels_peek (l4)[3], ==, 2);
  g_assert_cmpuint (msc_labels_peek (l4)[6], ==, 4);      /* (0, 1) after the row's three */
}

/* Largest: a U-shape (whose arms merge only at the bottom: labelled as two
 * runs first, then united) beats a taller but thinner bar. */
static void
test_largest (void)
{
  g_autoptr (MscPlane) m = filled (20, 12, 0);
  guint8 *p = msc_plane_u8 (m);
  for (guint y = 0; y < 10; y++)
    {
      p[y * 20 + 2] = p[y * 20 + 8] = 255;                /* arms */
      p[y * 20 + 15] = 255;                               /* bar */
    }
  for (guint x = 2; x <= 8; x++)
    p[9 * 20 + x] = 255;                                  /* bottom of the U */
  p[11 * 20 + 15] = 255;                                  /* a second, lone bar pixel */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscLabels) labels = msc_components_label (m, 8, &error);
  g_assert_cmpuint (msc_labels_get_n (labels), ==, 3);
  guint big = msc_labels_largest (labels);
  g_assert_cmpuint (big, ==, 1);
  g_assert_cmpuint (msc_labels_get (labels, big)->area, ==, 10 + 10 + 5);
  g_autoptr (MscPlane) largest = msc_components_largest (m, &error);
  g_autoptr (MscPlane) by_label = msc_labels_mask (labels, big, &error);
  g_assert_no_error (error);
  msc_imaging_test_assert_close (largest, by_label, 0, 0);
  g_assert_cmpuint (msc_plane_peek_u8 (largest)[15], ==, 0);
  g_assert_cmpuint (msc_plane_peek_u8 (largest)[9 * 20 + 5], ==, 255);
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) m = filled (4, 4, 255);
  guint bad[] = { 0, 6, 9 };
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_assert_null (msc_components_label (m, bad[k], &error));
      g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "connectivity"));
      g_clear_error (&error);
    }
  g_autoptr (MscPlane) u16 = msc_plane_convert (m, MSC_PLANE_U16, NULL);
  g_assert_null (msc_components_label (u16, 8, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_null (msc_components_largest (u16, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);

  g_autoptr (MscLabels) labels = msc_components_label (m, 8, &error);
  g_assert_null (msc_labels_mask (labels, 2, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (msc_labels_mask (labels, 0, &error));
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  msc_labels_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/components/mias", test_mias);
  g_test_add_func ("/imaging/components/random", test_random);
  g_test_add_func ("/imaging/components/degenerate", test_degenerate);
  g_test_add_func ("/imaging/components/connectivity", test_connectivity);
  g_test_add_func ("/imaging/components/largest", test_largest);
  g_test_add_func ("/imaging/components/errors", test_errors);
  return g_test_run ();
}
