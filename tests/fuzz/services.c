/* Fuzz target: services_parse_line() (common/services.c), which reads each
 * line of /etc/services: whatever the line, an entry it returns has a
 * name, a port 0-65535 and a protocol, each terminated in its field. */
#include "services.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[600];
    struct services_entry e;

    if (size >= sizeof line)
        size = sizeof line - 1;
    memcpy(line, data, size);
    line[size] = '\0';
    if (services_parse_line(line, &e)) {
        if (e.name[0] == '\0' || e.port > 65535 || e.proto[0] == '\0' ||
            memchr(e.name, '\0', sizeof e.name) == NULL ||
            memchr(e.proto, '\0', sizeof e.proto) == NULL ||
            memchr(e.aliases, '\0', sizeof e.aliases) == NULL)
            abort();
    }
    return 0;
}
