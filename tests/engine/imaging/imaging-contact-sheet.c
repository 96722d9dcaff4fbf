/* tests/engine/imaging/imaging-contact-sheet.c — draws every MIAS image as
 * a thumbnail with its breast outline (green) and pectoral polygon (red:
 * confidence >= 0.5, yellow: found with lower confidence) for checking the
 * detections by eye. Writes docs/pectoral-contact-sheet.png (< 1 MB).
 * Usage: imaging-contact-sheet MIAS_DIR OUT.png
 */
#include "msc-breast.h"
#include "msc-geometry.h"
#include "msc-imaging-test.h"
#include "msc-pectoral.h"

#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>

/* 96 px tiles with 16 grey levels keep 238 thumbnails under 1 MB as PNG
 * (measured: ~0.7 MB); the outlines stay legible. */
#define TILE 96
#define COLUMNS 16
#define LEVELS 16

typedef struct {
  guint found, confident;
} Counts;

/* g_ptr_array_sort hands the comparator pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
draw_polygon (cairo_t *cr, const GArray *poly, double scale)
{
  for (guint k = 0; k < poly->len; k++)
    {
      MscPoint p = g_array_index (poly, MscPoint, k);
      double x = (p.x + 0.5) * scale, y = (p.y + 0.5) * scale;
      if (k == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_close_path (cr);
  cairo_stroke (cr);
}

/* The thumbnail: area-resized image, posterised, as RGB24 pixels. */
static void
draw_thumbnail (cairo_surface_t *surf, const MscPlane *img, guint ox, guint oy)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscPlane) small = msc_geometry_resize (img, TILE, TILE, MSC_INTERP_AREA, NULL, NULL, &error);
  g_assert_no_error (error);
  const guint8 *s = msc_plane_peek_u8 (small);
  guint8 *data = cairo_image_surface_get_data (surf);
  int stride = cairo_image_surface_get_stride (surf);
  for (guint y = 0; y < TILE; y++)
    for (guint x = 0; x < TILE; x++)
      {
        guint v = s[y * TILE + x] / (256 / LEVELS) * (255 / (LEVELS - 1));
        guint32 *px = (guint32 *) (data + (gsize) (oy + y) * stride) + ox + x;
        *px = (v << 16) | (v << 8) | v;
      }
  cairo_surface_mark_dirty (surf);
}

static void
draw_tile (cairo_surface_t *surf, const char *path, guint number, guint ox, guint oy, Counts *counts)
{
  g_autoptr (MscPlane) img = msc_imaging_test_read_png (path);
  g_autoptr (GError) error = NULL;
  cairo_surface_flush (surf);
  draw_thumbnail (surf, img, ox, oy);
  cairo_t *cr = cairo_create (surf);
  cairo_translate (cr, ox, oy);
  double scale = (double) TILE / msc_plane_get_width (img);
  g_autoptr (MscBreast) b = msc_breast_segment (img, NULL, &error);
  if (b != NULL)
    {
      cairo_set_line_width (cr, 1.0);
      cairo_set_source_rgb (cr, 0, 1, 0);
      draw_polygon (cr, b->skin_line, scale);
      g_autoptr (MscPectoral) p = msc_pectoral_detect (img, b, &error);
      g_assert_no_error (error);
      if (p->found)
        {
          MscPoint a = g_array_index (p->polygon, MscPoint, 1), c = g_array_index (p->polygon, MscPoint, 2);
          g_print ("mdb%03u found confidence %.2f area %.3f top %.1f %.1f wall %.1f %.1f\n", number,
                   p->confidence, p->area_fraction, a.x, a.y, c.x, c.y);
          counts->found++;
          counts->confident += p->confidence >= 0.5;
          cairo_set_line_width (cr, 1.5);
          if (p->confidence >= 0.5)
            cairo_set_source_rgb (cr, 1, 0, 0);
          else
            cairo_set_source_rgb (cr, 1, 0.9, 0);
          draw_polygon (cr, p->polygon, scale);
        }
    }
  char label[8];
  g_snprintf (label, sizeof label, "%03u", number);
  cairo_set_source_rgb (cr, 0, 0.9, 1);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 11);
  cairo_move_to (cr, 2, 11);
  cairo_show_text (cr, label);
  cairo_destroy (cr);
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s MIAS_DIR OUT.png\n", argv[0]);
      return 2;
    }
  g_autofree char *dir = g_build_filename (argv[1], "images", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    {
      fprintf (stderr, "%s: cannot open\n", dir);
      return 1;
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (const char *n; (n = g_dir_read_name (d)) != NULL;)
    if (g_str_has_prefix (n, "mdb") && g_str_has_suffix (n, ".png"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  guint rows = (names->len + COLUMNS - 1) / COLUMNS;
  cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_RGB24, COLUMNS * TILE, MAX (rows, 1) * TILE);
  Counts counts = { 0, 0 };
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, n, NULL);
      draw_tile (surf, path, (guint) strtoul (n + 3, NULL, 10), i % COLUMNS * TILE, i / COLUMNS * TILE, &counts);
    }
  cairo_status_t st = cairo_surface_write_to_png (surf, argv[2]);
  cairo_surface_destroy (surf);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      fprintf (stderr, "%s: %s\n", argv[2], cairo_status_to_string (st));
      return 1;
    }
  printf ("%u images, muscle found on %u (%u with confidence >= 0.5)\n", names->len, counts.found, counts.confident);
  return 0;
}
