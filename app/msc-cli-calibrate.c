/* app/msc-cli-calibrate.c — `mammoscope-cli calibrate --model DIR EVAL.json...`:
 * fits the model card's probability calibration and finding threshold on
 * held-out predictions (image-level `evaluate` JSONs, typically the
 * cross-validation folds of the same configuration), and writes them into
 * DIR/model.json.
 *
 * - P(abnormal): Platt map fitted on every image (abnormal = benign or
 *   malignant label).
 * - P(malignant | abnormal): Platt map fitted on the abnormal images.
 * - threshold: the lowest finding score at which normal images carry at
 *   most --marks-per-normal findings on average, so the viewer does not
 *   open on a field of marks. It never goes below the card's threshold
 *   (the evaluations only list findings at or above it).
 *
 * The evaluations must not include images the model was trained on; that
 * is the caller's promise (CV folds of the same configuration keep it).
 */
#include "msc-cli.h"
#include "msc-metrics.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>

typedef struct {
  GArray *abnormal_p;    /* double, every image */
  GArray *abnormal_y;    /* guint8 */
  GArray *malignant_p;   /* double, abnormal images */
  GArray *malignant_y;   /* guint8 */
  GArray *normal_scores; /* double: finding scores on normal images */
  guint n_normal;
} Held;

static gboolean
read_eval (const char *path, Held *h, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *level = o ? json_object_get_string_member_with_default (o, "level", "") : "";
  JsonNode *per = o ? json_object_get_member (o, "per_image") : NULL;
  if (g_strcmp0 (level, "image") != 0 || per == NULL || !JSON_NODE_HOLDS_ARRAY (per))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: not an image-level evaluation (level “image” with per_image)"), path);
      return FALSE;
    }
  JsonArray *a = json_node_get_array (per);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *r = json_array_get_object_element (a, i);
      const char *label = r ? json_object_get_string_member_with_default (r, "label", "") : "";
      gboolean normal = g_strcmp0 (label, "normal") == 0;
      gboolean benign = g_strcmp0 (label, "benign") == 0;
      gboolean malignant = g_strcmp0 (label, "malignant") == 0;
      double pa = r ? json_object_get_double_member_with_default (r, "abnormal_probability", NAN) : NAN;
      double pm = r ? json_object_get_double_member_with_default (r, "malignant_probability", NAN) : NAN;
      if (!(normal || benign || malignant) || !(pa >= 0 && pa <= 1) || !(pm >= 0 && pm <= 1))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("%s: per_image[%u] lacks a label or probabilities in 0..1"), path, i);
          return FALSE;
        }
      guint8 y = !normal;
      g_array_append_val (h->abnormal_p, pa);
      g_array_append_val (h->abnormal_y, y);
      if (!normal)
        {
          guint8 m = malignant;
          g_array_append_val (h->malignant_p, pm);
          g_array_append_val (h->malignant_y, m);
          continue;
        }
      h->n_normal++;
      JsonArray *f = json_object_get_array_member (r, "findings");
      for (guint k = 0; f && k < json_array_get_length (f); k++)
        {
          JsonObject *fo = json_array_get_object_element (f, k);
          double s = fo ? json_object_get_double_member_with_default (fo, "score", NAN) : NAN;
          if (isfinite (s))
            g_array_append_val (h->normal_scores, s);
        }
    }
  return TRUE;
}

static int
by_score_desc (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x < y) - (x > y);
}

/* The lowest threshold with at most `marks` findings per normal image:
 * just above the score of the (marks * n_normal + 1)-th highest. */
static double
choose_threshold (Held *h, double marks, double floor_t)
{
  GArray *s = h->normal_scores;
  g_array_sort (s, by_score_desc);
  gsize allowed = (gsize) floor (marks * h->n_normal);
  if (s->len <= allowed)
    return floor_t;
  double t = g_array_index (s, double, allowed);
  return MAX (floor_t, nextafter (t, 2.0));
}

static void
set_map (JsonObject *cal, const char *role, double a, double b)
{
  JsonObject *m = json_object_new ();
  json_object_set_double_member (m, "a", a);
  json_object_set_double_member (m, "b", b);
  json_object_set_object_member (cal, role, m);
}

