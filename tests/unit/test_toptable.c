/* test_toptable.c: top's counts and text against stacks whose truth is
 * known by construction: own is the innermost Python frame's, total
 * counts a function once per sample (recursion), lines and functions are
 * separate rows, the window rolls and resets, processes stay apart, and
 * the rows' columns line up under the heading. */
#include <string.h>
#include "check.h"
#include "profile.h"
#include "toptable.h"
#include "topview.h"

static uint32_t fid(struct profile *p, const char *name, int line)
{
	return (uint32_t)profile__frame_id(p, name, "app.py", line, PF_PYTHON);
}

static const struct top_row *find(const struct top_row *rows, long n, uint32_t pid,
				  const char *name, int line)
{
	for (long i = 0; i < n; i++)
		if (rows[i].pid == pid && !strcmp(rows[i].name, name) && rows[i].line == line)
			return &rows[i];
	return NULL;
}

int main(void)
{
	struct profile *p = profile__new();
	struct toptable *t = toptable__new(p);
	uint32_t main1 = fid(p, "main", 10), a1 = fid(p, "a", 20), a2 = fid(p, "a", 21);
	uint32_t b1 = fid(p, "b", 30), trunc;
	struct top_view fn = {.period = TOP_ALL, .sort = TOP_SORT_OWN};
	struct top_view ln = {.lines = true, .period = TOP_ALL, .sort = TOP_SORT_OWN};
	const struct top_row *rows, *r;
	char head[256], row[256];
	long n;

	trunc = (uint32_t)profile__frame_id(p, "[truncated]", NULL, 0, PF_TRUNCATED);
	/* 6 x main > a:20; 3 x main > b > a:21 > a:20 (recursion); 1 x main. */
	CHECK_INT(toptable__add(t, 1, (uint32_t[]){main1, a1}, 2, 6, true, true), 0);
	CHECK_INT(toptable__add(t, 1, (uint32_t[]){trunc, main1, b1, a2, a1}, 5, 3, false, true),
		  0);
	CHECK_INT(toptable__add(t, 1, (uint32_t[]){main1}, 1, 1, true, false), 0);
	CHECK_INT(toptable__counts(t, TOP_ALL)->samples, 10);
	CHECK_INT(toptable__counts(t, TOP_ALL)->gil, 7);
	CHECK_INT(toptable__counts(t, TOP_ALL)->active, 9);

	n = toptable__rows(t, &fn, &rows);
	CHECK_INT(n, 3); /* main, a, b: no row for the synthetic root */
	CHECK(!strcmp(rows[0].name, "a") && rows[0].own == 9 && rows[0].total == 9);
	CHECK(!strcmp(rows[1].name, "main") && rows[1].own == 1 && rows[1].total == 10);
	CHECK(!strcmp(rows[2].name, "b") && rows[2].own == 0 && rows[2].total == 3);
	CHECK_INT(rows[0].line, 0); /* by function: no line */
	fn.sort = TOP_SORT_TOTAL;
	n = toptable__rows(t, &fn, &rows);
	CHECK(n == 3 && !strcmp(rows[0].name, "main") && !strcmp(rows[2].name, "b"));

	n = toptable__rows(t, &ln, &rows);
	CHECK_INT(n, 4);
	r = find(rows, n, 1, "a", 20);
	CHECK(r && r->own == 9 && r->total == 9);
	r = find(rows, n, 1, "a", 21);
	CHECK(r && r->own == 0 && r->total == 3);

	/* Another process: its own rows, and a PID column lines up. */
	CHECK_INT(toptable__add(t, 2, (uint32_t[]){main1, a1}, 2, 5, true, true), 0);
	CHECK_INT(toptable__nprocesses(t, TOP_ALL), 2);
	fn.sort = TOP_SORT_OWN;
	fn.by_process = true;
	n = toptable__rows(t, &fn, &rows);
	CHECK_INT(n, 5);
	CHECK(rows[0].pid == 1 && rows[3].pid == 2); /* process 1 has more samples */
	CHECK_INT(toptable__process_samples(t, 2, TOP_ALL), 5);
	topview__columns(true, false, head, sizeof(head));
	topview__row(&rows[3], 15, 100, true, row, sizeof(row));
	CHECK_STR(row, " 33.3%   33.3%    0.05s      0.05s         2  a (app.py)");
	CHECK_INT(strstr(head, "Function") - head, strstr(row, "a (app.py)") - row);
	CHECK_INT(strstr(head, "PID") + 3 - head, strstr(row, "2  a") + 1 - row);

	/* The window: the interval's counts become the last's; reset clears. */
	toptable__roll(t);
	CHECK_INT(toptable__counts(t, TOP_LAST)->samples, 15);
	CHECK_INT(toptable__add(t, 2, (uint32_t[]){main1, b1}, 2, 4, false, true), 0);
	toptable__roll(t);
	fn.period = TOP_LAST;
	fn.by_process = false;
	n = toptable__rows(t, &fn, &rows);
	CHECK(n == 2 && !strcmp(rows[0].name, "b") && rows[0].own == 4 && rows[1].total == 4);
	CHECK_INT(toptable__counts(t, TOP_ALL)->samples, 19);
	toptable__reset(t);
	fn.period = TOP_ALL;
	CHECK_INT(toptable__rows(t, &fn, &rows), 0);
	CHECK_INT(toptable__counts(t, TOP_ALL)->samples, 0);

	toptable__free(t);
	profile__free(p);
	printf("toptable: %d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}
