/*
 * mediation_stats.c - the names of a mediation's lists, its dates (whole
 * days, YYYY-MM-DD) and the statistics a mediation service reports for a
 * period (node_med_stats). Pure code, thread safe: the unit test
 * tests/node/test_mediation.c checks it without a store.
 */
#include "node/work/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const source_names[] = {"police", "housing",
    "municipality", "self", "welfare", "other_partner", "other"};
static const char *const dispute_names[] = {"noise", "children", "pets",
    "parking", "garden_boundaries", "insults", "other"};
static const char *const outcome_names[] = {"agreement", "improved",
    "no_improvement", "referred_on", "refused"};
static const char *const talk_names[] = {"intake", "party", "joint"};

_Static_assert(WN_ARRAY_LEN(source_names) == NODE_MED_SOURCES, "sources");
_Static_assert(WN_ARRAY_LEN(dispute_names) == NODE_MED_DISPUTES, "disputes");
_Static_assert(WN_ARRAY_LEN(outcome_names) == NODE_MED_OUTCOMES, "outcomes");
_Static_assert(WN_ARRAY_LEN(talk_names) == NODE_MED_TALKS, "talks");

const char *
node_med_source_name(int s)
{
	return wn_name_of(source_names, NODE_MED_SOURCES, s);
}

bool
node_med_source_parse(const char *s, int *out)
{
	return wn_name_parse(source_names, NODE_MED_SOURCES, s, out);
}

const char *
node_med_dispute_name(int d)
{
	return wn_name_of(dispute_names, NODE_MED_DISPUTES, d);
}

bool
node_med_dispute_parse(const char *s, int *out)
{
	return wn_name_parse(dispute_names, NODE_MED_DISPUTES, s, out);
}

const char *
node_med_outcome_name(int o)
{
	return wn_name_of(outcome_names, NODE_MED_OUTCOMES, o);
}

bool
node_med_outcome_parse(const char *s, int *out)
{
	return wn_name_parse(outcome_names, NODE_MED_OUTCOMES, s, out);
}

const char *
node_med_talk_name(int k)
{
	return wn_name_of(talk_names, NODE_MED_TALKS, k);
}

bool
node_med_talk_parse(const char *s, int *out)
{
	return wn_name_parse(talk_names, NODE_MED_TALKS, s, out);
}

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date
 * (H. Hinnant's algorithm) */
static int32_t
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool
node_med_day_parse(const char *s, int32_t *day)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};
	int y, m, d, last;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1)
		return false;
	last = mdays[m - 1] +
	    (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
	if (d > last)
		return false;
	*day = days_from_civil(y, m, d);
	return true;
}

void
node_med_day_format(int32_t day, char out[11])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

wn_err
node_med_stats(const struct node_med_case *cases, size_t n,
    int32_t from_day, int32_t to_day, struct node_med_stats *out)
{
	int64_t *lead = NULL;
	memset(out, 0, sizeof(*out));
	out->median_x2 = -1;
	if (n > 0 && (lead = calloc(n, sizeof(*lead))) == NULL)
		return WN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct node_med_case *k = &cases[i];
		if (k->referred_day < from_day || k->referred_day > to_day)
			continue;
		out->cases++;
		if (k->source >= 0 && k->source < NODE_MED_SOURCES)
			out->by_source[k->source]++;
		if (k->dispute >= 0 && k->dispute < NODE_MED_DISPUTES)
			out->by_dispute[k->dispute]++;
		if (k->outcome < 0 || k->outcome >= NODE_MED_OUTCOMES) {
			out->open++;
			continue;
		}
		out->by_outcome[k->outcome]++;
		int64_t days = (int64_t)k->closed_day - k->referred_day;
		lead[out->closed++] = days > 0 ? days : 0;
		out->total_days += days > 0 ? days : 0;
	}
	if (out->closed > 0) {
		size_t c = out->closed;
		qsort(lead, c, sizeof(*lead), cmp_i64);
		out->median_x2 = c % 2 ? 2 * lead[c / 2]
				       : lead[c / 2 - 1] + lead[c / 2];
	}
	free(lead);
	return WN_OK;
}
