/* tests/ui/test-study-grid.c — MscStudyGrid: the chest-wall/mirror decision
 * on real mammograms (all MIAS PNGs against their labelled laterality, the
 * shared DICOM files, MONOCHROME1), and a phantom study hung in the grid:
 * tissue on the inner edges in 4-up, 2-up and 1-up layouts, paired zoom.
 */
#include <glib/gi18n.h>
#include "msc-load.h"
#include "msc-phantom.h"
#include "msc-study-grid.h"
#include "msc-test-util.h"
#include "msc-ui-test.h"


/* ---- chest wall, unit ---- */

/* A w x h image whose left (tissue_left) or right tenth is bright. */
static MscImage *
make_image (gboolean tissue_left, gboolean mono1)
{
  const guint w = 200, h = 100;
  MscImage *image = msc_image_new (w, h, 12, 0, NULL);
  g_assert_nonnull (image);
  guint16 *px = msc_image_get_pixels_mutable (image);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        /* tissue fades from its edge over half the width */
        double d = tissue_left ? (double) x / w : (double) (w - 1 - x) / w;
        guint16 v = d < 0.5 ? (guint16) (3000 * (1 - 2 * d)) : 0;
        px[y * w + x] = mono1 ? 4095 - v : v;
      }
  msc_image_set_monochrome1 (image, mono1);
  return image;
}

static void
test_chest_wall_synthetic (void)
{
  for (int mono1 = 0; mono1 <= 1; mono1++)
    {
      g_autoptr (MscImage) left = make_image (TRUE, mono1);
      g_autoptr (MscImage) right = make_image (FALSE, mono1);
      g_assert_cmpint (msc_chest_wall_side (left), ==, MSC_CHEST_WALL_LEFT);
      g_assert_cmpint (msc_chest_wall_side (right), ==, MSC_CHEST_WALL_RIGHT);
      /* Laterality does not override clear pixels. */
      msc_image_set_laterality (left, MSC_LATERALITY_RIGHT, FALSE);
      g_assert_cmpint (msc_chest_wall_side (left), ==, MSC_CHEST_WALL_LEFT);
    }
  /* A blank image: laterality decides, else unknown. */
  g_autoptr (MscImage) blank = msc_image_new (64, 64, 12, 0, NULL);
  g_assert_cmpint (msc_chest_wall_side (blank), ==, MSC_CHEST_WALL_UNKNOWN);
  msc_image_set_laterality (blank, MSC_LATERALITY_LEFT, FALSE);
  g_assert_cmpint (msc_chest_wall_side (blank), ==, MSC_CHEST_WALL_LEFT);
  msc_image_set_laterality (blank, MSC_LATERALITY_RIGHT, FALSE);
  g_assert_cmpint (msc_chest_wall_side (blank), ==, MSC_CHEST_WALL_RIGHT);

  /* Left column wants the chest wall on the right edge, and vice versa. */
  g_assert_false (msc_chest_wall_needs_mirror (MSC_CHEST_WALL_RIGHT, TRUE));
  g_assert_true (msc_chest_wall_needs_mirror (MSC_CHEST_WALL_LEFT, TRUE));
  g_assert_true (msc_chest_wall_needs_mirror (MSC_CHEST_WALL_RIGHT, FALSE));
  g_assert_false (msc_chest_wall_needs_mirror (MSC_CHEST_WALL_LEFT, FALSE));
  g_assert_false (msc_chest_wall_needs_mirror (MSC_CHEST_WALL_UNKNOWN, TRUE));
  g_assert_false (msc_chest_wall_needs_mirror (MSC_CHEST_WALL_UNKNOWN, FALSE));
}

/* Every MIAS PNG (no laterality in the file: pixels only) against the
 * labelled laterality; MIAS stores right breasts with the chest wall on the
 * image's right, the convention the engine documents. */
