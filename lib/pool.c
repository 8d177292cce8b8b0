// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A pool of threads that all run one function over one piece of work at a
 * time: the caller submits, the threads split the work among themselves
 * (each claims items with an atomic counter), the caller waits for all of
 * them.  The writer compresses its batches this way, the checker inflates
 * its blocks.
 */
#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include "internal.h"

/* The CPUs this process may run on (taskset, cpusets), else the online ones. */
static long usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return sysconf(_SC_NPROCESSORS_ONLN);
}

unsigned cr_thread_count(unsigned asked)
{
	long n = asked ? (long)asked : usable_cpus();

	return n < 1 ? 1 : n > CR_MAX_THREADS ? CR_MAX_THREADS : (unsigned)n;
}

static void *pool_thread(void *arg)
{
	struct cr_pool_thread *t = arg;
	struct cr_pool *p = t->pool;
	uint64_t seen = 0;

	for (;;) {
		cr_pool_fn fn;
		void *ctx;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && p->generation == seen)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		seen = p->generation;
		fn = p->fn;
		ctx = p->ctx;
		pthread_mutex_unlock(&p->lock);

		fn(ctx, t->index);

		pthread_mutex_lock(&p->lock);
		if (--p->active == 0)
			pthread_cond_broadcast(&p->idle);
		pthread_mutex_unlock(&p->lock);
	}
	cr_decompress_release();
	return NULL;
}

int cr_pool_start(struct cr_pool *p, unsigned n)
{
	p->started = 0;
	p->active = 0;
	p->generation = 0;
	p->stop = false;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (unsigned i = 0; i < n && i < CR_MAX_THREADS; i++) {
		p->threads[i].pool = p;
		p->threads[i].index = i;
		if (pthread_create(&p->threads[i].tid, NULL, pool_thread, &p->threads[i]))
			break;      /* fewer threads: slower, same result */
		p->started++;
	}
	return p->started || !n ? 0 : -EAGAIN;
}

void cr_pool_submit(struct cr_pool *p, cr_pool_fn fn, void *ctx)
{
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->ctx = ctx;
	p->active = p->started;
	p->generation++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void cr_pool_wait(struct cr_pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->active)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void cr_pool_stop(struct cr_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->threads[i].tid, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
}
