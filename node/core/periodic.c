/*
 * periodic.c - the rooms' periodic work: what a node does by itself, on
 * a clock, without anyone asking (work/ marks actions late past their
 * deadline).
 *
 * A room registers an entry {name, period, test hook, function} before
 * the node serves; the daemon's main loop calls node_periodic_run about
 * twice a second, which runs each entry whose period has passed (each
 * one at its first call: a node that was stopped catches up at once),
 * under the node lock, in a transaction of its own: committed when the
 * function returns WN_OK, rolled back (and tried again a period later)
 * otherwise. The table and the times of the last runs are process-wide,
 * as the command tables are: one node per process.
 */
#include "node/core/core.h"

#include <string.h>

#define NODE_PERIODIC_MAX 8

static struct {
	const struct node_periodic *p;
	int64_t period_ms, last_ms; /* last_ms: CLOCK_MONOTONIC, 0 never */
} entries[NODE_PERIODIC_MAX];
static size_t nentries;

void
node_periodic_register(const struct node_periodic *p)
{
	for (size_t i = 0; i < nentries; i++) {
		if (entries[i].p == p)
			return;
		/* a name twice would hide which one failed in the log */
		WN_ASSERT(strcmp(entries[i].p->name, p->name) != 0);
	}
	WN_ASSERT(nentries < NODE_PERIODIC_MAX && p->fn != NULL &&
	    p->period_ms > 0);
	entries[nentries].p = p;
	entries[nentries].period_ms = p->test_env
	    ? node_test_ms(p->test_env, p->period_ms)
	    : p->period_ms;
	entries[nentries].last_ms = 0;
	nentries++;
}

size_t
node_periodic_count(void)
{
	return nentries;
}

bool
node_periodic_run(struct node *n)
{
	bool kick = false;
	for (size_t i = 0; i < nentries; i++) {
		int64_t now = wn_mono_ms();
		bool want = false;
		wn_err rc;
		if (entries[i].last_ms != 0 &&
		    now - entries[i].last_ms < entries[i].period_ms)
			continue;
		entries[i].last_ms = now ? now : 1;
		pthread_mutex_lock(&n->mtx);
		if ((rc = node_store_begin(n->store)) == WN_OK &&
		    (rc = entries[i].p->fn(n, &want)) == WN_OK &&
		    (rc = node_store_commit(n->store)) == WN_OK) {
			/* no flush of the audit records held while the disk
			 * is full: a commit that wrote nothing says nothing
			 * of the room there is (the next control request or
			 * received message writes them) */
			kick = kick || want;
		} else {
			node_store_rollback(n->store);
			wn_log(WN_LOG_WARN, "%s: %s; tried again in %lld ms",
			    entries[i].p->name, wn_strerror(rc),
			    (long long)entries[i].period_ms);
		}
		pthread_mutex_unlock(&n->mtx);
	}
	return kick;
}
