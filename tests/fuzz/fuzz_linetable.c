/* fuzz_linetable.c: libFuzzer target: line tables of every format, any bytes. */
#include <stdint.h>
#include <string.h>
#include "linetable.h"

static const uint32_t versions[] = { 0x03080000, 0x03090000, 0x030a0000, 0x030b0000,
				     0x030c0000, 0x030d0000, 0x030e0000, 0x030f0000 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t lasti, first;
	size_t i;

	if (size < 8)
		return 0;
	memcpy(&lasti, data, 4);
	memcpy(&first, data + 4, 4);
	data += 8;
	size -= 8;
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		linetable__line(versions[i], data, size, first, lasti);
	linetable__lnotab(data, size, first, lasti);
	linetable__pep626(data, size, first, lasti);
	linetable__locations(data, size, first, lasti);
	return 0;
}
