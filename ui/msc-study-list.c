/* ui/msc-study-list.c — labels for the study chooser and the rule that
 * picks the study to hang and its prior (same patient, earlier date).
 * Patient IDs appear in the chooser's text only, never in a log.
 */
#include <glib/gi18n.h>
#include <string.h>
#include "msc-study-list.h"

/* The ID identifies a person across visits; the description alone
 * ("Bilateral screening") would pair strangers, so it is only a fallback
 * for de-identified files that lost the ID. */
char *
msc_study_list_dup_patient_key (MscStudy *study)
{
  if (study == NULL || msc_study_get_n_images (study) == 0)
    return NULL;
  const MscPatient *patient = msc_image_get_patient (msc_study_get_image (study, 0));
  if (patient && patient->id && *patient->id)
    return g_strconcat ("id:", patient->id, NULL);
  const char *description = msc_study_get_description (study);
  return description && *description ? g_strconcat ("desc:", description, NULL) : NULL;
}

/* DICOM DA is YYYYMMDD; compared as text it sorts by date. */
static const char *
raw_date (MscStudy *study)
{
  const char *date = msc_study_get_n_images (study) ? msc_image_get_study_date (msc_study_get_image (study, 0)) : NULL;
  return date ? date : "";
}

char *
msc_study_list_dup_date (MscStudy *study)
{
  const char *d = raw_date (study);
  if (strlen (d) == 8 && strspn (d, "0123456789") == 8)
    return g_strdup_printf ("%.4s-%.2s-%.2s", d, d + 4, d + 6);
  return g_strdup (d);
}

char *
msc_study_list_dup_title (MscStudy *study)
{
  const char *description = msc_study_get_description (study);
  if (description && *description)
    return g_strdup (description);
  /* PNG studies are named by their folder; DICOM ones without a
   * description by the folder of their first file. */
  if (msc_study_get_n_images (study) > 0)
    {
      const char *path = msc_image_get_path (msc_study_get_image (study, 0));
      if (path != NULL)
        {
          g_autofree char *dir = g_path_get_dirname (path);
          return g_path_get_basename (dir);
        }
    }
  return g_strdup (_("Unnamed study"));
}

char *
msc_study_list_dup_label (MscStudy *study)
{
  g_autofree char *title = msc_study_list_dup_title (study);
  g_autofree char *date = msc_study_list_dup_date (study);
  guint n = msc_study_get_n_images (study);
  g_autoptr (GString) text = g_string_new (title);
  if (*date)
    g_string_append_printf (text, " — %s", date);
  g_string_append (text, " — ");
  g_string_append_printf (text, ngettext ("%u image", "%u images", n), n);
  const MscPatient *patient = n ? msc_image_get_patient (msc_study_get_image (study, 0)) : NULL;
  if (patient && patient->id && *patient->id)
    {
      g_string_append (text, " — ");
      g_string_append_printf (text, _("ID %s"), patient->id);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

guint
msc_study_list_pick_initial (GPtrArray *studies)
{
  if (studies == NULL || studies->len == 0)
    return 0;
  guint current = 0;
  g_autofree char *key = msc_study_list_dup_patient_key (studies->pdata[0]);
  if (key == NULL)
    return 0;
  for (guint i = 1; i < studies->len; i++)
    {
      g_autofree char *other = msc_study_list_dup_patient_key (studies->pdata[i]);
      if (g_strcmp0 (key, other) == 0 && strcmp (raw_date (studies->pdata[i]), raw_date (studies->pdata[current])) > 0)
        current = i;
    }
  return current;
}

/* A full YYYYMMDD date: an undated study (common after anonymisation) is
 * never taken for an earlier one. */
static gboolean
has_date (MscStudy *study)
{
  const char *d = raw_date (study);
  return strlen (d) == 8 && strspn (d, "0123456789") == 8;
}

/* Only a Patient ID pairs a prior: a reader compares against it as the same
 * woman's earlier images, and a shared description ("Bilateral screening")
 * cannot vouch for that. Both studies must be dated. */
MscStudy *
msc_study_list_pick_prior (GPtrArray *studies, MscStudy *current)
{
  g_autofree char *key = msc_study_list_dup_patient_key (current);
  if (studies == NULL || key == NULL || !g_str_has_prefix (key, "id:") || !has_date (current))
    return NULL;
  MscStudy *prior = NULL;
  for (guint i = 0; i < studies->len; i++)
    {
      MscStudy *s = studies->pdata[i];
      g_autofree char *other = msc_study_list_dup_patient_key (s);
      if (s != current && g_strcmp0 (key, other) == 0 && has_date (s)
          && strcmp (raw_date (s), raw_date (current)) < 0
          && (prior == NULL || strcmp (raw_date (s), raw_date (prior)) > 0))
        prior = s;
    }
  return prior;
}

GMenu *
msc_study_list_build_menu (GPtrArray *studies)
{
  GMenu *menu = g_menu_new ();
  for (guint i = 0; studies != NULL && i < studies->len; i++)
    {
      g_autofree char *label = msc_study_list_dup_label (studies->pdata[i]);
      g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.study", g_variant_new_uint32 (i));
      g_menu_append_item (menu, item);
    }
  return menu;
}

/* Only the study's folder: the grid gives each broken file an error tile
 * in an empty slot, which only makes sense for the study it belonged to
 * (a folder of many studies would otherwise show them in every one). */
GPtrArray *
msc_study_list_problems_near (GPtrArray *problems, MscStudy *current)
{
  GPtrArray *near = g_ptr_array_new ();
  if (problems == NULL || msc_study_get_n_images (current) == 0)
    return near;
  const char *path = msc_image_get_path (msc_study_get_image (current, 0));
  g_autofree char *dir = path ? g_path_get_dirname (path) : NULL;
  for (guint i = 0; dir != NULL && i < problems->len; i++)
    {
      g_autofree char *file = g_strdup (problems->pdata[i]);
      char *colon = strstr (file, ": ");
      if (colon)
        *colon = '\0';
      g_autofree char *problem_dir = g_path_get_dirname (file);
      if (g_str_equal (problem_dir, dir))
        g_ptr_array_add (near, problems->pdata[i]);
    }
  return near;
}
