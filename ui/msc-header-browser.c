/* ui/msc-header-browser.c — a searchable tree of one image's DICOM elements.
 *
 * The header is read on a worker thread; a read for an image that has since
 * been replaced is dropped. Filtering is a real tree filter: one GtkCustomFilter
 * shared by the top level and every sequence's child model keeps a row when it,
 * or anything below it, matches, so a match inside a sequence keeps its parents.
 */
#include "msc-header-browser.h"
#include "msc-dicom-header.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- one row: an element or a sequence item ------------------------------ */

#define MSC_TYPE_HEADER_ROW (msc_header_row_get_type ())
G_DECLARE_FINAL_TYPE (MscHeaderRow, msc_header_row, MSC, HEADER_ROW, GObject)

struct _MscHeaderRow {
  GObject parent_instance;
  char *tag, *keyword, *vr, *value;
  char *haystack;               /* casefolded "tag keyword value" for the search */
  GListStore *children;         /* (nullable) items of a sequence, elements of an item */
  guint match_serial;           /* filter generation match was computed for */
  gboolean match;
};

G_DEFINE_FINAL_TYPE (MscHeaderRow, msc_header_row, G_TYPE_OBJECT)

static void
msc_header_row_finalize (GObject *object)
{
  MscHeaderRow *row = MSC_HEADER_ROW (object);
  g_free (row->tag);
  g_free (row->keyword);
  g_free (row->vr);
  g_free (row->value);
  g_free (row->haystack);
  g_clear_object (&row->children);
  G_OBJECT_CLASS (msc_header_row_parent_class)->finalize (object);
}

static void
msc_header_row_class_init (MscHeaderRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = msc_header_row_finalize;
}

static void
msc_header_row_init (MscHeaderRow *row)
{
}

static MscHeaderRow *
header_row_new (char *tag, const char *keyword, const char *vr, const char *value)
{
  MscHeaderRow *row = g_object_new (MSC_TYPE_HEADER_ROW, NULL);
  row->tag = tag;
  row->keyword = g_strdup (keyword);
  row->vr = g_strdup (vr);
  row->value = g_strdup (value);
  g_autofree char *text = g_strjoin (" ", row->tag, row->keyword, row->value, NULL);
  row->haystack = g_utf8_casefold (text, -1);
  return row;
}

static GListStore *
rows_from_elements (GPtrArray *elements)
{
  GListStore *store = g_list_store_new (MSC_TYPE_HEADER_ROW);
  for (guint i = 0; i < elements->len; i++)
    {
      const MscDicomElement *e = g_ptr_array_index (elements, i);
      g_autoptr(MscHeaderRow) row =
        header_row_new (g_strdup_printf ("(%04X,%04X)", e->group, e->element), e->keyword, e->vr, e->value);
      if (e->items != NULL)
        {
          row->children = g_list_store_new (MSC_TYPE_HEADER_ROW);
          for (guint k = 0; k < e->items->len; k++)
            {
              /* Translators: a numbered item of a DICOM sequence in the tag tree. */
              g_autoptr(MscHeaderRow) item = header_row_new (g_strdup_printf (_("Item %u"), k + 1), "", "", "");
              item->children = rows_from_elements (g_ptr_array_index (e->items, k));
              g_list_store_append (row->children, item);
            }
        }
      g_list_store_append (store, row);
    }
  return store;
}

/* ---- the browser ------------------------------------------------------------ */

struct _MscHeaderBrowser {
  GtkWidget parent_instance;

  GtkWidget *search;            /* GtkSearchEntry */
  GtkWidget *stack;             /* "tree", "message", "loading" */
  GtkWidget *message_label;
  GtkWidget *column_view;
  GtkNoSelection *selection;

  MscImage *image;
  GCancellable *cancellable;    /* the running read */
  guint read_serial;            /* bumped on every set_image; stale reads are dropped */
  GListStore *rows;             /* (nullable) top-level rows of the shown header */
  GtkCustomFilter *filter;
  char *filter_text;            /* casefolded, "" when none */
  char *filter_raw;
  guint filter_serial;
  char *message;
};