int
msc_cli_calibrate (int argc, char **argv)
{
  g_autofree char *model = NULL;
  double marks = 1.0;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, N_("Model bundle folder (model.json)"),
      "DIR" },
    { "marks-per-normal", 0, 0, G_OPTION_ARG_DOUBLE, &marks,
      N_("Findings allowed per normal image on average at the chosen threshold (default 1)"),
      "F" },
    G_OPTION_ENTRY_NULL
  };
  if (!msc_cli_parse_options (_("calibrate --model DIR EVAL.json..."),
                              _("Fit the model card's probability calibration and finding "
                                "threshold on held-out image-level evaluations."),
                              entries, &argc, &argv))
    return 2;
  if (!model || argc < 3 || !(marks >= 0 && marks <= 1000))
    {
      g_printerr (_("mammoscope-cli calibrate: expected --model DIR and at least one "
                    "evaluation JSON\n"));
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *card_path = g_build_filename (model, "model.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, card_path, &error))
    {
      g_printerr ("%s: %s\n", card_path, error->message);
      return 1;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_printerr (_("%s: not a JSON object\n"), card_path);
      return 1;
    }
  JsonObject *card = json_node_get_object (root);
  Held h = { g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, 1),
             g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, 1),
             g_array_new (FALSE, FALSE, sizeof (double)), 0 };
  int status = 1;
  double aa, ab, ma, mb;
  for (int i = 2; i < argc; i++)   /* argv[1] is the command */
    if (!read_eval (argv[i], &h, &error))
      {
        msc_cli_print_problem (error->message);
        goto out;
      }
  if (!msc_metrics_platt_fit ((double *) h.abnormal_p->data, (guint8 *) h.abnormal_y->data,
                              h.abnormal_p->len, &aa, &ab, &error)
      || !msc_metrics_platt_fit ((double *) h.malignant_p->data, (guint8 *) h.malignant_y->data,
                                 h.malignant_p->len, &ma, &mb, &error))
    {
      msc_cli_print_problem (error->message);
      goto out;
    }
  if (!(aa > 0) || !(ma > 0))
    {
      /* A map that reverses the order would turn a ranking model upside down. */
      g_printerr (_("%s: the held-out scores rank backwards (a = %.3g, %.3g); card left "
                    "unchanged\n"), card_path, aa, ma);
      goto out;
    }
  {
    double old_t = json_object_get_double_member_with_default (card, "threshold", 0.5);
    double t = choose_threshold (&h, marks, old_t);
    JsonObject *cal = json_object_new ();
    set_map (cal, "abnormal", aa, ab);
    set_map (cal, "malignant", ma, mb);
    json_object_set_object_member (card, "calibration", cal);
    json_object_set_double_member (card, "threshold", MIN (t, 1.0));
    JsonObject *on = json_object_new ();
    json_object_set_int_member (on, "images", h.abnormal_p->len);
    json_object_set_int_member (on, "normal_images", h.n_normal);
    json_object_set_int_member (on, "abnormal_images", h.malignant_p->len);
    json_object_set_double_member (on, "marks_per_normal_image", marks);
    json_object_set_object_member (card, "calibrated_on", on);
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    json_generator_set_root (gen, root);
    json_generator_set_pretty (gen, TRUE);
    g_autofree char *text = json_generator_to_data (gen, NULL);
    if (!g_file_set_contents (card_path, text, -1, &error))
      {
        msc_cli_print_problem (error->message);
        goto out;
      }
    g_printerr (_("%u held-out images (%u normal): abnormal a = %.3f b = %.3f, malignant a = "
                  "%.3f b = %.3f, threshold %.4f\n"), h.abnormal_p->len, h.n_normal, aa, ab, ma,
                mb, MIN (t, 1.0));
    g_print ("%s\n", card_path);
    status = 0;
  }
out:
  g_array_unref (h.abnormal_p);
  g_array_unref (h.abnormal_y);
  g_array_unref (h.malignant_p);
  g_array_unref (h.malignant_y);
  g_array_unref (h.normal_scores);
  return status;
}
