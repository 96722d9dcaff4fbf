/* app/mammoscope-cli.c — the headless face of Mammoscope.
 *
 * Subcommands wire engine calls to files and JSON on stdout; no logic of
 * their own beyond argument checking. Bad files never stop the others:
 * each prints "PATH: what is wrong" on stderr and the exit status is 1.
 */
#include "msc-cli.h"
#include "msc-display.h"
#include "msc-load.h"
#include "msc-phantom.h"
#include "msc-png.h"
#include "msc-study.h"
#include "msc-dicom.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

static int max_dimension;

static const GOptionEntry common_entries[] = {
  { "max-dimension", 0, 0, G_OPTION_ARG_INT, &max_dimension,
    N_("Refuse images wider or taller than N pixels (default 16384)"), "N" },
  G_OPTION_ENTRY_NULL
};

static MscLoadOptions
load_options (void)
{
  MscLoadOptions opts = { 0 };
  opts.max_dimension = max_dimension > 0 ? (guint) max_dimension : 0;
  return opts;
}

gboolean
msc_cli_parse_options (const char *parameter, const char *summary, const GOptionEntry *entries,
               int *argc, char ***argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  g_option_context_set_summary (context, summary);
  if (entries)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, common_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("mammoscope-cli: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

void
msc_cli_print_problem (const char *message)
{
  /* One line per problem, whatever the message holds. */
  g_autofree char *line = g_strdup (message);
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("%s\n", line);
}

static void
print_json_line (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  g_print ("%s\n", text);
}

static void
add_string (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_windows (JsonBuilder *b, const MscImage *image)
{
  json_builder_set_member_name (b, "window_presets");
  json_builder_begin_array (b);
  for (guint i = 0; i < msc_image_get_n_windows (image); i++)
    {
      const MscWindow *w = msc_image_get_window (image, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "center");
      json_builder_add_double_value (b, w->center);
      json_builder_set_member_name (b, "width");
      json_builder_add_double_value (b, w->width);
      add_string (b, "function", msc_voi_function_to_string (w->function));
      add_string (b, "explanation", w->explanation);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  const MscVoiLut *lut = msc_image_get_voi_lut (image);
  json_builder_set_member_name (b, "voi_lut");
  if (lut == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "entries");
      json_builder_add_int_value (b, lut->n_entries);
      json_builder_set_member_name (b, "first_mapped");
      json_builder_add_int_value (b, lut->first_mapped);
      json_builder_set_member_name (b, "bits");
      json_builder_add_int_value (b, lut->bits);
      add_string (b, "explanation", lut->explanation);
      json_builder_end_object (b);
    }
}

static void
add_patient (JsonBuilder *b, const MscImage *image)
{
  const MscPatient *p = msc_image_get_patient (image);
  json_builder_set_member_name (b, "patient");
  if (p == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  add_string (b, "name", p->name);
  add_string (b, "id", p->id);
  add_string (b, "birth_date", p->birth_date);
  add_string (b, "sex", p->sex);
  add_string (b, "accession_number", p->accession_number);
  add_string (b, "institution", p->institution);
  add_string (b, "referring_physician", p->referring_physician);
  json_builder_end_object (b);
}

static JsonNode *
image_to_json (const MscImage *image, gboolean with_phi)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "path", msc_image_get_path (image));
  add_string (b, "format", msc_image_get_format (image));
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, msc_image_get_width (image));
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, msc_image_get_height (image));
  json_builder_set_member_name (b, "bits_stored");
  json_builder_add_int_value (b, msc_image_get_bits_stored (image));
  add_string (b, "photometric", msc_image_get_photometric (image));
  const char *ts = msc_image_get_transfer_syntax (image);
  add_string (b, "transfer_syntax", ts);
  add_string (b, "transfer_syntax_name", ts ? msc_dicom_transfer_syntax_name (ts) : NULL);
  add_string (b, "laterality", msc_laterality_to_string (msc_image_get_laterality (image)));
  json_builder_set_member_name (b, "laterality_inferred");
  json_builder_add_boolean_value (b, msc_image_get_laterality_inferred (image));
  add_string (b, "view", msc_image_get_view (image));

  double row_mm, col_mm;
  json_builder_set_member_name (b, "pixel_spacing_mm");
  if (msc_image_get_spacing_mm (image, &row_mm, &col_mm))
    {
      json_builder_begin_array (b);
      json_builder_add_double_value (b, row_mm);
      json_builder_add_double_value (b, col_mm);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  add_string (b, "pixel_spacing_source", msc_image_get_spacing_source (image));
  add_string (b, "modality", msc_image_get_modality (image));
  add_string (b, "manufacturer", msc_image_get_manufacturer (image));
  add_string (b, "presentation_intent", msc_image_get_presentation_intent (image));
  add_string (b, "sop_class_uid", msc_image_get_sop_class_uid (image));
  add_string (b, "sop_instance_uid", msc_image_get_sop_instance_uid (image));
  add_string (b, "series_instance_uid", msc_image_get_series_instance_uid (image));
  add_string (b, "study_instance_uid", msc_image_get_study_instance_uid (image));
  json_builder_set_member_name (b, "frames");
  json_builder_add_int_value (b, msc_image_get_n_frames (image));
  json_builder_set_member_name (b, "value_offset");
  json_builder_add_double_value (b, msc_image_get_value_offset (image));
  add_windows (b, image);

  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (const char * const *note = msc_image_get_notes (image); *note; note++)
    json_builder_add_string_value (b, *note);
  json_builder_end_array (b);

  if (with_phi)
    add_patient (b, image);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

MscImage *
msc_cli_load_image (const char *path, GError **error)
{
  MscLoadOptions opts = load_options ();
  MscImage *image = msc_image_load (path, &opts, error);
  if (image && msc_image_get_laterality (image) == MSC_LATERALITY_UNKNOWN)
    {
      MscLaterality side = msc_study_infer_laterality (image);
      if (side != MSC_LATERALITY_UNKNOWN)
        {
          msc_image_set_laterality (image, side, TRUE);
          msc_image_add_note (image, _("laterality inferred from breast position"));
        }
    }
  return image;
}

static int
command_info (int argc, char **argv)
{
  gboolean phi = FALSE;
  const GOptionEntry entries[] = {
    { "phi", 0, 0, G_OPTION_ARG_NONE, &phi,
      N_("Also print patient identity fields (name, ID, birth date...)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  if (!msc_cli_parse_options (_("info FILE..."), _("Print one JSON object per image file."),
                      entries, &argc, &argv))
    return 2;
  if (argc < 3)
    {
      g_printerr (_("mammoscope-cli info: no file given\n"));
      return 2;
    }
  int status = 0;
  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MscImage) image = msc_cli_load_image (argv[i], &error);
      if (image == NULL)
        {
          msc_cli_print_problem (error->message);
          status = 1;
          continue;
        }
      g_autoptr (JsonNode) node = image_to_json (image, phi);
      print_json_line (node);
    }
  return status;
}

static gboolean
parse_window (const char *text, MscWindow *window)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  if (g_strv_length (parts) != 2)
    return FALSE;
  char *end = NULL;
  window->center = g_ascii_strtod (parts[0], &end);
  if (end == parts[0] || *end)
    return FALSE;
  window->width = g_ascii_strtod (parts[1], &end);
  if (end == parts[1] || *end || !(window->width > 0))
    return FALSE;
  window->function = MSC_VOI_LINEAR;
  window->explanation = NULL;
  return TRUE;
}

