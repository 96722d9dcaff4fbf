/* engine/io/msc-study.c — group images into studies and hang them.
 *
 * Loading and grouping are separate steps: the scanner turns a path into
 * loaded images (recording per-file problems), msc_study_group_images
 * groups them by Study Instance UID (or folder) and fills the four slots.
 */
#include "msc-study.h"
#include "msc-study-private.h"
#include "msc-dicom-private.h"
#include "msc-io-error.h"
#include "msc-i18n.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

/* Folders nested deeper than this are not a study layout; stop there. */
#define MAX_FOLDER_DEPTH 32

struct _MscStudy {
  gatomicrefcount ref_count;
  char *uid;                      /* Study Instance UID, or the folder */
  char *description;
  GPtrArray *images;              /* of MscImage*, owned */
  MscImage *slots[MSC_N_SLOTS];   /* borrowed from images */
};

static MscStudy *
study_new (const char *uid)
{
  MscStudy *self = g_new0 (MscStudy, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->uid = g_strdup (uid);
  self->images = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_image_unref);
  return self;
}

MscStudy *
msc_study_ref (MscStudy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
msc_study_unref (MscStudy *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->uid);
  g_free (self->description);
  g_ptr_array_unref (self->images);
  g_free (self);
}

const char *msc_study_get_uid (const MscStudy *self) { return self->uid; }
const char *msc_study_get_description (const MscStudy *self) { return self->description; }
guint msc_study_get_n_images (const MscStudy *self) { return self->images->len; }

MscImage *
msc_study_get_image (const MscStudy *self, guint index)
{
  g_return_val_if_fail (index < self->images->len, NULL);
  return self->images->pdata[index];
}

MscImage *
msc_study_get_slot (const MscStudy *self, MscSlot slot)
{
  g_return_val_if_fail (slot >= 0 && slot < MSC_N_SLOTS, NULL);
  return self->slots[slot];
}

/* ---- slots ---- */

/* How well a view fills its slot: 0 = the screening view itself, 1 = a
 * stand-in (XCCL/XCCM for CC; ML/LM for MLO), -1 = no screening slot. */
static int
view_rank (const char *view, gboolean *is_mlo)
{
  static const struct { const char *name; gboolean mlo; int rank; } table[] = {
    { "CC", FALSE, 0 }, { "XCCL", FALSE, 1 }, { "XCCM", FALSE, 1 },
    { "MLO", TRUE, 0 }, { "ML", TRUE, 1 }, { "LM", TRUE, 1 },
  };
  if (view == NULL)
    return -1;
  g_autofree char *v = g_strstrip (g_ascii_strup (view, -1));
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (v, table[i].name) == 0)
      {
        *is_mlo = table[i].mlo;
        return table[i].rank;
      }
  return -1;
}

MscSlot
msc_slot_for_image (const MscImage *image)
{
  gboolean mlo = FALSE;
  if (view_rank (msc_image_get_view (image), &mlo) < 0)
    return MSC_SLOT_NONE;
  switch (msc_image_get_laterality (image))
    {
    case MSC_LATERALITY_RIGHT: return mlo ? MSC_SLOT_R_MLO : MSC_SLOT_R_CC;
    case MSC_LATERALITY_LEFT:  return mlo ? MSC_SLOT_L_MLO : MSC_SLOT_L_CC;
    case MSC_LATERALITY_UNKNOWN:
    case MSC_LATERALITY_BOTH:
    default:                   return MSC_SLOT_NONE;
    }
}

const char *
msc_slot_to_string (MscSlot slot)
{
  static const char *names[MSC_N_SLOTS] = { "R-CC", "L-CC", "R-MLO", "L-MLO" };
  return slot >= 0 && slot < MSC_N_SLOTS ? names[slot] : "none";
}

/* TRUE when candidate should replace current in a slot: the screening view
 * beats a stand-in, then the lowest instance number (absent = last); ties
 * keep the earlier image, so the order of files decides nothing else. */
static gboolean
better_for_slot (const MscImage *candidate, const MscImage *current)
{
  gboolean mlo;
  int rc = view_rank (msc_image_get_view (candidate), &mlo);
  int ru = view_rank (msc_image_get_view (current), &mlo);
  if (rc != ru)
    return rc < ru;
  guint nc = (guint) msc_image_get_instance_number (candidate);   /* -1 -> G_MAXUINT */
  guint nu = (guint) msc_image_get_instance_number (current);
  return nc < nu;
}

