/* tests/engine/imaging/test-pectoral.c — pectoral muscle detection on all
 * 238 MIAS images (the dev set: no polygon covers a labelled finding), on
 * synthetic images with and without a muscle, and on bad input.
 */
#include "msc-breast.h"
#include "msc-imaging-error.h"
#include "msc-imaging-test.h"
#include "msc-pectoral.h"
#include "mias-labels.h"

#include <math.h>

static MscPectoral *
detect (const MscPlane *img, MscBreast **breast_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscBreast) b = msc_breast_segment (img, NULL, &error);
  g_assert_no_error (error);
  MscPectoral *p = msc_pectoral_detect (img, b, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p);
  g_assert_cmpfloat (p->confidence, >=, 0.0);
  g_assert_cmpfloat (p->confidence, <=, 1.0);
  g_assert_true (isfinite (p->area_fraction));
  g_assert_cmpuint (p->polygon->len, ==, p->found ? 3 : 0);
  if (breast_out)
    *breast_out = g_steal_pointer (&b);
  return p;
}

/* The whole of MIAS is the dev set (there is no held-out pectoral truth). */
static void
test_mias (void)
{
  g_autoptr (GArray) cases = mias_labels_load ();
  if (cases == NULL)
    return;
  guint found = 0, confident = 0, checked = 0;
  for (guint i = 0; i < cases->len; i++)
    {
      const MiasCase *c = &g_array_index (cases, MiasCase, i);
      g_autoptr (MscPlane) img = msc_imaging_test_mias (c->number);
      g_autoptr (MscBreast) b = NULL;
      g_autoptr (MscPectoral) p = detect (img, &b);
      if (!p->found)
        continue;
      found++;
      confident += p->confidence >= 0.5;
      /* Never over a labelled finding centre. */
      for (guint k = 0; k < c->n_centres; k++)
        {
          if (msc_contour_contains (p->polygon, c->x[k], c->row[k]))
            g_test_message ("mdb%03u: muscle covers finding (%u, %u)", c->number, c->x[k], c->row[k]);
          g_assert_false (msc_contour_contains (p->polygon, c->x[k], c->row[k]));
          checked++;
        }
      /* A plausible muscle: on the chest-wall side, at the breast's top,
       * 2-50 % of the breast. */
      g_assert_cmpfloat (p->area_fraction, >=, 0.02);
      g_assert_cmpfloat (p->area_fraction, <=, 0.5);
      MscPoint corner = g_array_index (p->polygon, MscPoint, 0);
      g_assert_cmpfloat (fabs (corner.x - (b->chest_wall_left ? b->x : b->x + b->width - 1.0)), <=, 1.0);
      g_assert_cmpfloat (corner.y, ==, b->y);
    }
  g_test_message ("muscle found on %u of %u images (%u with confidence >= 0.5); "
                  "%u finding centres checked, none covered", found, cases->len, confident, checked);
  /* 196 of 238 when written (row runs 165, the Hough fallback 31 more). */
  g_assert_cmpuint (found, >=, 185);
}

/* A half-disc breast on the left edge, value base + slope * x, with an
 * optional brighter triangle (the muscle) at the top-left corner whose
 * edge runs from (mx, 0) to (0, my). Noise-free. */
static MscPlane *
synthetic (gboolean muscle, double mx, double my)
{
  g_autoptr (GError) error = NULL;
  guint w = 400, h = 600;
  MscPlane *p = msc_plane_new (MSC_PLANE_U8, w, h, &error);
  guint8 *v = msc_plane_u8 (p);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        double dy = (y - 300.0) / 290.0, dx = x / 300.0;
        if (dx * dx + dy * dy > 1.0)
          {
            v[y * w + x] = 5;
            continue;
          }
        double val = 110 + 20 * sin (x / 17.0) * cos (y / 23.0);   /* tissue texture */
        if (muscle && x / mx + y / my < 1.0)
          val = 190;
        v[y * w + x] = (guint8) val;
      }
  return p;
}

static void
test_synthetic (void)
{
  g_autoptr (MscPlane) none = synthetic (FALSE, 0, 0);
  g_autoptr (MscPectoral) pn = detect (none, NULL);
  g_assert_true (!pn->found || pn->confidence < 0.5);

  g_autoptr (MscPlane) with = synthetic (TRUE, 150, 350);
  g_autoptr (MscPectoral) pw = detect (with, NULL);
  g_assert_true (pw->found);
  g_assert_cmpfloat (pw->confidence, >=, 0.8);
  /* The fitted edge meets the top row within 8 px of x = 150 and the
   * chest wall within 15 px of y = 350 (the blur and the skipped top rows
   * shift the run ends by a few pixels). */
  MscPoint top = g_array_index (pw->polygon, MscPoint, 1), wall = g_array_index (pw->polygon, MscPoint, 2);
  g_assert_cmpfloat (fabs (top.x - 150), <=, 8);
  g_assert_cmpfloat (fabs (wall.y - 350), <=, 15);
  /* cv2.HoughLines form: theta of the normal, rho along it. */
  double th = atan2 (150, 350);
  g_assert_cmpfloat (fabs (pw->boundary.theta - th), <=, 0.05);

  /* Mirrored: the polygon mirrors too. */
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) mirror = msc_geometry_flip (with, TRUE, FALSE, NULL, &error);
  g_autoptr (MscPectoral) pm = detect (mirror, NULL);
  g_assert_true (pm->found);
  MscPoint mtop = g_array_index (pm->polygon, MscPoint, 1);
  g_assert_cmpfloat (fabs (mtop.x - (399 - top.x)), <=, 1e-6);
}

static void
test_dicom (void)
{
  g_autoptr (MscPlane) png = msc_imaging_test_mias (1);
  g_autoptr (MscPlane) dcm = msc_imaging_test_dicom ("mdb001-explicit-le.dcm");
  if (png == NULL || dcm == NULL)
    return;
  g_autoptr (MscPectoral) a = detect (png, NULL);
  g_autoptr (MscPectoral) b = detect (dcm, NULL);
  g_assert_cmpint (a->found, ==, b->found);
  /* The Gaussian rounds to U8 vs U16, so run ends may move by a pixel. */
  for (guint k = 0; k < a->polygon->len; k++)
    {
      MscPoint p = g_array_index (a->polygon, MscPoint, k), q = g_array_index (b->polygon, MscPoint, k);
      g_assert_cmpfloat (fabs (p.x - q.x) + fabs (p.y - q.y), <=, 4.0);
    }
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) img = synthetic (TRUE, 150, 350);
  g_autoptr (MscBreast) b = msc_breast_segment (img, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (MscPlane) f = msc_plane_convert (img, MSC_PLANE_F32, &error);
  g_autoptr (MscPectoral) p = msc_pectoral_detect (f, b, &error);
  g_assert_null (p);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_FORMAT);
  g_clear_error (&error);
  g_autoptr (MscPlane) small = msc_plane_new (MSC_PLANE_U8, 10, 10, &error);
  g_autoptr (MscPectoral) q = msc_pectoral_detect (small, b, &error);
  g_assert_null (q);
  g_assert_error (error, MSC_IMAGING_ERROR, MSC_IMAGING_ERROR_INVALID);
  msc_pectoral_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/imaging/pectoral/mias", test_mias);
  g_test_add_func ("/imaging/pectoral/synthetic", test_synthetic);
  g_test_add_func ("/imaging/pectoral/dicom", test_dicom);
  g_test_add_func ("/imaging/pectoral/errors", test_errors);
  return g_test_run ();
}
