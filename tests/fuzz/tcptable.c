/* Fuzz target: tcptable_parse_line() (common/tcptable.c), which reads each
 * line of /proc/net/tcp and /proc/net/tcp6. The first byte picks the
 * table; whatever the rest, it never reads past the line's end (ASan), and
 * an entry it returns has the family asked for, a known state and timer. */
#include "tcptable.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tcp_entry e;
    int family;
    char *line;

    if (size == 0)
        return 0;
    family = data[0] & 1 ? AF_INET6 : AF_INET;
    /* An exact-size copy: a read past the terminator is caught. */
    line = malloc(size);
    if (line == NULL)
        return 0;
    memcpy(line, data + 1, size - 1);
    line[size - 1] = '\0';
    if (tcptable_parse_line(line, family, &e)) {
        if (e.local.ss_family != family || e.remote.ss_family != family ||
            e.state < TCPS_ESTABLISHED || e.state > TCPS_NEW_SYN_RECV || e.timer < 0 ||
            e.timer > 4 || strcmp(tcptable_state_name(e.state), "unknown state") == 0)
            abort();
    }
    free(line);
    return 0;
}