/* Images whose file names no view (PNG scans such as mini-MIAS) still get
 * shown: each takes a free slot of its side, MLO first (the view every
 * screening study has, and mini-MIAS's only one), and says so in a note,
 * so the label on the screen is never taken for the file's word. */
static void
hang_unknown_views (MscStudy *study)
{
  for (guint i = 0; i < study->images->len; i++)
    {
      MscImage *image = study->images->pdata[i];
      MscLaterality side = msc_image_get_laterality (image);
      if (msc_image_get_view (image) != NULL
          || (side != MSC_LATERALITY_RIGHT && side != MSC_LATERALITY_LEFT))
        continue;
      gboolean right = side == MSC_LATERALITY_RIGHT;
      MscSlot order[2] = { right ? MSC_SLOT_R_MLO : MSC_SLOT_L_MLO, right ? MSC_SLOT_R_CC : MSC_SLOT_L_CC };
      for (guint k = 0; k < 2; k++)
        if (study->slots[order[k]] == NULL)
          {
            study->slots[order[k]] = image;
            msc_image_add_note (image, _("the file names no view: hung in the %s slot"),
                                msc_slot_to_string (order[k]));
            break;
          }
    }
}

static void
hang (MscStudy *study)
{
  for (guint i = 0; i < study->images->len; i++)
    {
      MscImage *image = study->images->pdata[i];
      MscSlot slot = msc_slot_for_image (image);
      if (slot == MSC_SLOT_NONE)
        continue;
      if (study->slots[slot] == NULL || better_for_slot (image, study->slots[slot]))
        study->slots[slot] = image;
    }
  hang_unknown_views (study);
}

/* ---- grouping ---- */

/* DICOM groups by Study Instance UID; anything without one (PNG, PGM,
 * DICOM lacking the UID) by the folder it lies in. Prefixes keep a folder
 * that happens to look like a UID from merging with a real study. */
static char *
group_key (const MscImage *image, const char **uid_out)
{
  const char *uid = msc_image_get_study_instance_uid (image);
  if (uid && *uid)
    {
      *uid_out = uid;
      return g_strconcat ("uid:", uid, NULL);
    }
  const char *path = msc_image_get_path (image);
  g_autofree char *dir = path ? g_path_get_dirname (path) : g_strdup (".");
  char *key = g_strconcat ("dir:", dir, NULL);
  *uid_out = key + 4;
  return key;
}

GPtrArray *
msc_study_group_images (GPtrArray *images)
{
  GPtrArray *studies = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_study_unref);
  g_autoptr (GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; images && i < images->len; i++)
    {
      MscImage *image = images->pdata[i];
      const char *uid = NULL;
      char *key = group_key (image, &uid);
      MscStudy *study = g_hash_table_lookup (by_key, key);
      if (study == NULL)
        {
          study = study_new (uid);
          g_ptr_array_add (studies, study);
          g_hash_table_insert (by_key, key, study);
        }
      else
        g_free (key);
      if (study->description == NULL && msc_image_get_study_description (image))
        study->description = g_strdup (msc_image_get_study_description (image));
      g_ptr_array_add (study->images, msc_image_ref (image));
    }
  for (guint i = 0; i < studies->len; i++)
    hang (studies->pdata[i]);
  return studies;
}

/* ---- laterality from pixels ---- */

/* Otsu's threshold over a 256-bin histogram of [lo, hi]; returns the bin
 * at and below which pixels count as the darker class. */
static guint
otsu_bin (const guint64 hist[256])
{
  double total = 0, sum = 0;
  for (guint i = 0; i < 256; i++)
    {
      total += hist[i];
      sum += (double) i * hist[i];
    }
  double w0 = 0, sum0 = 0, best = -1;
  guint best_bin = 0;
  for (guint t = 0; t < 255; t++)
    {
      w0 += hist[t];
      sum0 += (double) t * hist[t];
      double w1 = total - w0;
      if (w0 == 0 || w1 == 0)
        continue;
      double m0 = sum0 / w0, m1 = (sum - sum0) / w1;
      double between = w0 * w1 * (m0 - m1) * (m0 - m1);
      if (between > best)
        {
          best = between;
          best_bin = t;
        }
    }
  return best_bin;
}