G_DEFINE_FINAL_TYPE (MscHeaderBrowser, msc_header_browser, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_IMAGE, PROP_FILTER, PROP_LOADING, PROP_MESSAGE, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIGNAL_LOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
row_matches (MscHeaderRow *row, MscHeaderBrowser *self)
{
  if (row->match_serial == self->filter_serial)
    return row->match;
  gboolean match = strstr (row->haystack, self->filter_text) != NULL;
  guint n = row->children ? g_list_model_get_n_items (G_LIST_MODEL (row->children)) : 0;
  for (guint i = 0; i < n && !match; i++)
    {
      g_autoptr(MscHeaderRow) child = g_list_model_get_item (G_LIST_MODEL (row->children), i);
      match = row_matches (child, self);
    }
  row->match_serial = self->filter_serial;
  row->match = match;
  return match;
}

static gboolean
filter_func (gpointer item, gpointer user_data)
{
  MscHeaderBrowser *self = user_data;
  return self->filter_text[0] == '\0' || row_matches (MSC_HEADER_ROW (item), self);
}

static GListModel *
create_children (gpointer item, gpointer user_data)
{
  MscHeaderBrowser *self = user_data;
  MscHeaderRow *row = item;
  if (row->children == NULL)
    return NULL;
  return G_LIST_MODEL (gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (row->children)),
                                                  g_object_ref (GTK_FILTER (self->filter))));
}

/* A fresh tree over the rows: while searching every kept sequence opens, so
 * the matches inside it are visible. */
static void
rebuild_tree (MscHeaderBrowser *self)
{
  GListModel *tree = NULL;
  if (self->rows != NULL)
    {
      GtkFilterListModel *root = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)),
                                                            g_object_ref (GTK_FILTER (self->filter)));
      tree = G_LIST_MODEL (gtk_tree_list_model_new (G_LIST_MODEL (root), FALSE, self->filter_text[0] != '\0',
                                                    create_children, self, NULL));
    }
  gtk_no_selection_set_model (self->selection, tree);
  g_clear_object (&tree);
}

static void
show_message (MscHeaderBrowser *self, const char *message)
{
  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  if (message != NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->message_label), message);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "message");
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MESSAGE]);
}

static void
set_rows (MscHeaderBrowser *self, GListStore *rows)
{
  g_clear_object (&self->rows);
  self->rows = rows;
  rebuild_tree (self);
}

static void
read_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *header = msc_dicom_read_header (task_data, &error);
  if (header == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, header, (GDestroyNotify) g_ptr_array_unref);
}

static void
read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MscHeaderBrowser *self = MSC_HEADER_BROWSER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) header = g_task_propagate_pointer (G_TASK (result), &error);
  /* Cancelled (disposed or replaced) or superseded by a newer image. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      GPOINTER_TO_UINT (user_data) != self->read_serial)
    return;
  g_clear_object (&self->cancellable);
  if (header == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not read the DICOM header: %s"), error->message);
      show_message (self, text);
    }
  else
    {
      set_rows (self, rows_from_elements (header));
      show_message (self, NULL);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "tree");
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADING]);
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static char *
not_dicom_message (MscImage *image)
{
  const char *path = msc_image_get_path (image);
  const char *format = msc_image_get_format (image);
  g_autofree char *name = path ? g_path_get_basename (path) : NULL;
  if (name == NULL)
    return g_strdup (_("No DICOM header: this image was not read from a file"));
  if (format == NULL)
    return g_strdup_printf (_("No DICOM header: %s is not a DICOM file"), name);
  /* Translators: the first %s is a file name, the second its format ("PNG"). */
  return g_strdup_printf (_("No DICOM header: %s is a %s file"), name, format);
}

void
msc_header_browser_set_image (MscHeaderBrowser *self, MscImage *image)
{
  g_return_if_fail (MSC_IS_HEADER_BROWSER (self));
  if (image == self->image)
    return;
  gboolean was_loading = self->cancellable != NULL;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->image, msc_image_unref);
  self->image = image ? msc_image_ref (image) : NULL;
  self->read_serial++;
  set_rows (self, NULL);
  show_message (self, NULL);

  const char *path = image ? msc_image_get_path (image) : NULL;
  if (image == NULL)
    show_message (self, _("No image selected"));
  else if (g_strcmp0 (msc_image_get_format (image), "DICOM") != 0 || path == NULL)
    {
      g_autofree char *text = not_dicom_message (image);
      show_message (self, text);
    }
  else
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "loading");
      self->cancellable = g_cancellable_new ();
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, read_done,
                                          GUINT_TO_POINTER (self->read_serial));
      g_task_set_source_tag (task, msc_header_browser_set_image);
      g_task_set_task_data (task, g_strdup (path), g_free);
      g_task_run_in_thread (task, read_thread);
    }
  if (was_loading != (self->cancellable != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADING]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_IMAGE]);
  /* Nothing to wait for: say so at once, like a finished read would. */
  if (self->cancellable == NULL)
    g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static void
