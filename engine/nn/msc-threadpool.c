/* engine/nn/msc-threadpool.c — fixed worker pool on GThread, GMutex, GCond.
 *
 * One job at a time: run() publishes (fn, data, n_tasks) under a new
 * generation number, workers and the caller take task indices from a
 * shared counter, and run() waits until every task has finished.
 */
#include "msc-threadpool.h"

struct _MscThreadPool
{
  GMutex lock;
  GCond work_cond;          /* workers: a new generation or shutdown */
  GCond done_cond;          /* caller: the last task finished */
  GMutex run_lock;          /* serialises run() from different threads */
  GPtrArray *threads;       /* GThread *, n_threads - 1 of them */
  guint n_threads;

  /* The current job, guarded by lock. */
  guint64 generation;
  MscThreadPoolFunc fn;
  gpointer data;
  guint n_tasks;
  guint next_task;
  guint n_done;
  gboolean shutdown;
};

/* Takes and runs tasks of the current job until none are left; called and
 * returns with lock held. */
static void
drain_tasks (MscThreadPool *self)
{
  while (self->next_task < self->n_tasks)
    {
      guint task = self->next_task++;
      MscThreadPoolFunc fn = self->fn;
      gpointer data = self->data;
      g_mutex_unlock (&self->lock);
      fn (task, data);
      g_mutex_lock (&self->lock);
      if (++self->n_done == self->n_tasks)
        g_cond_broadcast (&self->done_cond);
    }
}

static gpointer
worker_main (gpointer user_data)
{
  MscThreadPool *self = user_data;
  guint64 seen = 0;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      while (!self->shutdown && self->generation == seen)
        g_cond_wait (&self->work_cond, &self->lock);
      if (self->shutdown)
        break;
      seen = self->generation;
      drain_tasks (self);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

MscThreadPool *
msc_thread_pool_new (guint n_threads)
{
  MscThreadPool *self = g_new0 (MscThreadPool, 1);

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  self->n_threads = n_threads;
  g_mutex_init (&self->lock);
  g_mutex_init (&self->run_lock);
  g_cond_init (&self->work_cond);
  g_cond_init (&self->done_cond);
  self->threads = g_ptr_array_new ();
  for (guint i = 1; i < n_threads; i++)
    g_ptr_array_add (self->threads, g_thread_new ("msc-pool", worker_main, self));
  return self;
}

void
msc_thread_pool_free (MscThreadPool *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->shutdown = TRUE;
  g_cond_broadcast (&self->work_cond);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < self->threads->len; i++)
    g_thread_join (g_ptr_array_index (self->threads, i));
  g_ptr_array_unref (self->threads);
  g_cond_clear (&self->work_cond);
  g_cond_clear (&self->done_cond);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->run_lock);
  g_free (self);
}

guint
msc_thread_pool_n_threads (const MscThreadPool *self)
{
  return self ? self->n_threads : 1;
}

void
msc_thread_pool_run (MscThreadPool *self, guint n_tasks, MscThreadPoolFunc fn, gpointer data)
{
  g_return_if_fail (fn != NULL);

  if (n_tasks == 0)
    return;
  /* Inline when there is no pool, nobody to share with, or one task. */
  if (self == NULL || self->threads->len == 0 || n_tasks == 1)
    {
      for (guint t = 0; t < n_tasks; t++)
        fn (t, data);
      return;
    }

  g_mutex_lock (&self->run_lock);
  g_mutex_lock (&self->lock);
  self->fn = fn;
  self->data = data;
  self->n_tasks = n_tasks;
  self->next_task = 0;
  self->n_done = 0;
  self->generation++;
  g_cond_broadcast (&self->work_cond);
  drain_tasks (self);
  while (self->n_done < self->n_tasks)
    g_cond_wait (&self->done_cond, &self->lock);
  /* Leave nothing for a late worker to pick up. */
  self->n_tasks = 0;
  self->next_task = 0;
  g_mutex_unlock (&self->lock);
  g_mutex_unlock (&self->run_lock);
}