MscLaterality
msc_study_infer_laterality (const MscImage *image)
{
  guint w = msc_image_get_width (image), h = msc_image_get_height (image);
  if (w < 16 || h < 16)
    return MSC_LATERALITY_UNKNOWN;
  const guint16 *px = msc_image_get_pixels (image);
  /* About 512 samples across is plenty for a half-image decision. */
  guint step = MAX (1u, MAX (w, h) / 512);
  guint lo = G_MAXUINT16, hi = 0;
  for (guint y = 0; y < h; y += step)
    for (guint x = 0; x < w; x += step)
      {
        lo = MIN (lo, px[(gsize) y * w + x]);
        hi = MAX (hi, px[(gsize) y * w + x]);
      }
  if (hi <= lo + 1)
    return MSC_LATERALITY_UNKNOWN;
  double scale = 255.0 / (hi - lo);
  guint64 hist[256] = { 0 };
  for (guint y = 0; y < h; y += step)
    for (guint x = 0; x < w; x += step)
      hist[(guint) ((px[(gsize) y * w + x] - lo) * scale)]++;
  guint t = otsu_bin (hist);
  gboolean mono1 = msc_image_get_monochrome1 (image);

  /* Tissue in the upper rows, weighted 1 at the top down to 0 at 70 % of
   * the height: there the breast runs from the chest wall toward the
   * nipple in CC and MLO alike, and MLO adds the pectoral muscle on the
   * chest wall side, while the bottom of an MLO may show abdomen or the
   * inframammary fold on either side. On the 238 mini-MIAS images this
   * gives every side right with the weaker side at most 1/1.24 of the
   * stronger; plain half-image sums miss two large breasts. */
  double side[2] = { 0, 0 };
  guint rows = MAX (1u, (guint) (h * 0.7));
  for (guint y = 0; y < rows; y += step)
    {
      double weight = 1.0 - (double) y / rows;
      for (guint x = 0; x < w; x += step)
        {
          guint bin = (guint) ((px[(gsize) y * w + x] - lo) * scale);
          gboolean tissue = mono1 ? bin <= t : bin > t;
          if (tissue && x != w / 2)
            side[x > w / 2] += weight;
        }
    }
  double strong = MAX (side[0], side[1]), weak = MIN (side[0], side[1]);
  if (strong <= 0 || strong < 1.1 * weak)
    return MSC_LATERALITY_UNKNOWN;
  /* Right breast: chest wall, hence tissue, on the image's right. */
  return side[1] > side[0] ? MSC_LATERALITY_RIGHT : MSC_LATERALITY_LEFT;
}

void
msc_study_complete_laterality (MscImage *image)
{
  if (msc_image_get_laterality (image) != MSC_LATERALITY_UNKNOWN)
    return;
  MscLaterality lat = msc_study_infer_laterality (image);
  if (lat == MSC_LATERALITY_UNKNOWN)
    return;
  msc_image_set_laterality (image, lat, TRUE);
  msc_image_add_note (image, "%s", _("laterality inferred from breast position"));
}

/* ---- loading ---- */

typedef struct {
  const MscLoadOptions *opts;
  GPtrArray *images;            /* of MscImage*, owned */
  GPtrArray *problems;          /* of char* */
} Scan;

