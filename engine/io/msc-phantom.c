/* engine/io/msc-phantom.c — a synthetic four-view screening study.
 *
 * Breast-shaped tissue (half-ellipse against the chest wall, fat and
 * fibroglandular texture from low-resolution noise upsampled bilinearly),
 * a pectoral muscle on MLO views and a few lesions at known positions.
 * Everything follows from the seed through a local PRNG: no global state.
 */
#include "msc-phantom.h"
#include "msc-dicom.h"
#include "msc-dicom-private.h"
#include "msc-io-error.h"
#include "msc-i18n.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#define DEFAULT_WIDTH 1664
#define DEFAULT_HEIGHT 2048
#define DEFAULT_SPACING_MM 0.1
#define BITS_STORED 12
#define MAX_VALUE 4095.0
#define MAX_LESIONS 4
#define MAX_SPECKS 15
#define N_OCTAVES 4

/* ---- random numbers: splitmix64 seeds xoshiro256** ---- */

typedef struct {
  guint64 s[4];
} Rng;

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void
rng_init (Rng *rng, guint64 seed)
{
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&seed);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (Rng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Uniform in [lo, hi). */
static double
rng_range (Rng *rng, double lo, double hi)
{
  return lo + (hi - lo) * ((double) (rng_next (rng) >> 11) * 0x1.0p-53);
}

/* Per-pixel quantum noise in [0, 1): a hash, so rows need no shared state. */
static inline double
pixel_noise (guint64 key, guint x, guint y)
{
  guint64 state = key ^ (((guint64) y << 32) | x);
  return (double) (splitmix64 (&state) >> 11) * 0x1.0p-53;
}

/* ---- the patient: breast shape and lesions in breast coordinates ---- */

typedef enum { LESION_MASS, LESION_CALC } LesionKind;

typedef struct {
  LesionKind kind;
  gboolean right;              /* which breast */
  gboolean spiculated;
  gboolean malignant;
  double depth;                /* distance from chest wall / breast depth a, 0..1 */
  double v_cc, v_mlo;          /* offset from the breast axis / half-height b */
  double radius_mm;            /* mass radius, or cluster enclosing radius */
  double aspect, angle;        /* masses are slightly oval */
  guint n_specks;
  double speck_dx_mm[MAX_SPECKS], speck_dy_mm[MAX_SPECKS], speck_r_mm[MAX_SPECKS];
} Lesion;

typedef struct {
  guint width, height;
  double spacing_mm;
  double depth_frac[2];        /* breast depth a / width, [0] right [1] left */
  double half_height_frac[2];  /* CC half-height b / height */
  Lesion lesions[MAX_LESIONS];
  guint n_lesions;
} Patient;

/* One view's geometry in pixels. */
typedef struct {
  gboolean right, mlo;
  guint width, height;
  double a, b, cy;             /* half-ellipse depth, half-height, centre row */
  double pec_w, pec_h;         /* pectoral triangle legs; 0 on CC */
} View;

static const struct {
  const char *file, *view;
  gboolean right, mlo;
} views[4] = {
  { "R_CC.dcm",  "CC",  TRUE,  FALSE },
  { "L_CC.dcm",  "CC",  FALSE, FALSE },
  { "R_MLO.dcm", "MLO", TRUE,  TRUE },
  { "L_MLO.dcm", "MLO", FALSE, TRUE },
};

static View
view_geometry (const Patient *p, gboolean right, gboolean mlo)
{
  View v = { right, mlo, p->width, p->height, 0, 0, 0, 0, 0 };
  int side = right ? 0 : 1;
  v.a = p->depth_frac[side] * p->width;
  /* MLO shows more tissue toward the axilla: taller, centred higher. */
  v.b = p->half_height_frac[side] * p->height * (mlo ? 1.15 : 1.0);
  v.cy = p->height * (mlo ? 0.47 : 0.5);
  if (mlo)
    {
      v.pec_w = 0.38 * v.a;
      v.pec_h = 0.55 * p->height;
    }
  return v;
}

/* Column of a point at the given distance from the chest wall. */
static double
view_x (const View *v, double chest_distance)
{
  return v->right ? v->width - 1 - chest_distance : chest_distance;
}

static double
lesion_v (const Lesion *l, const View *v)
{
  return v->mlo ? l->v_mlo : l->v_cc;
}

/* Inside the breast with margin (fractions of the ellipse) and, on MLO,
 * clear of the pectoral muscle by margin_px. */
static gboolean
position_ok (const View *v, double depth, double off, double margin, double margin_px)
{
  if (depth * depth + off * off > (1 - margin) * (1 - margin) || depth < 0.12)
    return FALSE;
  double y = v->cy + off * v->b;
  if (y < margin_px || y > v->height - 1 - margin_px)
    return FALSE;
  if (v->mlo)
    {
      double dx = depth * v->a;
      /* Distance from the hypotenuse dx/pec_w + y/pec_h = 1, in pixels. */
      double norm = sqrt (1 / (v->pec_w * v->pec_w) + 1 / (v->pec_h * v->pec_h));
      double dist = (dx / v->pec_w + y / v->pec_h - 1) / norm;
      if (dist < margin_px)
        return FALSE;
    }
  return TRUE;
}

static void
make_calc_cluster (Lesion *l, Rng *rng)
{
  l->n_specks = 5 + (guint) (rng_next (rng) % 11);
  double extent = 0;
  for (guint i = 0; i < l->n_specks; i++)
    {
      /* Within a 10 mm cluster: offsets up to 4.5 mm from its centre. */
      double r = 4.5 * sqrt (rng_range (rng, 0, 1)), t = rng_range (rng, 0, 2 * G_PI);
      l->speck_dx_mm[i] = r * cos (t);
      l->speck_dy_mm[i] = r * sin (t);
      l->speck_r_mm[i] = rng_range (rng, 0.1, 0.25);   /* 0.2-0.5 mm across */
      extent = MAX (extent, r + l->speck_r_mm[i]);
    }
  l->radius_mm = MAX (extent, 1.0);
}

static gboolean
place_lesion (Patient *p, Lesion *l, Rng *rng)
{
  View cc = view_geometry (p, l->right, FALSE), mlo = view_geometry (p, l->right, TRUE);
  double r_px = l->radius_mm * 1.6 / p->spacing_mm;   /* room for spicules */
  for (int attempt = 0; attempt < 2000; attempt++)
    {
      l->depth = rng_range (rng, 0.2, 0.75);
      l->v_cc = rng_range (rng, -0.6, 0.6);
      l->v_mlo = rng_range (rng, -0.6, 0.6);
      double margin = 0.12 + r_px / MIN (cc.a, cc.b);
      if (position_ok (&cc, l->depth, l->v_cc, margin, r_px) &&
          position_ok (&mlo, l->depth, l->v_mlo, margin, r_px))
        return TRUE;
    }
  return FALSE;
}

static gboolean
make_patient (Patient *p, guint64 seed, GError **error)
{
  Rng rng;
  rng_init (&rng, seed);
  for (int side = 0; side < 2; side++)
    {
      p->depth_frac[side] = rng_range (&rng, 0.62, 0.78);
      p->half_height_frac[side] = rng_range (&rng, 0.34, 0.40);
    }
  /* One or two masses in CC and MLO of their side, and one calcification
   * cluster, optionally a third mass: 2 to 4 lesions per study. */
  guint n_masses = 1 + (guint) (rng_next (&rng) % 3);
  p->n_lesions = n_masses + 1;
  for (guint i = 0; i < p->n_lesions; i++)
    {
      Lesion *l = &p->lesions[i];
      memset (l, 0, sizeof *l);
      l->right = (rng_next (&rng) & 1) != 0;
      if (i < n_masses)
        {
          l->kind = LESION_MASS;
          l->radius_mm = rng_range (&rng, 3, 12);
          l->spiculated = rng_range (&rng, 0, 1) < 0.4;
          l->malignant = l->spiculated || rng_range (&rng, 0, 1) < 0.3;
          l->aspect = rng_range (&rng, 0.7, 1.0);
          l->angle = rng_range (&rng, 0, G_PI);
        }
      else
        {
          l->kind = LESION_CALC;
          l->malignant = rng_range (&rng, 0, 1) < 0.5;
          make_calc_cluster (l, &rng);
        }
      if (!place_lesion (p, l, &rng))
        {
          g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                       _("phantom of %u x %u pixels at %g mm is too small for its lesions"),
                       p->width, p->height, p->spacing_mm);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- rendering ---- */

typedef struct {
  guint gw, gh;                /* grid size */
  double cell;                 /* pixels per grid cell */
  float *grid;                 /* (gh, gw) values in [-1, 1] */
} Octave;

static void
octaves_init (Octave *oct, const View *v, double spacing_mm, Rng *rng)
{
  /* Structure from lobes (25 mm) down to ducts and strands (1.5 mm). */
  static const double cell_mm[N_OCTAVES] = { 25.0, 9.0, 4.0, 1.5 };
  for (int k = 0; k < N_OCTAVES; k++)
    {
      oct[k].cell = MAX (2.0, cell_mm[k] / spacing_mm);
      oct[k].gw = (guint) (v->width / oct[k].cell) + 2;
      oct[k].gh = (guint) (v->height / oct[k].cell) + 2;
      oct[k].grid = g_new (float, (gsize) oct[k].gw * oct[k].gh);
      for (gsize i = 0; i < (gsize) oct[k].gw * oct[k].gh; i++)
        oct[k].grid[i] = (float) rng_range (rng, -1, 1);
    }
}

static inline double
octave_sample (const Octave *o, double x, double y)
{
  double gx = x / o->cell, gy = y / o->cell;
  guint ix = (guint) gx, iy = (guint) gy;
  double fx = gx - ix, fy = gy - iy;
  const float *r0 = o->grid + (gsize) iy * o->gw + ix, *r1 = r0 + o->gw;
  /* Smoothstep weights hide the grid's bilinear creases. */
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  double top = r0[0] + fx * (r0[1] - r0[0]);
  double bottom = r1[0] + fx * (r1[1] - r1[0]);
  return top + fy * (bottom - top);
}

static inline double
smoothstep (double e0, double e1, double x)
{
  double t = CLAMP ((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

static inline guint16
to_value (double v)
{
  return (guint16) CLAMP (lround (v), 0, (long) MAX_VALUE);
}

/* Fully glandular tissue at this thickness: the level a mass reaches. */
static inline double
tissue_level (double thick, double gland)
{
  return 700 + 600 * thick + 900 * gland * thick;
}

static void
render_tissue (guint16 *pixels, const View *v, const Octave *oct, guint64 key)
{
  static const double weight[N_OCTAVES] = { 0.45, 0.3, 0.17, 0.08 };
  double skin_scale = MIN (v->a, v->b);
  for (guint y = 0; y < v->height; y++)
    for (guint x = 0; x < v->width; x++)
      {
        double dx = v->right ? v->width - 1.0 - x : x, dy = y - v->cy;
        double rn = sqrt ((dx / v->a) * (dx / v->a) + (dy / v->b) * (dy / v->b));
        double muscle = 0;
        if (v->mlo)
          muscle = CLAMP ((1 - dx / v->pec_w - y / v->pec_h) * 30, 0.0, 1.0);
        guint16 *out = pixels + (gsize) y * v->width + x;
        if (rn >= 1 && muscle <= 0)
          {
            *out = to_value (16 * pixel_noise (key, x, y));   /* air: near 0 */
            continue;
          }
        double n = 0;
        for (int k = 0; k < N_OCTAVES; k++)
          n += weight[k] * octave_sample (&oct[k], x, y);
        /* Compressed breasts are evenly thick except near the skin. */
        double thick = MIN (1.0, 1.6 * sqrt (MAX (0.0, 1 - rn * rn)));
        double bias = 0.35 * (1 - dx / v->a) + 0.15 * (1 - fabs (dy) / v->b) - 0.3;
        /* A soft threshold: fat lobules between glandular strands, with
         * the finest octave kept visible as parenchymal grain. */
        double gland = smoothstep (-0.3, 0.4, n + bias);
        double grain = octave_sample (&oct[N_OCTAVES - 1], x, y);
        double value = tissue_level (thick, gland) + (90 * grain + 40 * pixel_noise (key, x, y)) * thick;
        double skin_px = (1 - rn) * skin_scale;
        value += 250 * exp (-(skin_px / 10) * (skin_px / 10)) * (rn < 1);
        if (muscle > 0)
          value = (1 - muscle) * value + muscle * (2350 + 200 * n + 60 * grain);
        *out = to_value (value);
      }
}

/* Lesion centre in this view, pixels. */
static void
lesion_centre (const Lesion *l, const View *v, double *cx, double *cy)
{
  *cx = view_x (v, l->depth * v->a);
  *cy = v->cy + lesion_v (l, v) * v->b;
}

static void
render_mass (guint16 *pixels, const View *v, const Lesion *l, double spacing_mm, Rng *rng)
{
  double cx, cy, r = l->radius_mm / spacing_mm;
  lesion_centre (l, v, &cx, &cy);
  guint spikes = 7 + (guint) (rng_next (rng) % 5);
  double phase = rng_range (rng, 0, G_PI);
  double reach = r * (l->spiculated ? 1.6 : 1.05) + 2;
  int x0 = MAX (0, (int) (cx - reach)), x1 = MIN ((int) v->width - 1, (int) (cx + reach));
  int y0 = MAX (0, (int) (cy - reach)), y1 = MIN ((int) v->height - 1, (int) (cy + reach));
  double ca = cos (l->angle), sa = sin (l->angle);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        double ex = (x - cx) * ca + (y - cy) * sa, ey = (-(x - cx) * sa + (y - cy) * ca) / l->aspect;
        double d = sqrt (ex * ex + ey * ey), theta = atan2 (ey, ex);
        double edge = r;
        if (l->spiculated)  /* thin radial spicules reaching 60 % beyond the core */
          edge = r * (0.9 + 0.7 * pow (fabs (cos (0.5 * spikes * theta + phase)), 40));
        double p = l->spiculated ? smoothstep (edge, edge * 0.8, d) : smoothstep (edge, edge * 0.55, d);
        if (p <= 0)
          continue;
        guint16 *out = pixels + (gsize) y * v->width + x;
        /* Denser than any normal tissue, with a little inner texture. */
        double dense = tissue_level (1.0, 1.0) + 300 + 60 * cos (0.05 * ex + phase) * sin (0.05 * ey);
        *out = to_value ((1 - p) * *out + p * dense);
      }
}

static void
render_calcs (guint16 *pixels, const View *v, const Lesion *l, double spacing_mm)
{
  double cx, cy;
  lesion_centre (l, v, &cx, &cy);
  for (guint i = 0; i < l->n_specks; i++)
    {
      /* The MLO projects the cluster mirrored top to bottom: a hint of a
       * different projection without changing its extent. */
      double sx = cx + l->speck_dx_mm[i] / spacing_mm;
      double sy = cy + (v->mlo ? -1 : 1) * l->speck_dy_mm[i] / spacing_mm;
      double rs = MAX (0.8, l->speck_r_mm[i] / spacing_mm);
      for (int y = (int) (sy - rs - 1); y <= (int) (sy + rs + 1); y++)
        for (int x = (int) (sx - rs - 1); x <= (int) (sx + rs + 1); x++)
          {
            if (x < 0 || y < 0 || x >= (int) v->width || y >= (int) v->height)
              continue;
            double d2 = ((x - sx) * (x - sx) + (y - sy) * (y - sy)) / (rs * rs);
            if (d2 >= 1.5)
              continue;
            guint16 *out = pixels + (gsize) y * v->width + x;
            *out = to_value (*out + 1300 * MIN (1.0, 1.5 - d2));
          }
    }
}

/* ---- output ---- */

static void
seed_uid (guint64 seed, guint64 tag, char **out)
{
  guint64 state = seed ^ (tag * 0xd1342543de82ef95ull);
  guint8 bytes[16];
  for (int half = 0; half < 2; half++)
    {
      guint64 v = splitmix64 (&state);
      for (int i = 0; i < 8; i++)
        bytes[half * 8 + i] = (guint8) (v >> (56 - 8 * i));
    }
  bytes[0] |= 0x80;   /* top bit set: always 39 digits, UIDs of equal length */
  *out = msc_dicom_uid_from_bytes (bytes);
}

static MscImage *
build_image (const Patient *p, guint index, guint64 seed, GError **error)
{
  g_autoptr (MscImage) image = msc_image_new (p->width, p->height, BITS_STORED, 0, error);
  if (image == NULL)
    return NULL;
  View v = view_geometry (p, views[index].right, views[index].mlo);
  Rng rng;
  rng_init (&rng, seed ^ (0x5851f42d4c957f2dull * (index + 1)));
  Octave oct[N_OCTAVES];
  octaves_init (oct, &v, p->spacing_mm, &rng);
  guint16 *pixels = msc_image_get_pixels_mutable (image);
  render_tissue (pixels, &v, oct, rng_next (&rng));
  for (int k = 0; k < N_OCTAVES; k++)
    g_free (oct[k].grid);
  for (guint i = 0; i < p->n_lesions; i++)
    if (p->lesions[i].right == v.right)
      {
        if (p->lesions[i].kind == LESION_MASS)
          render_mass (pixels, &v, &p->lesions[i], p->spacing_mm, &rng);
        else
          render_calcs (pixels, &v, &p->lesions[i], p->spacing_mm);
      }

  g_autofree char *study = NULL, *series = NULL, *sop = NULL;
  seed_uid (seed, 1, &study);
  seed_uid (seed, 2, &series);
  seed_uid (seed, 10 + index, &sop);
  msc_image_set_study_instance_uid (image, study);
  msc_image_set_series_instance_uid (image, series);
  msc_image_set_sop_instance_uid (image, sop);
  msc_image_set_instance_number (image, (gint) index + 1);
  msc_image_set_laterality (image, v.right ? MSC_LATERALITY_RIGHT : MSC_LATERALITY_LEFT, FALSE);
  msc_image_set_view (image, views[index].view);
  msc_image_set_spacing_mm (image, p->spacing_mm, p->spacing_mm, "ImagerPixelSpacing");
  msc_image_set_photometric (image, "MONOCHROME2");
  msc_image_set_modality (image, "MG");
  msc_image_set_presentation_intent (image, "FOR PRESENTATION");
  msc_image_set_manufacturer (image, "Mammoscope synthetic phantom");
  msc_image_set_study_date (image, "20250101");
  msc_image_set_study_description (image, "Synthetic screening mammogram (phantom)");
  msc_image_add_window (image, 1700, 2600, MSC_VOI_LINEAR, "STANDARD");
  msc_image_add_window (image, 2048, 4096, MSC_VOI_LINEAR, "FULL RANGE");

  MscPatient *patient = g_new0 (MscPatient, 1);
  patient->name = g_strdup ("PHANTOM^MAMMOSCOPE");
  patient->id = g_strdup_printf ("PHANTOM-%" G_GUINT64_FORMAT, seed % 100000000);
  patient->birth_date = g_strdup ("19700101");
  patient->sex = g_strdup ("F");
  patient->accession_number = g_strdup_printf ("PH%08" G_GUINT64_FORMAT, seed % 100000000);
  patient->institution = g_strdup ("Mammoscope");
  patient->referring_physician = g_strdup ("");
  msc_image_set_patient (image, patient);
  return g_steal_pointer (&image);
}

static void
append_lesion_json (GString *json, const Lesion *l, const View *v, double spacing_mm, gboolean first)
{
  double cx, cy;
  lesion_centre (l, v, &cx, &cy);
  char r_px[G_ASCII_DTOSTR_BUF_SIZE], r_mm[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (r_px, sizeof r_px, "%.2f", l->radius_mm / spacing_mm);
  g_ascii_formatd (r_mm, sizeof r_mm, "%.2f", l->radius_mm);
  /* Every string here is a fixed ASCII literal: nothing needs escaping. */
  g_string_append_printf (json,
                          "%s\n        {\"kind\": \"%s\", \"x\": %ld, \"y\": %ld, "
                          "\"radius_px\": %s, \"radius_mm\": %s, \"pathology\": \"%s\"",
                          first ? "" : ",",
                          l->kind == LESION_MASS ? "mass" : "calcification cluster",
                          lround (cx), lround (cy), r_px, r_mm,
                          l->malignant ? "malignant" : "benign");
  if (l->kind == LESION_MASS)
    g_string_append_printf (json, ", \"margin\": \"%s\"",
                            l->spiculated ? "spiculated" : "circumscribed");
  else
    g_string_append_printf (json, ", \"n_specks\": %u", l->n_specks);
  g_string_append (json, "}");
}

static char *
lesions_json (const Patient *p, guint64 seed)
{
  char spacing[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (spacing, sizeof spacing, "%.6g", p->spacing_mm);
  GString *json = g_string_new (NULL);
  g_string_append_printf (json, "{\n  \"seed\": %" G_GUINT64_FORMAT ",\n  \"spacing_mm\": %s,\n"
                          "  \"width\": %u,\n  \"height\": %u,\n  \"images\": [",
                          seed, spacing, p->width, p->height);
  for (guint i = 0; i < 4; i++)
    {
      View v = view_geometry (p, views[i].right, views[i].mlo);
      g_string_append_printf (json, "%s\n    {\"file\": \"%s\", \"laterality\": \"%s\", "
                              "\"view\": \"%s\", \"lesions\": [",
                              i ? "," : "", views[i].file, views[i].right ? "R" : "L",
                              views[i].view);
      gboolean first = TRUE;
      for (guint k = 0; k < p->n_lesions; k++)
        if (p->lesions[k].right == v.right)
          {
            append_lesion_json (json, &p->lesions[k], &v, p->spacing_mm, first);
            first = FALSE;
          }
      g_string_append (json, first ? "]}" : "\n      ]}");
    }
  g_string_append (json, "\n  ]\n}\n");
  return g_string_free (json, FALSE);
}

gboolean
msc_phantom_write_study (const char *out_dir, const MscPhantomOptions *opts, GError **error)
{
  g_return_val_if_fail (out_dir != NULL, FALSE);
  MscPhantomOptions o = { 0, 0, 0, 0 };
  if (opts)
    o = *opts;
  Patient p = { 0 };
  p.width = o.width ? o.width : DEFAULT_WIDTH;
  p.height = o.height ? o.height : DEFAULT_HEIGHT;
  p.spacing_mm = o.spacing_mm > 0 ? o.spacing_mm : DEFAULT_SPACING_MM;
  if (p.width < 64 || p.height < 64 || p.width > MSC_IMAGE_MAX_DIMENSION_DEFAULT ||
      p.height > MSC_IMAGE_MAX_DIMENSION_DEFAULT || !(o.spacing_mm >= 0) ||
      p.spacing_mm > 5)
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_INVALID,
                   _("phantom size %u x %u at %g mm is out of range (64..%d pixels, up to 5 mm)"),
                   p.width, p.height, p.spacing_mm, MSC_IMAGE_MAX_DIMENSION_DEFAULT);
      return FALSE;
    }
  if (!make_patient (&p, o.seed, error))
    return FALSE;
  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", out_dir, g_strerror (saved));
      return FALSE;
    }
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr (MscImage) image = build_image (&p, i, o.seed, error);
      g_autofree char *path = g_build_filename (out_dir, views[i].file, NULL);
      if (image == NULL || !msc_dicom_save (image, path, error))
        return FALSE;
    }
  g_autofree char *json = lesions_json (&p, o.seed);
  g_autofree char *json_path = g_build_filename (out_dir, "lesions.json", NULL);
  g_autoptr (GError) local = NULL;
  /* g_file_set_contents writes a temporary file and renames it. */
  if (!g_file_set_contents (json_path, json, -1, &local))
    {
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}
