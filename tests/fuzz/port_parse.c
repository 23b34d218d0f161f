/* Fuzz target: port_parse() (common/port.c), the parser of every -p.
 * Whatever the text, it must not crash, and an accepted port is 0-65535;
 * plain decimal text must be accepted exactly when its value fits. */
#include "port.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[64], why[256];
    unsigned port = 99999;
    size_t i, n = size < sizeof text - 1 ? size : sizeof text - 1;
    int digits = n > 0;
    unsigned long long value = 0;

    memcpy(text, data, n);
    text[n] = '\0';
    n = strlen(text); /* the text stops at the first NUL, as argv does */
    for (i = 0; i < n; i++) {
        digits = digits && text[i] >= '0' && text[i] <= '9';
        if (digits && value <= 65535)
            value = value * 10 + (unsigned long long)(text[i] - '0');
    }
    digits = digits && n > 0 && !(n > 1 && (text[1] == 'x' || text[1] == 'X'));
    if (port_parse(text, "tcp", &port, why, sizeof why) == 0) {
        if (port > 65535)
            abort();
        if (digits && port != value)
            abort();
    } else if (digits && value <= 65535) {
        abort(); /* a plain number that fits was refused */
    }
    return 0;
}