static gboolean
has_image_extension (const char *path)
{
  static const char *exts[] = { ".dcm", ".dicom", ".dic", ".ima", ".png", ".pgm" };
  for (guint i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      gsize n = strlen (path), k = strlen (exts[i]);
      if (n >= k && g_ascii_strcasecmp (path + n - k, exts[i]) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
add_problem (Scan *scan, const char *path, const GError *error)
{
  /* Engine messages already start with the file name. */
  if (g_str_has_prefix (error->message, path))
    g_ptr_array_add (scan->problems, g_strdup (error->message));
  else
    g_ptr_array_add (scan->problems, g_strdup_printf ("%s: %s", path, error->message));
}

/* Laterality needs pixels: a metadata-only DICOM load has none, so such an
 * image without laterality is read once more in full, just to decide. */
static void
complete_laterality_loaded (Scan *scan, MscImage *image, const char *path)
{
  if (msc_image_get_laterality (image) != MSC_LATERALITY_UNKNOWN)
    return;
  if (scan->opts == NULL || !scan->opts->metadata_only)
    {
      msc_study_complete_laterality (image);
      return;
    }
  MscLoadOptions full = *scan->opts;
  full.metadata_only = FALSE;
  g_autoptr (MscImage) pixels = msc_image_load (path, &full, NULL);
  MscLaterality lat = pixels ? msc_study_infer_laterality (pixels) : MSC_LATERALITY_UNKNOWN;
  if (lat == MSC_LATERALITY_UNKNOWN)
    return;
  msc_image_set_laterality (image, lat, TRUE);
  msc_image_add_note (image, "%s", _("laterality inferred from breast position"));
}

/* Files met while walking a folder that are plainly not images (README,
 * lesions.json, an empty file) are skipped quietly; a file that claims to
 * be an image by content or extension and fails is a problem. Files named
 * explicitly are always reported. */
static void
scan_file (Scan *scan, const char *path, gboolean named)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MscImage) image = msc_image_load (path, scan->opts, &error);
  if (image == NULL)
    {
      gboolean not_image = g_error_matches (error, MSC_IO_ERROR, MSC_IO_ERROR_UNKNOWN_FORMAT) ||
                           g_error_matches (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED);
      GStatBuf st;
      if (g_error_matches (error, MSC_IO_ERROR, MSC_IO_ERROR_TRUNCATED))
        not_image = g_stat (path, &st) == 0 && st.st_size == 0;
      if (named || !not_image || has_image_extension (path))
        add_problem (scan, path, error);
      return;
    }
  complete_laterality_loaded (scan, image, path);
  g_ptr_array_add (scan->images, g_steal_pointer (&image));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
scan_folder (Scan *scan, const char *dir, guint depth)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) gdir = g_dir_open (dir, 0, &error);
  if (gdir == NULL)
    {
      add_problem (scan, dir, error);
      return;
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (gdir)))
    if (name[0] != '.')                      /* hidden files and folders */
      g_ptr_array_add (names, g_strdup (name));
  /* Sorted, so the same folder always yields the same order. */
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (dir, names->pdata[i], NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          /* Symlinked folders could loop; real ones nest a bounded depth. */
          if (!g_file_test (child, G_FILE_TEST_IS_SYMLINK) && depth < MAX_FOLDER_DEPTH)
            scan_folder (scan, child, depth + 1);
        }
      /* A DICOMDIR indexes files this walk meets anyway. */
      else if (g_ascii_strcasecmp (names->pdata[i], "DICOMDIR") != 0 &&
               g_file_test (child, G_FILE_TEST_IS_REGULAR))
        scan_file (scan, child, FALSE);
    }
}

static gboolean
is_dicomdir_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  return g_ascii_strcasecmp (base, "DICOMDIR") == 0;
}

static GPtrArray *
finish (Scan *scan, GPtrArray **problems)
{
  GPtrArray *studies = msc_study_group_images (scan->images);
  g_ptr_array_unref (scan->images);
  if (problems)
    *problems = scan->problems;
  else
    g_ptr_array_unref (scan->problems);
  return studies;
}

GPtrArray *
msc_study_scan (const char *path, const MscLoadOptions *opts, GPtrArray **problems, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (problems)
    *problems = NULL;
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, MSC_IO_ERROR, MSC_IO_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  Scan scan = { opts, g_ptr_array_new_with_free_func ((GDestroyNotify) msc_image_unref),
                g_ptr_array_new_with_free_func (g_free) };
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) probe = g_dir_open (path, 0, error);
      if (probe == NULL)
        {
          g_ptr_array_unref (scan.images);
          g_ptr_array_unref (scan.problems);
          return NULL;
        }
      scan_folder (&scan, path, 0);
    }
  else if (is_dicomdir_name (path))
    {
      g_autoptr (GPtrArray) files = msc_dicomdir_list_files (path, error);
      if (files == NULL)
        {
          g_ptr_array_unref (scan.images);
          g_ptr_array_unref (scan.problems);
          return NULL;
        }
      for (guint i = 0; i < files->len; i++)
        scan_file (&scan, files->pdata[i], TRUE);
    }
  else
    scan_file (&scan, path, TRUE);
  return finish (&scan, problems);
}

GPtrArray *
msc_study_group (const char * const *paths, const MscLoadOptions *opts, GPtrArray **problems)
{
  Scan scan = { opts, g_ptr_array_new_with_free_func ((GDestroyNotify) msc_image_unref),
                g_ptr_array_new_with_free_func (g_free) };
  for (guint i = 0; paths && paths[i]; i++)
    scan_file (&scan, paths[i], TRUE);
  return finish (&scan, problems);
}
