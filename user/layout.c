/* layout.c: compile-time checks that both compilers agree on shared layouts. */
#include <stddef.h>
#include "pyhawk.h"

_Static_assert(sizeof(struct ph_frame) == 16, "ph_frame is 16 bytes");
_Static_assert(offsetof(struct ph_sample, frames) == PH_SAMPLE_HDR_SIZE,
	       "PH_SAMPLE_HDR_SIZE matches struct ph_sample");
_Static_assert(offsetof(struct ph_code, data) == PH_CODE_HDR_SIZE,
	       "PH_CODE_HDR_SIZE matches struct ph_code");
_Static_assert(sizeof(struct py_offsets) % 8 == 0, "py_offsets has explicit padding");
_Static_assert(sizeof(struct ph_proc) % 8 == 0, "ph_proc has explicit padding");
_Static_assert(sizeof(struct ph_exit) == 16, "ph_exit is 16 bytes");
_Static_assert(sizeof(struct ph_thread_event) == 32, "ph_thread_event is 32 bytes");
_Static_assert(offsetof(struct ph_frame_addrs, addrs) == PH_FRAME_ADDRS_HDR_SIZE,
	       "PH_FRAME_ADDRS_HDR_SIZE matches struct ph_frame_addrs");
_Static_assert((PH_MAX_FRAMES & (PH_MAX_FRAMES - 1)) == 0, "PH_MAX_FRAMES is a power of two");
_Static_assert((PH_LINETABLE_MAX & (PH_LINETABLE_MAX - 1)) == 0,
	       "PH_LINETABLE_MAX is a power of two");