static void
test_chest_wall_mias (void)
{
  g_autofree char *labels_path = msc_test_shared_path ("mias/labels.csv");
  if (labels_path == NULL)
    return;
  g_autoptr (GPtrArray) rows = msc_test_read_csv (labels_path);
  guint c_id = msc_test_csv_column (rows->pdata[0], "id");
  guint c_lat = msc_test_csv_column (rows->pdata[0], "laterality");
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0, right_answers = 0;
  for (guint i = 1; i < rows->len; i++)
    {
      GStrv row = rows->pdata[i];
      if (!g_hash_table_add (seen, row[c_id]))
        continue;
      g_autofree char *rel = g_strdup_printf ("mias/images/%s.png", row[c_id]);
      g_autofree char *path = msc_test_shared_path (rel);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
      g_assert_no_error (error);
      MscChestWall expected = g_str_equal (row[c_lat], "R") ? MSC_CHEST_WALL_RIGHT : MSC_CHEST_WALL_LEFT;
      MscChestWall side = msc_chest_wall_side (image);
      n++;
      if (side == expected)
        right_answers++;
      else
        g_test_message ("%s: labelled %s, chest wall decided %d", row[c_id], row[c_lat], side);
    }
  g_test_message ("MIAS chest wall: %u of %u right", right_answers, n);
  g_assert_cmpuint (n, >=, 200);
  /* A wrong side hangs a breast backwards: allow at most 2 %. */
  g_assert_cmpuint (right_answers * 100, >=, n * 98);
}

/* The shared DICOM files (MONOCHROME1 among them) agree with their
 * Image Laterality, and the decision is the same as for the PNG source. */
static void
test_chest_wall_dicom (void)
{
  g_autofree char *manifest = msc_test_shared_path ("dicom/manifest.csv");
  if (manifest == NULL)
    return;
  g_autoptr (GPtrArray) rows = msc_test_read_csv (manifest);
  guint c_file = msc_test_csv_column (rows->pdata[0], "file");
  guint c_lat = msc_test_csv_column (rows->pdata[0], "laterality");
  guint c_photo = msc_test_csv_column (rows->pdata[0], "photometric");
  guint n_mono1 = 0;
  for (guint i = 1; i < rows->len; i++)
    {
      GStrv row = rows->pdata[i];
      g_autofree char *rel = g_build_filename ("dicom", row[c_file], NULL);
      g_autofree char *path = msc_test_shared_path (rel);
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = msc_image_load (path, NULL, &error);
      g_assert_no_error (error);
      MscChestWall expected = g_str_equal (row[c_lat], "R") ? MSC_CHEST_WALL_RIGHT : MSC_CHEST_WALL_LEFT;
      g_assert_cmpint (msc_chest_wall_side (image), ==, expected);
      if (g_str_equal (row[c_photo], "MONOCHROME1"))
        {
          g_assert_true (msc_image_get_monochrome1 (image));
          n_mono1++;
        }
    }
  g_assert_cmpuint (n_mono1, >=, 2);
}

/* ---- the grid with the phantom ---- */

static GPtrArray *
phantom_studies (void)
{
  static char *dir;
  if (dir == NULL)
    {
      dir = msc_test_tmpdir ();
      g_autoptr (GError) error = NULL;
      MscPhantomOptions opts = { .seed = 1 };
      g_assert_true (msc_phantom_write_study (dir, &opts, &error));
      g_assert_no_error (error);
    }
  g_autoptr (GError) error = NULL;
  GPtrArray *problems = NULL;
  GPtrArray *studies = msc_study_scan (dir, NULL, &problems, &error);
  g_assert_no_error (error);
  g_assert_nonnull (studies);
  g_assert_cmpuint (studies->len, ==, 1);
  g_assert_true (problems == NULL || problems->len == 0);
  g_clear_pointer (&problems, g_ptr_array_unref);
  return studies;
}

