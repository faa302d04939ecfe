/*
 * phenomenon_rule.c - when a phenomenon rule's threshold is reached
 * (node_pheno_window, work.h): pure code, no store, so that the exact
 * thresholds are unit tested (tests/node/test_phenomenon.c).
 *
 * A rule says: at least `signals` signals from at least `partners`
 * distinct partners within `days` days, in one area and category. "Within
 * days" is inclusive: the newest of the signals is at most days * 24 h
 * after the oldest. A new signal at time t completes a phenomenon when some
 * window [s, s + days] that holds t holds enough of them; every such
 * window starts at one of the signals, between t - days and t, so those
 * starts are all that is tried (a two-pointer walk over the signals in
 * time order, the partners counted in a small table).
 */
#include "node/work/work.h"

#include <stdlib.h>
#include <string.h>

struct part {
	const char *from;
	size_t n;
};

/* take adds (d = 1) or removes (d = -1) one signal of from; *distinct:
 * how many partners have one in the window */
static void
take(struct part *p, size_t *np, const char *from, int d, size_t *distinct)
{
	size_t i;
	for (i = 0; i < *np && strcmp(p[i].from, from) != 0; i++)
		;
	if (i == *np) {
		if (d < 0)
			return; /* not there: cannot happen */
		p[(*np)++] = (struct part){from, 0};
	}
	if (d > 0 && p[i].n++ == 0)
		(*distinct)++;
	else if (d < 0 && p[i].n > 0 && --p[i].n == 0)
		(*distinct)--;
}

wn_err
node_pheno_window(const struct node_pheno_sig *sigs, size_t count,
    int64_t t, const struct node_pheno_rule *r, bool *found, size_t *first,
    size_t *n)
{
	int64_t w;
	struct part *p;
	size_t np = 0, distinct = 0, j = 0;
	*found = false;
	*first = *n = 0;
	if (r->signals < 1 || r->partners < 1 || r->days < 1 || count == 0)
		return WN_OK;
	w = (int64_t)r->days * NODE_PHENO_DAY_MS;
	if ((p = calloc(count, sizeof(*p))) == NULL)
		return WN_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (j < i)
			j = i; /* cannot happen: i is always taken */
		while (j < count && sigs[j].when_ms - sigs[i].when_ms <= w)
			take(p, &np, sigs[j++].from, 1, &distinct);
		if (sigs[i].when_ms >= t - w && sigs[i].when_ms <= t &&
		    j - i >= (size_t)r->signals &&
		    distinct >= (size_t)r->partners) {
			*found = true;
			*first = i;
			*n = j - i;
			break;
		}
		take(p, &np, sigs[i].from, -1, &distinct);
	}
	free(p);
	return WN_OK;
}
