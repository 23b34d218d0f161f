/* Fuzz target: narrate_printable() (common/narrate.c), which shows a
 * banner received from the network (services-client). Whatever arrives,
 * the result is terminated within the buffer and holds only printable
 * ASCII. */
#include "narrate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[64];
    size_t i, cap = size > 0 ? 1 + data[0] % sizeof out : sizeof out;

    memset(out, 'Z', sizeof out);
    narrate_printable((const char *)data, size, out, cap);
    for (i = 0; i < cap && out[i] != '\0'; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
            abort();
    if (i == cap)
        abort(); /* not terminated within the buffer */
    return 0;
}