typedef struct {
  GtkWidget *window;
  MscStudyGrid *grid;
  GPtrArray *studies;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  if (!msc_ui_test_have_display ())
    return;
  f->studies = phantom_studies ();
  f->window = msc_ui_test_window_new (1200, 800);
  f->grid = MSC_STUDY_GRID (msc_study_grid_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->grid));
  msc_study_grid_set_studies (f->grid, f->studies->pdata[0], NULL, NULL);
  msc_ui_test_wait_for_draw (GTK_WIDGET (f->grid));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->window)
    gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  g_clear_pointer (&f->studies, g_ptr_array_unref);
}

/* Waits for pending relayouts and frames, then renders the grid. */
static GdkTexture *
render_grid (Fixture *f, const char *name)
{
  msc_ui_test_wait_for_draw (GTK_WIDGET (f->grid));
  GdkTexture *texture = msc_ui_test_render (GTK_WIDGET (f->grid));
  g_autofree char *path = msc_ui_test_save (texture, name);
  g_test_message ("screenshot %s", path);
  return texture;
}

/* Mean grey of the displayed image's inner and outer strips (a tenth of
 * its displayed width, on the edge facing the grid's middle and the other
 * edge) in the grid render. */
static void
strips (Fixture *f, GdkTexture *texture, MscImageView *view, double *inner, double *outer)
{
  MscViewTransform t;
  msc_image_view_get_transform (view, &t);
  g_assert_cmpfloat (t.scale, >, 0);
  graphene_rect_t bounds;
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (view), GTK_WIDGET (f->grid), &bounds));
  double w = t.image_width * t.scale, h = t.image_height * t.scale;
  double x0 = bounds.origin.x + t.origin_x, y0 = bounds.origin.y + t.origin_y;
  double strip = w / 10;
  gboolean view_on_left = bounds.origin.x + bounds.size.width / 2 < gtk_widget_get_width (GTK_WIDGET (f->grid)) / 2.0;
  double left = msc_ui_test_mean_grey (texture, (int) (x0 + 2), (int) (y0 + h / 4), (int) strip, (int) (h / 2));
  double right = msc_ui_test_mean_grey (texture, (int) (x0 + w - strip - 2), (int) (y0 + h / 4), (int) strip, (int) (h / 2));
  *inner = view_on_left ? right : left;
  *outer = view_on_left ? left : right;
}

static guint
count_mapped (Fixture *f)
{
  guint n = 0;
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    n += gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_view (f->grid, s)));
  return n;
}

static void
test_grid_4up (Fixture *f, gconstpointer data)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autoptr (GdkTexture) texture = render_grid (f, "study-grid-4up");
  g_assert_cmpuint (count_mapped (f), ==, 4);
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    {
      double inner, outer;
      strips (f, texture, msc_study_grid_get_view (f->grid, s), &inner, &outer);
      g_test_message ("%s: inner %.1f outer %.1f", msc_slot_to_string (s), inner, outer);
      /* Tissue against the chest wall, air at the nipple side's corners. */
      g_assert_cmpfloat (inner, >, outer + 30);
    }
  /* The phantom stores every view with its chest wall on the image's own
   * side; exactly the views whose stored chest wall points outward are
   * mirrored, i.e. one of each facing pair is mirrored iff they differ. */
  gboolean m_rcc, m_lcc;
  g_object_get (msc_study_grid_get_view (f->grid, MSC_SLOT_R_CC), "mirror", &m_rcc, NULL);
  g_object_get (msc_study_grid_get_view (f->grid, MSC_SLOT_L_CC), "mirror", &m_lcc, NULL);
  MscStudy *study = f->studies->pdata[0];
  g_assert_cmpint (m_rcc, ==, msc_chest_wall_side (msc_study_get_slot (study, MSC_SLOT_R_CC)) == MSC_CHEST_WALL_LEFT);
  g_assert_cmpint (m_lcc, ==, msc_chest_wall_side (msc_study_get_slot (study, MSC_SLOT_L_CC)) == MSC_CHEST_WALL_RIGHT);
}

