/* app/msc-cli-analyze.c — `mammoscope-cli analyze PATH... --json OUT`.
 *
 * Runs a model bundle (the default one or --model) on images, folders and
 * DICOM studies and writes one JSON array with an object per image; bad
 * files are reported as "PATH: problem" and the rest still processed.
 */
#include "msc-cli.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "msc-analyze.h"
#include "msc-study.h"

static char *json_option;
static char *model_option;
static char *heatmap_option;
static double threshold_option = -1;
static double spacing_option;
static int threads_option;

static const GOptionEntry analyze_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_option,
    N_("Write the results here (a JSON array, one object per image)"), N_("OUT.json") },
  { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_option,
    N_("Model bundle folder with model.json (default: the installed default model)"), N_("DIR") },
  { "heatmap-dir", 0, 0, G_OPTION_ARG_FILENAME, &heatmap_option,
    N_("Also write each probability map as an 8-bit PNG (255 = probability 1) here"), N_("DIR") },
  { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold_option,
    N_("Finding threshold, 0..1 (default: the model card's)"), N_("T") },
  { "spacing", 0, 0, G_OPTION_ARG_DOUBLE, &spacing_option,
    N_("Pixel spacing in mm for images that do not say (PNG, PGM); 0.2 for MIAS"), N_("MM") },
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads_option,
    N_("Worker threads (default: one per processor)"), N_("N") },
  G_OPTION_ENTRY_NULL
};

/* MSC_DEFAULT_MODEL_DIR (for tests and relocated installs), else the
 * installed folder, else the source tree's. (transfer full) */
static char *
default_model_dir (void)
{
  const char *env = g_getenv ("MSC_DEFAULT_MODEL_DIR");
  if (env && *env)
    return g_strdup (env);
  g_autofree char *card = g_build_filename (MSC_MODEL_DIR_INSTALLED, "model.json", NULL);
  if (g_file_test (card, G_FILE_TEST_IS_REGULAR))
    return g_strdup (MSC_MODEL_DIR_INSTALLED);
  return g_strdup (MSC_MODEL_DIR_SOURCE);
}

static MscAnalyzer *
open_model (void)
{
  g_autoptr (GError) error = NULL;
  if (model_option)
    {
      MscAnalyzer *a = msc_analyzer_load (model_option, &error);
      if (a == NULL)
        msc_cli_print_problem (error->message);
      return a;
    }
  g_autofree char *dir = default_model_dir ();
  g_autofree char *card = g_build_filename (dir, "model.json", NULL);
  if (!g_file_test (card, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *msg = g_strdup_printf (_("no default model installed at %s; pass --model DIR"),
                                              dir);
      msc_cli_print_problem (msg);
      return NULL;
    }
  MscAnalyzer *a = msc_analyzer_load (dir, &error);
  if (a == NULL)
    msc_cli_print_problem (error->message);
  return a;
}

/* Every image the arguments name: files loaded directly, folders and
 * DICOMDIRs through the study scanner. Problems are printed here. */
static GPtrArray *
gather_images (int argc, char **argv, int *status)
{
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) msc_image_unref);
  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          MscImage *img = msc_cli_load_image (argv[i], &error);
          if (img)
            g_ptr_array_add (images, img);
          else
            {
              msc_cli_print_problem (error->message);
              *status = 1;
            }
          continue;
        }
      g_autoptr (GPtrArray) problems = NULL;
      g_autoptr (GPtrArray) studies = msc_study_scan (argv[i], NULL, &problems, &error);
      if (studies == NULL)
        {
          msc_cli_print_problem (error->message);
          *status = 1;
          continue;
        }
      for (guint p = 0; problems && p < problems->len; p++)
        {
          msc_cli_print_problem (problems->pdata[p]);
          *status = 1;
        }
      for (guint s = 0; s < studies->len; s++)
        for (guint k = 0; k < msc_study_get_n_images (studies->pdata[s]); k++)
          g_ptr_array_add (images, msc_image_ref (msc_study_get_image (studies->pdata[s], k)));
    }
  return images;
}

static void
add_point (JsonBuilder *b, double x, double y)
{
  json_builder_begin_array (b);
  json_builder_add_double_value (b, round (x * 100) / 100);
  json_builder_add_double_value (b, round (y * 100) / 100);
  json_builder_end_array (b);
}

