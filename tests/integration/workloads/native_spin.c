/* native_spin.c: a thread that burns CPU without ever having a Python
 * thread state (native_spin.py starts it through ctypes). */
#include <pthread.h>

static volatile unsigned long spins;

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		spins++;
	return 0;
}

int start_spinner(void)
{
	pthread_t t;

	return pthread_create(&t, 0, spin, 0);
}
