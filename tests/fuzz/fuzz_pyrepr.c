/* fuzz_pyrepr.c: libFuzzer target: repr of str, bytes, float and int from any target bytes. */
#include <stdint.h>
#include <string.h>
#include "pyrepr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t chars[64], digits[64];
	char out[160];
	size_t n = size / 4 < 64 ? size / 4 : 64, outlen;
	double d;

	if (size < 9)
		return 0;
	/* The first byte picks the output size (8 .. 160), so cuts land
	 * everywhere. */
	outlen = 8 + data[0] % (sizeof(out) - 7);
	memcpy(chars, data, n * 4);
	memcpy(digits, data, n * 4);
	memcpy(&d, data + 1, sizeof(d));
	pyrepr__str(chars, n, data[0] & 1, out, outlen);
	pyrepr__bytes(data, size, data[0] & 2, out, outlen);
	pyrepr__float(d, out, outlen);
	for (unsigned int i = 0; i < n; i++)
		digits[i] &= (1u << 30) - 1;
	pyrepr__int(data[0] & 4, digits, (unsigned int)n, 30, out, outlen);
	return 0;
}