apply_filter (MscHeaderBrowser *self, const char *text)
{
  if (text == NULL)
    text = "";
  if (g_strcmp0 (self->filter_raw, text) == 0)
    return;
  g_free (self->filter_raw);
  self->filter_raw = g_strdup (text);
  g_free (self->filter_text);
  self->filter_text = g_utf8_casefold (text, -1);
  self->filter_serial++;
  rebuild_tree (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FILTER]);
}

static void
search_changed (GtkSearchEntry *entry, MscHeaderBrowser *self)
{
  apply_filter (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

void
msc_header_browser_set_filter (MscHeaderBrowser *self, const char *text)
{
  g_return_if_fail (MSC_IS_HEADER_BROWSER (self));
  if (text == NULL)
    text = "";
  /* The entry follows, quietly: set_text passes through "" on the way, and
   * GtkSearchEntry reports an empty text at once. Its delayed report of the
   * final text then finds nothing new. */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search)), text) != 0)
    {
      g_signal_handlers_block_by_func (self->search, search_changed, self);
      gtk_editable_set_text (GTK_EDITABLE (self->search), text);
      g_signal_handlers_unblock_by_func (self->search, search_changed, self);
    }
  apply_filter (self, text);
}

const char *
msc_header_browser_get_filter (MscHeaderBrowser *self)
{
  g_return_val_if_fail (MSC_IS_HEADER_BROWSER (self), NULL);
  return self->filter_raw;
}

MscImage *
msc_header_browser_get_image (MscHeaderBrowser *self)
{
  g_return_val_if_fail (MSC_IS_HEADER_BROWSER (self), NULL);
  return self->image;
}

gboolean
msc_header_browser_get_loading (MscHeaderBrowser *self)
{
  g_return_val_if_fail (MSC_IS_HEADER_BROWSER (self), FALSE);
  return self->cancellable != NULL;
}

const char *
msc_header_browser_get_message (MscHeaderBrowser *self)
{
  g_return_val_if_fail (MSC_IS_HEADER_BROWSER (self), NULL);
  return self->message;
}

guint
msc_header_browser_get_n_rows (MscHeaderBrowser *self)
{
  g_return_val_if_fail (MSC_IS_HEADER_BROWSER (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->selection));
}

char *
msc_header_browser_dup_row (MscHeaderBrowser *self, guint position)
{
  g_return_val_if_fail (MSC_IS_HEADER_BROWSER (self), NULL);
  g_autoptr(GtkTreeListRow) tree_row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  if (tree_row == NULL)
    return NULL;
  g_autoptr(MscHeaderRow) row = gtk_tree_list_row_get_item (tree_row);
  return g_strjoin ("\t", row->tag, row->keyword, row->vr, row->value, NULL);
}

/* ---- columns ------------------------------------------------------------------ */

enum { COLUMN_TAG, COLUMN_KEYWORD, COLUMN_VR, COLUMN_VALUE };

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer column)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (GPOINTER_TO_INT (column) == COLUMN_VALUE)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (GPOINTER_TO_INT (column) == COLUMN_TAG)
    {
      /* The tag column carries the expander: sequences open there. */
      GtkWidget *expander = gtk_tree_expander_new ();
      gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), label);
      gtk_list_item_set_child (item, expander);
      gtk_widget_add_css_class (label, "monospace");
    }
  else
    gtk_list_item_set_child (item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer column)
{
  GtkTreeListRow *tree_row = gtk_list_item_get_item (item);
  g_autoptr(MscHeaderRow) row = gtk_tree_list_row_get_item (tree_row);
  GtkWidget *child = gtk_list_item_get_child (item);
  const char *text = NULL;
  switch (GPOINTER_TO_INT (column))
    {
    case COLUMN_TAG:
      gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (child), tree_row);
      child = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (child));
      text = row->tag;
      break;
    case COLUMN_KEYWORD: text = row->keyword; break;
    case COLUMN_VR: text = row->vr; break;
    default:
      text = row->value;
      gtk_widget_set_tooltip_text (child, row->value);
      break;
    }
  gtk_label_set_text (GTK_LABEL (child), text);
}