static void
test_grid_protocols (Fixture *f, gconstpointer data)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  int gw = gtk_widget_get_width (GTK_WIDGET (f->grid)), gh = gtk_widget_get_height (GTK_WIDGET (f->grid));

  msc_study_grid_set_protocol (f->grid, MSC_PROTOCOL_2UP_CC);
  g_autoptr (GdkTexture) cc = render_grid (f, "study-grid-2up-cc");
  g_assert_cmpuint (count_mapped (f), ==, 2);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_view (f->grid, MSC_SLOT_R_CC))));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_view (f->grid, MSC_SLOT_L_CC))));
  /* Two full-height tiles: tissue at mid-height next to the middle on both sides. */
  g_assert_cmpfloat (msc_ui_test_mean_grey (cc, gw / 2 - gw / 10, gh / 3, gw / 10 - 4, gh / 3), >, 40);
  g_assert_cmpfloat (msc_ui_test_mean_grey (cc, gw / 2 + 4, gh / 3, gw / 10 - 4, gh / 3), >, 40);
  for (MscSlot s = 0; s < 2; s++)
    {
      double inner, outer;
      strips (f, cc, msc_study_grid_get_view (f->grid, s), &inner, &outer);
      g_assert_cmpfloat (inner, >, outer + 30);
    }

  msc_study_grid_set_protocol (f->grid, MSC_PROTOCOL_2UP_MLO);
  g_autoptr (GdkTexture) mlo = render_grid (f, "study-grid-2up-mlo");
  g_assert_cmpuint (count_mapped (f), ==, 2);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_view (f->grid, MSC_SLOT_L_MLO))));
  g_assert_cmpint (msc_study_grid_get_active_slot (f->grid), ==, MSC_SLOT_R_MLO);

  msc_study_grid_set_protocol (f->grid, MSC_PROTOCOL_1UP);
  msc_study_grid_set_active_slot (f->grid, MSC_SLOT_L_CC);
  g_autoptr (GdkTexture) one = render_grid (f, "study-grid-1up");
  g_assert_cmpuint (count_mapped (f), ==, 1);
  g_assert_true (msc_study_grid_get_active_view (f->grid) == msc_study_grid_get_view (f->grid, MSC_SLOT_L_CC));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_view (f->grid, MSC_SLOT_L_CC))));
  /* One image centred over the whole grid: bright in the middle. */
  g_assert_cmpfloat (msc_ui_test_mean_grey (one, gw / 2 - 20, gh / 2 - 20, 40, 40), >, 40);

  msc_study_grid_cycle_active (f->grid, 1);
  g_assert_cmpint (msc_study_grid_get_active_slot (f->grid), ==, MSC_SLOT_R_MLO);
  msc_study_grid_cycle_active (f->grid, -2);
  g_assert_cmpint (msc_study_grid_get_active_slot (f->grid), ==, MSC_SLOT_R_CC);
  msc_study_grid_cycle_active (f->grid, -1);
  g_assert_cmpint (msc_study_grid_get_active_slot (f->grid), ==, MSC_SLOT_L_MLO);
  g_autoptr (GdkTexture) one_b = render_grid (f, "study-grid-1up-cycled");
  g_assert_cmpuint (count_mapped (f), ==, 1);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_view (f->grid, MSC_SLOT_L_MLO))));
}