static int
command_convert (int argc, char **argv)
{
  g_autofree char *values = NULL;
  g_autofree char *window_text = NULL;
  const GOptionEntry entries[] = {
    { "values", 0, 0, G_OPTION_ARG_STRING, &values,
      N_("stored: 16-bit stored values; display: 8-bit with the first window (default)"),
      "stored|display" },
    { "window", 0, 0, G_OPTION_ARG_STRING, &window_text,
      N_("Display window instead of the first preset"), "CENTER,WIDTH" },
    G_OPTION_ENTRY_NULL
  };
  if (!msc_cli_parse_options (_("convert IN OUT.png"), _("Convert an image to PNG."),
                      entries, &argc, &argv))
    return 2;
  if (argc != 4)
    {
      g_printerr (_("mammoscope-cli convert: expected IN and OUT.png\n"));
      return 2;
    }
  gboolean stored = values && strcmp (values, "stored") == 0;
  if (values && !stored && strcmp (values, "display") != 0)
    {
      g_printerr (_("mammoscope-cli convert: --values must be stored or display, not %s\n"), values);
      return 2;
    }
  MscWindow window;
  if (window_text && !parse_window (window_text, &window))
    {
      g_printerr (_("mammoscope-cli convert: --window wants CENTER,WIDTH with WIDTH > 0, not %s\n"),
                  window_text);
      return 2;
    }

  g_autoptr (GError) error = NULL;
  MscLoadOptions opts = load_options ();
  g_autoptr (MscImage) image = msc_image_load (argv[2], &opts, &error);
  if (image == NULL)
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  for (const char * const *note = msc_image_get_notes (image); *note; note++)
    g_printerr ("%s: %s\n", argv[2], *note);

  guint width = msc_image_get_width (image), height = msc_image_get_height (image);
  gboolean ok;
  if (stored)
    ok = msc_png_save_grey (argv[3], width, height, 16, NULL, msc_image_get_pixels (image), &error);
  else
    {
      g_autofree guint8 *grey = msc_display_render (image, window_text ? &window : NULL);
      ok = msc_png_save_grey (argv[3], width, height, 8, grey, NULL, &error);
    }
  if (!ok)
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  return 0;
}