static void
add_column (MscHeaderBrowser *self, const char *title, int column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (column));
  g_autoptr(GtkColumnViewColumn) c = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (c, TRUE);
  gtk_column_view_column_set_expand (c, column == COLUMN_VALUE);
  gtk_column_view_append_column (GTK_COLUMN_VIEW (self->column_view), c);
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
msc_header_browser_init (MscHeaderBrowser *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->filter_text = g_strdup ("");
  self->filter_raw = g_strdup ("");
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);

  self->search = gtk_search_entry_new ();
  g_object_set (self->search, "placeholder-text", _("Search tags, keywords and values"), NULL);
  gtk_widget_set_margin_start (self->search, 6);
  gtk_widget_set_margin_end (self->search, 6);
  gtk_widget_set_margin_top (self->search, 6);
  gtk_widget_set_margin_bottom (self->search, 6);
  g_signal_connect (self->search, "search-changed", G_CALLBACK (search_changed), self);
  gtk_widget_set_parent (self->search, GTK_WIDGET (self));

  self->selection = gtk_no_selection_new (NULL);
  self->column_view = gtk_column_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)));
  gtk_column_view_set_show_column_separators (GTK_COLUMN_VIEW (self->column_view), TRUE);
  add_column (self, _("Tag"), COLUMN_TAG);
  add_column (self, _("Keyword"), COLUMN_KEYWORD);
  add_column (self, _("VR"), COLUMN_VR);
  add_column (self, _("Value"), COLUMN_VALUE);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->column_view);

  self->message_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->message_label), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->message_label), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (self->message_label, "dim-label");
  gtk_widget_set_margin_start (self->message_label, 12);
  gtk_widget_set_margin_end (self->message_label, 12);
  GtkWidget *spinner = gtk_spinner_new ();
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_named (GTK_STACK (self->stack), self->message_label, "message");
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "tree");
  gtk_stack_add_named (GTK_STACK (self->stack), spinner, "loading");
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));
  show_message (self, _("No image selected"));
}

static void
msc_header_browser_dispose (GObject *object)
{
  MscHeaderBrowser *self = MSC_HEADER_BROWSER (object);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->search, gtk_widget_unparent);
  g_clear_pointer (&self->stack, gtk_widget_unparent);
  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_object (&self->filter);
  g_clear_pointer (&self->image, msc_image_unref);
  G_OBJECT_CLASS (msc_header_browser_parent_class)->dispose (object);
}

static void
msc_header_browser_finalize (GObject *object)
{
  MscHeaderBrowser *self = MSC_HEADER_BROWSER (object);
  g_free (self->filter_text);
  g_free (self->filter_raw);
  g_free (self->message);
  G_OBJECT_CLASS (msc_header_browser_parent_class)->finalize (object);
}

static void
msc_header_browser_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  MscHeaderBrowser *self = MSC_HEADER_BROWSER (object);
  switch (id)
    {
    case PROP_IMAGE: g_value_set_pointer (value, self->image); break;
    case PROP_FILTER: g_value_set_string (value, self->filter_raw); break;
    case PROP_LOADING: g_value_set_boolean (value, self->cancellable != NULL); break;
    case PROP_MESSAGE: g_value_set_string (value, self->message); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
msc_header_browser_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  MscHeaderBrowser *self = MSC_HEADER_BROWSER (object);
  switch (id)
    {
    case PROP_IMAGE: msc_header_browser_set_image (self, g_value_get_pointer (value)); break;
    case PROP_FILTER: msc_header_browser_set_filter (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
msc_header_browser_class_init (MscHeaderBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = msc_header_browser_dispose;
  object_class->finalize = msc_header_browser_finalize;
  object_class->get_property = msc_header_browser_get_property;
  object_class->set_property = msc_header_browser_set_property;

  /* MscImage is a plain refcounted struct without a boxed type: a pointer. */
  props[PROP_IMAGE] = g_param_spec_pointer ("image", NULL, NULL,
                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_FILTER] = g_param_spec_string ("filter", NULL, NULL, "",
                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "headerbrowser");
}

GtkWidget *
msc_header_browser_new (void)
{
  return g_object_new (MSC_TYPE_HEADER_BROWSER, NULL);
}