static void
test_grid_pairing (Fixture *f, gconstpointer data)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  MscImageView *rcc = msc_study_grid_get_view (f->grid, MSC_SLOT_R_CC);
  MscImageView *lcc = msc_study_grid_get_view (f->grid, MSC_SLOT_L_CC);
  MscImageView *rmlo = msc_study_grid_get_view (f->grid, MSC_SLOT_R_MLO);
  double zoom_mlo_before = 0;
  g_object_get (rmlo, "zoom", &zoom_mlo_before, NULL);

  g_object_set (rcc, "zoom", 0.5, "center-x", 0.3, "center-y", 0.4, NULL);
  double zoom = 0, cx = 0, cy = 0, zoom_mlo = 0;
  gboolean fit = TRUE;
  g_object_get (lcc, "zoom", &zoom, "center-x", &cx, "center-y", &cy, "fit", &fit, NULL);
  g_assert_cmpfloat_with_epsilon (zoom, 0.5, 1e-9);
  g_assert_false (fit);
  /* Facing views: the same anatomy lies at 1 - x on the partner. */
  g_assert_cmpfloat_with_epsilon (cx, 0.7, 1e-9);
  g_assert_cmpfloat_with_epsilon (cy, 0.4, 1e-9);
  /* The MLO pair is not tied to the CC pair. */
  g_object_get (rmlo, "zoom", &zoom_mlo, NULL);
  g_assert_cmpfloat_with_epsilon (zoom_mlo, zoom_mlo_before, 1e-9);
  /* The other way round too. */
  g_object_set (lcc, "center-x", 0.6, NULL);
  g_object_get (rcc, "center-x", &cx, NULL);
  g_assert_cmpfloat_with_epsilon (cx, 0.4, 1e-9);

  /* The render shows both at the same scale: the displayed image widths match. */
  g_autoptr (GdkTexture) texture = render_grid (f, "study-grid-paired-zoom");
  MscViewTransform tr, tl;
  msc_image_view_get_transform (rcc, &tr);
  msc_image_view_get_transform (lcc, &tl);
  g_assert_cmpfloat_with_epsilon (tr.scale, tl.scale, 1e-9);
  double inner, outer;
  strips (f, texture, rcc, &inner, &outer);
  g_assert_cmpfloat (msc_ui_test_mean_grey (texture, 0, 0, gtk_widget_get_width (GTK_WIDGET (f->grid)) / 2,
                                            gtk_widget_get_height (GTK_WIDGET (f->grid)) / 2), >, 10);

  /* Back to fit on one: both fit again. */
  msc_image_view_zoom_fit (rcc);
  g_object_get (lcc, "fit", &fit, NULL);
  g_assert_true (fit);
}

/* Empty slots and a broken file: the file's slot shows its error. */
static void
test_grid_problems (Fixture *f, gconstpointer data)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (problems, g_strdup ("/x/R_MLO.dcm: truncated pixel data"));
  /* A study with its R-MLO removed: rebuild it from three files. */
  MscStudy *full = f->studies->pdata[0];
  const char *paths[4];
  guint n = 0;
  for (MscSlot s = 0; s < MSC_N_SLOTS; s++)
    if (s != MSC_SLOT_R_MLO)
      paths[n++] = msc_image_get_path (msc_study_get_slot (full, s));
  paths[n] = NULL;
  g_autoptr (GPtrArray) studies = msc_study_group (paths, NULL, NULL);
  g_assert_cmpuint (studies->len, ==, 1);
  msc_study_grid_set_studies (f->grid, studies->pdata[0], NULL, problems);
  g_autoptr (GdkTexture) texture = render_grid (f, "study-grid-broken-file");
  MscImageView *rmlo = msc_study_grid_get_view (f->grid, MSC_SLOT_R_MLO);
  g_assert_null (msc_image_view_get_image (rmlo));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (rmlo)));
  g_assert_nonnull (msc_image_view_get_image (msc_study_grid_get_view (f->grid, MSC_SLOT_L_MLO)));
  /* The error tile is not the black of an empty view: it draws text. */
  graphene_rect_t b;
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (rmlo), GTK_WIDGET (f->grid), &b));
  g_assert_cmpfloat (msc_ui_test_mean_grey (texture, (int) b.origin.x, (int) b.origin.y,
                                            (int) b.size.width, (int) b.size.height), >, 0.5);

  /* No study: every slot says it is empty. */
  msc_study_grid_set_studies (f->grid, NULL, NULL, NULL);
  g_autoptr (GdkTexture) empty = render_grid (f, "study-grid-empty");
  g_assert_cmpuint (count_mapped (f), ==, 0);
}

