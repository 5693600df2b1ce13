/* topscreen.h: top's full-screen terminal (ncursesw): lines of UTF-8
 * text cut at the screen's width by display columns, keys without waiting,
 * and the terminal given back as it was. */
#ifndef TOPSCREEN_H
#define TOPSCREEN_H

#include <stdbool.h>

#define TOPSCREEN_RESIZE (-2) /* topscreen__key: the window changed size */

struct topscreen;

/* Takes the terminal (stdout must be one); NULL if it cannot. */
struct topscreen *topscreen__open(void);
/* Gives it back: main screen, cursor, modes. Safe with NULL. */
void topscreen__close(struct topscreen *t);
/* The next key pressed, waiting at most wait_ms (0: not at all): a
 * character, TOPSCREEN_RESIZE, or -1 for none. */
int topscreen__key(struct topscreen *t, int wait_ms);
int topscreen__rows(const struct topscreen *t);
int topscreen__cols(const struct topscreen *t);
void topscreen__clear(struct topscreen *t);
/* Draws a line of UTF-8 at row y, cut at the width; bold or reversed. */
void topscreen__line(struct topscreen *t, int y, const char *text, bool bold, bool reverse);
/* Shows what was drawn since the last clear. */
void topscreen__show(struct topscreen *t);

#endif /* TOPSCREEN_H */
