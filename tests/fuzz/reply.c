/* Fuzz target: addr_port_after() (common/addr.c), which reads the port in
 * a server's reply - text from the network, so anything may come. */
#include "addr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    unsigned port = 70000;

    memcpy(text, data, size);
    text[size] = '\0';
    if (addr_port_after(text, "saw you as ", &port) == 0 && port > 65535)
        abort();
    free(text);
    return 0;
}
