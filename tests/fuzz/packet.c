/* Fuzz target: packet_decode(), packet_describe() and packet_icmp_error()
 * (common/packet.c),
 * which read whatever a packet socket hands over. Whatever the bytes, they
 * never read outside the packet (ASan: the copy is exactly its size), and
 * what they say is consistent: ports only when four bytes were there. */
#include "packet.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct packet_info pi;
    struct packet_icmp ic;
    unsigned char *copy = malloc(size ? size : 1);
    char line[600];
    int r;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    r = packet_decode(copy, size, &pi);
    if (r == 1) {
        if (pi.l4 < copy || pi.l4 + pi.l4len > copy + size || (pi.has_ports && pi.l4len < 4))
            abort();
        packet_describe(&pi, line, sizeof line);
        if (memchr(line, '\0', sizeof line) == NULL)
            abort();
    } else if (r == -1 && pi.problem == NULL) {
        abort();
    }
    if (packet_icmp_error(copy, size, &ic) == 1) {
        if (ic.quoted_proto != IPPROTO_TCP && ic.quoted_proto != IPPROTO_UDP)
            abort();
        packet_icmp_name(&ic, line, sizeof line);
        if (memchr(line, '\0', sizeof line) == NULL)
            abort();
    }
    free(copy);
    return 0;
}