/* Prior/current: the current CC pair above the prior's, each breast in its
 * column, and the prior follows the current view's zoom and pan unmirrored. */
static void
test_grid_prior_current (Fixture *f, gconstpointer data)
{
  MSC_UI_TEST_NEED_DISPLAY ();
  g_autoptr (GPtrArray) prior = phantom_studies ();
  msc_study_grid_set_studies (f->grid, f->studies->pdata[0], prior->pdata[0], NULL);
  msc_study_grid_set_protocol (f->grid, MSC_PROTOCOL_PRIOR_CURRENT);
  g_autoptr (GdkTexture) texture = render_grid (f, "study-grid-prior-current");
  g_assert_cmpuint (count_mapped (f), ==, 2);
  for (MscSlot s = MSC_SLOT_R_CC; s <= MSC_SLOT_L_CC; s++)
    {
      MscImageView *cur = msc_study_grid_get_view (f->grid, s), *old = msc_study_grid_get_prior_view (f->grid, s);
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (old)));
      graphene_rect_t bc, bo;
      g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (cur), GTK_WIDGET (f->grid), &bc));
      g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (old), GTK_WIDGET (f->grid), &bo));
      g_assert_cmpfloat (bc.origin.x, ==, bo.origin.x);
      g_assert_cmpfloat (bc.origin.y, <, bo.origin.y);
      double inner, outer;
      strips (f, texture, old, &inner, &outer);
      g_assert_cmpfloat (inner, >, outer + 30);
    }
  MscImageView *cur = msc_study_grid_get_view (f->grid, MSC_SLOT_R_CC);
  MscImageView *old = msc_study_grid_get_prior_view (f->grid, MSC_SLOT_R_CC);
  g_object_set (cur, "zoom", 0.4, "center-x", 0.25, NULL);
  double zoom, cx;
  g_object_get (old, "zoom", &zoom, "center-x", &cx, NULL);
  g_assert_cmpfloat_with_epsilon (zoom, 0.4, 1e-9);
  g_assert_cmpfloat_with_epsilon (cx, 0.25, 1e-9);
  /* An MLO view made active swaps both rows to MLO. */
  msc_study_grid_set_active_slot (f->grid, MSC_SLOT_L_MLO);
  g_autoptr (GdkTexture) mlo = render_grid (f, "study-grid-prior-current-mlo");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_prior_view (f->grid, MSC_SLOT_R_MLO))));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (msc_study_grid_get_prior_view (f->grid, MSC_SLOT_R_CC))));
}

int
main (int argc, char **argv)
{
  msc_ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/study-grid/chest-wall/synthetic", test_chest_wall_synthetic);
  g_test_add_func ("/ui/study-grid/chest-wall/mias", test_chest_wall_mias);
  g_test_add_func ("/ui/study-grid/chest-wall/dicom", test_chest_wall_dicom);
  g_test_add ("/ui/study-grid/phantom/4up", Fixture, NULL, fixture_set_up, test_grid_4up, fixture_tear_down);
  g_test_add ("/ui/study-grid/phantom/protocols", Fixture, NULL, fixture_set_up, test_grid_protocols, fixture_tear_down);
  g_test_add ("/ui/study-grid/phantom/pairing", Fixture, NULL, fixture_set_up, test_grid_pairing, fixture_tear_down);
  g_test_add ("/ui/study-grid/phantom/prior-current", Fixture, NULL, fixture_set_up, test_grid_prior_current, fixture_tear_down);
  g_test_add ("/ui/study-grid/phantom/problems", Fixture, NULL, fixture_set_up, test_grid_problems, fixture_tear_down);
  return g_test_run ();
}
