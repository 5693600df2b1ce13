/* topscreen.c: top's terminal, on ncursesw: it knows each terminal's
 * escapes and wide characters' widths, and restores the terminal. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <langinfo.h>
#include <locale.h>
#include <ncursesw/curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "topscreen.h"

struct topscreen {
	bool utf8; /* the locale's characters are UTF-8: wide characters drawn as such */
};

static struct topscreen *open_screen; /* for the atexit handler */

static void restore_at_exit(void)
{
	topscreen__close(open_screen);
}

struct topscreen *topscreen__open(void)
{
	static bool registered;
	struct topscreen *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	setlocale(LC_ALL, "");
	t->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	if (!initscr()) {
		free(t);
		return NULL;
	}
	cbreak(); /* keys at once; Ctrl-C still a signal */
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	open_screen = t;
	if (!registered)
		atexit(restore_at_exit);
	registered = true;
	return t;
}

void topscreen__close(struct topscreen *t)
{
	if (!t)
		return;
	curs_set(1);
	endwin();
	if (open_screen == t)
		open_screen = NULL;
	free(t);
}

int topscreen__key(struct topscreen *t, int wait_ms)
{
	int c;

	(void)t;
	timeout(wait_ms);
	c = getch();
	if (c == KEY_RESIZE)
		return TOPSCREEN_RESIZE;
	return c == ERR ? -1 : c;
}

int topscreen__rows(const struct topscreen *t)
{
	(void)t;
	return LINES;
}

int topscreen__cols(const struct topscreen *t)
{
	(void)t;
	return COLS;
}

void topscreen__clear(struct topscreen *t)
{
	(void)t;
	erase();
}

/* text as wide characters that fit in cols display columns; a character
 * that cannot be shown (invalid, unprintable, not in the locale) is '?'. */
static int fit(const struct topscreen *t, const char *text, wchar_t *out, int max, int cols)
{
	mbstate_t st;
	int n = 0, used = 0;

	memset(&st, 0, sizeof(st));
	while (*text && n < max) {
		wchar_t wc;
		size_t k = t->utf8 ? mbrtowc(&wc, text, strlen(text), &st) : 1;
		int w;

		if (!t->utf8)
			wc = (unsigned char)*text < 0x80 ? (wchar_t)*text : L'?';
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		}
		w = wcwidth(wc);
		if (w < 0) {
			wc = L'?';
			w = 1;
		}
		if (used + w > cols)
			break;
		out[n++] = wc;
		used += w;
		text += k;
	}
	out[n] = L'\0';
	return n;
}

void topscreen__line(struct topscreen *t, int y, const char *text, bool bold, bool reverse)
{
	wchar_t buf[1024];
	int n;

	if (y < 0 || y >= LINES)
		return;
	n = fit(t, text, buf, (int)(sizeof(buf) / sizeof(buf[0])) - 1, COLS);
	if (bold)
		attron(A_BOLD);
	if (reverse)
		attron(A_REVERSE);
	mvaddnwstr(y, 0, buf, n);
	if (reverse) /* the bar spans the width */
		for (int x = getcurx(stdscr); x < COLS && getcury(stdscr) == y; x++)
			addch(' ');
	attroff(A_BOLD | A_REVERSE);
}

void topscreen__show(struct topscreen *t)
{
	(void)t;
	refresh();
}