static void
add_finding (JsonBuilder *b, const MscFinding *f)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "score");
  json_builder_add_double_value (b, f->score);
  json_builder_set_member_name (b, "center");
  add_point (b, f->center_x, f->center_y);
  json_builder_set_member_name (b, "contour");
  json_builder_begin_array (b);
  for (guint k = 0; k < f->contour->len; k++)
    {
      const MscPoint *p = &g_array_index (f->contour, MscPoint, k);
      add_point (b, p->x, p->y);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "area_mm2");
  json_builder_add_double_value (b, f->area_mm2);
  json_builder_set_member_name (b, "bbox");      /* [x, y, width, height] in pixels */
  json_builder_begin_array (b);
  json_builder_add_int_value (b, f->bbox_x);
  json_builder_add_int_value (b, f->bbox_y);
  json_builder_add_int_value (b, f->bbox_width);
  json_builder_add_int_value (b, f->bbox_height);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
add_result (JsonBuilder *b, const char *path, const MscAnalyzer *a, const MscAnalysis *r,
            double threshold)
{
  MscClassProbabilities p;
  msc_analysis_get_class_probabilities (r, &p);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "class_probabilities");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "normal");
  json_builder_add_double_value (b, p.normal);
  json_builder_set_member_name (b, "benign");
  json_builder_add_double_value (b, p.benign);
  json_builder_set_member_name (b, "malignant");
  json_builder_add_double_value (b, p.malignant);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "abnormal_probability");
  json_builder_add_double_value (b, msc_analysis_get_abnormal_probability (r));
  json_builder_set_member_name (b, "malignant_probability");
  json_builder_add_double_value (b, msc_analysis_get_malignant_probability (r));
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  g_autoptr (GPtrArray) findings = msc_analysis_findings (r, threshold);
  for (guint i = 0; i < findings->len; i++)
    add_finding (b, findings->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "model");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, msc_analyzer_get_name (a));
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, msc_analyzer_get_version (a));
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, msc_analyzer_get_sha256 (a));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, msc_analysis_get_seconds (r));
  json_builder_end_object (b);
}

/* heatmap-dir/NAME.heatmap.png, 8-bit, 255 = probability 1. */
static gboolean
write_heatmap (const MscAnalysis *r, const char *path, GError **error)
{
  const MscPlane *heat = msc_analysis_get_heatmap (r);
  g_autoptr (MscPlane) u8 = msc_plane_new (MSC_PLANE_U8, msc_plane_get_width (heat),
                                           msc_plane_get_height (heat), error);
  if (u8 == NULL)
    return FALSE;
  const float *p = msc_plane_peek_f32 (heat);
  guint8 *o = msc_plane_u8 (u8);
  for (gsize i = 0; i < msc_plane_get_n_pixels (heat); i++)
    o[i] = (guint8) lrintf (CLAMP (p[i], 0.0f, 1.0f) * 255.0f);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strconcat (base, ".heatmap.png", NULL);
  g_autofree char *out = g_build_filename (heatmap_option, name, NULL);
  return msc_plane_save_png (u8, out, error);
}

int
msc_cli_analyze (int argc, char **argv)
{
  if (!msc_cli_parse_options (_("analyze PATH... --json OUT"),
                              _("Run the default (or --model) model on images, folders or DICOM "
                                "studies: class probabilities and findings per image."),
                              analyze_entries, &argc, &argv))
    return 2;
  if (argc < 3 || json_option == NULL || threshold_option > 1)
    {
      g_printerr (_("mammoscope-cli analyze: give at least one PATH, --json OUT and a threshold "
                    "in 0..1\n"));
      return 2;
    }
  if (heatmap_option && g_mkdir_with_parents (heatmap_option, 0755) != 0)
    {
      g_printerr (_("mammoscope-cli analyze: cannot create %s\n"), heatmap_option);
      return 2;
    }
  g_autoptr (MscAnalyzer) a = open_model ();
  if (a == NULL)
    return 1;
  msc_analyzer_set_assumed_spacing (a, spacing_option);
  msc_analyzer_set_threads (a, threads_option > 0 ? (guint) threads_option : 0);
  double threshold = threshold_option > 0 ? threshold_option : msc_analyzer_get_threshold (a);

  int status = 0;
  g_autoptr (GPtrArray) images = gather_images (argc, argv, &status);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < images->len; i++)
    {
      const char *path = msc_image_get_path (images->pdata[i]);
      path = path ? path : "?";
      g_autoptr (GError) error = NULL;
      g_autoptr (MscAnalysis) r = msc_analyze_image (a, images->pdata[i], NULL, &error);
      if (r == NULL || (heatmap_option && !write_heatmap (r, path, &error)))
        {
          g_autofree char *msg = g_strdup_printf ("%s: %s", path, error->message);
          msc_cli_print_problem (msg);
          status = 1;
          continue;
        }
      g_autofree char *base = g_path_get_basename (path);
      g_printerr ("%u/%u %s %.2f s\n", i + 1, images->len, base, msc_analysis_get_seconds (r));
      add_result (b, path, a, r, threshold);
    }
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (json_option, text, -1, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  return status;
}