static int
command_phantom (int argc, char **argv)
{
  gint64 seed = 1;
  g_autofree char *size = NULL;
  double spacing_mm = 0;
  const GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (same seed, same study)"), "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, N_("Columns x rows of each view (default 1664x2048)"), "WxH" },
    { "spacing", 0, 0, G_OPTION_ARG_DOUBLE, &spacing_mm, N_("Pixel spacing in mm (default 0.1)"), "MM" },
    G_OPTION_ENTRY_NULL
  };
  if (!msc_cli_parse_options (_("phantom OUT_DIR"),
                      _("Write a synthetic four-view screening study with known lesions."),
                      entries, &argc, &argv))
    return 2;
  if (argc != 3)
    {
      g_printerr (_("mammoscope-cli phantom: expected one output folder\n"));
      return 2;
    }
  MscPhantomOptions opts = { .seed = (guint64) seed, .spacing_mm = spacing_mm };
  if (size && sscanf (size, "%ux%u", &opts.width, &opts.height) != 2)
    {
      g_printerr (_("mammoscope-cli phantom: --size wants WxH, not %s\n"), size);
      return 2;
    }
  if (spacing_mm < 0 || spacing_mm > 1)
    {
      g_printerr (_("mammoscope-cli phantom: --spacing must be between 0 and 1 mm\n"));
      return 2;
    }
  g_autoptr (GError) error = NULL;
  if (!msc_phantom_write_study (argv[2], &opts, &error))
    {
      msc_cli_print_problem (error->message);
      return 1;
    }
  return 0;
}

static JsonNode *
study_to_json (const MscStudy *study)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "study", msc_study_get_uid (study));
  add_string (b, "description", msc_study_get_description (study));
  json_builder_set_member_name (b, "slots");
  json_builder_begin_object (b);
  for (int slot = 0; slot < MSC_N_SLOTS; slot++)
    {
      MscImage *image = msc_study_get_slot (study, slot);
      add_string (b, msc_slot_to_string (slot), image ? msc_image_get_path (image) : NULL);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "images");
  json_builder_begin_array (b);
  for (guint i = 0; i < msc_study_get_n_images (study); i++)
    {
      MscImage *image = msc_study_get_image (study, i);
      json_builder_begin_object (b);
      add_string (b, "path", msc_image_get_path (image));
      add_string (b, "laterality", msc_laterality_to_string (msc_image_get_laterality (image)));
      json_builder_set_member_name (b, "laterality_inferred");
      json_builder_add_boolean_value (b, msc_image_get_laterality_inferred (image));
      add_string (b, "view", msc_image_get_view (image));
      add_string (b, "slot", msc_slot_to_string (msc_slot_for_image (image)));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static int
command_study (int argc, char **argv)
{
  if (!msc_cli_parse_options (_("study PATH..."),
                      _("Group files, folders or DICOMDIRs into studies and print the hanging "
                        "slots (R-CC, L-CC, R-MLO, L-MLO) as one JSON object per study."),
                      NULL, &argc, &argv))
    return 2;
  if (argc < 3)
    {
      g_printerr (_("mammoscope-cli study: no path given\n"));
      return 2;
    }
  int status = 0;
  MscLoadOptions opts = load_options ();
  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) problems = NULL;
      g_autoptr (GPtrArray) studies = msc_study_scan (argv[i], &opts, &problems, &error);
      if (studies == NULL)
        {
          msc_cli_print_problem (error->message);
          status = 1;
          continue;
        }
      for (guint p = 0; problems && p < problems->len; p++)
        {
          msc_cli_print_problem (problems->pdata[p]);
          status = 1;
        }
      for (guint s = 0; s < studies->len; s++)
        {
          g_autoptr (JsonNode) node = study_to_json (studies->pdata[s]);
          print_json_line (node);
        }
    }
  return status;
}

static const struct {
  const char *name;
  CommandFunc func;
  const char *summary;
} commands[] = {
  { "info", command_info, N_("print image metadata as JSON, one object per file") },
  { "convert", command_convert, N_("write stored values or a display rendering as PNG") },
  { "study", command_study, N_("group images into studies and show the hanging slots") },
  { "phantom", command_phantom, N_("write a synthetic four-view study with known lesions") },
  { "preprocess", msc_cli_preprocess, N_("run preprocessing steps and show each result") },
  { "analyze", msc_cli_analyze, N_("run a model: class probabilities and findings as JSON") },
  { "train", msc_cli_train, N_("train a model from a JSON configuration") },
  { "evaluate", msc_cli_evaluate, N_("score a trained model on a manifest's whole images or patches") },
  { "calibrate", msc_cli_calibrate, N_("fit a model card's calibration and threshold on held-out results") },
};

static void
print_usage (FILE *to)
{
  fprintf (to, "%s\n\n", _("Usage: mammoscope-cli COMMAND [OPTION...] ARGS"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (to, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (to, "\n%s\n", _("Run mammoscope-cli COMMAND --help for a command's options."));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* MSC_LOCALEDIR points tests at the build tree's catalogs. */
  const char *localedir = g_getenv ("MSC_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].func (argc, argv);
  g_printerr (_("mammoscope-cli: unknown command %s\n"), argv[1]);
  print_usage (stderr);
  return 2;
}
