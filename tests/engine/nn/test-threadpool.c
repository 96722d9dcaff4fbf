/* tests/engine/nn/test-threadpool.c — every task runs exactly once, run()
 * returns only after all of them, NULL pool runs inline, pools are reusable.
 */
#include "msc-threadpool.h"

typedef struct {
  gint *hits;          /* one counter per task */
  GThread *caller;
  gint on_other;       /* tasks that ran on a worker */
} Job;

static void
count_task (guint task, gpointer data)
{
  Job *job = data;
  g_atomic_int_inc (&job->hits[task]);
  if (g_thread_self () != job->caller)
    g_atomic_int_inc (&job->on_other);
  /* A little work so that several threads get a share. */
  volatile double s = 0;
  for (int i = 0; i < 2000; i++)
    s += i;
}

static void
run_and_check (MscThreadPool *pool, guint n_tasks, gboolean expect_inline)
{
  g_autofree gint *hits = g_new0 (gint, n_tasks + 1);
  Job job = { .hits = hits, .caller = g_thread_self () };

  msc_thread_pool_run (pool, n_tasks, count_task, &job);
  for (guint t = 0; t < n_tasks; t++)
    g_assert_cmpint (hits[t], ==, 1);
  g_assert_cmpint (hits[n_tasks], ==, 0);
  if (expect_inline)
    g_assert_cmpint (job.on_other, ==, 0);
}

static void
test_inline (void)
{
  run_and_check (NULL, 17, TRUE);
  run_and_check (NULL, 0, TRUE);
  g_assert_cmpuint (msc_thread_pool_n_threads (NULL), ==, 1);
  msc_thread_pool_free (NULL);
}

static void
test_pool (void)
{
  for (guint n_threads = 1; n_threads <= 4; n_threads++)
    {
      g_autoptr (MscThreadPool) pool = msc_thread_pool_new (n_threads);
      g_assert_cmpuint (msc_thread_pool_n_threads (pool), ==, n_threads);
      /* Many runs on one pool: generations must not mix up. */
      for (guint round = 0; round < 200; round++)
        run_and_check (pool, 1 + round % 37, n_threads == 1);
      run_and_check (pool, 0, TRUE);
    }
}

static void
test_default_size (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (0);
  g_assert_cmpuint (msc_thread_pool_n_threads (pool), ==, g_get_num_processors ());
  run_and_check (pool, 64, FALSE);
}

/* Two threads sharing one pool are serialised, not mixed. */
static gpointer
hammer (gpointer data)
{
  for (guint round = 0; round < 100; round++)
    run_and_check (data, 1 + round % 13, FALSE);
  return NULL;
}

static void
test_shared (void)
{
  g_autoptr (MscThreadPool) pool = msc_thread_pool_new (3);
  GThread *a = g_thread_new ("a", hammer, pool);
  GThread *b = g_thread_new ("b", hammer, pool);
  g_thread_join (a);
  g_thread_join (b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/threadpool/inline", test_inline);
  g_test_add_func ("/nn/threadpool/run", test_pool);
  g_test_add_func ("/nn/threadpool/default-size", test_default_size);
  g_test_add_func ("/nn/threadpool/shared", test_shared);
  return g_test_run ();
}
