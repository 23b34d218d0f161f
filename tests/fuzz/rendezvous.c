/* Fuzz target: the rendezvous protocol parser (demos/rendezvous/rendezvous.c), which
 * the directory runs on every line a stranger sends it. Whatever comes, no
 * crash; an accepted request is well-formed (valid name, tcp or udp, port
 * 1-65535 for REGISTER); replies parse the same way, an address in them
 * made of address characters only. The line goes through rv_take_line
 * first, as it does in the directory over TCP and UDP alike. */
#include "rendezvous.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    struct rv_request req;
    const char *error = NULL;
    size_t i;

    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    /* The one grammar for TCP and UDP: a line with any control byte (NUL
     * too) is refused, whatever follows it. */
    if (rv_take_line(line, size, &error) != 0) {
        if (error == NULL)
            abort();
        free(line);
        return 0;
    }
    for (i = 0; line[i] != '\0'; i++)
        if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
            abort();
    if (rv_parse_request(line, &req, &error) == 0) {
        if (strlen(req.name) > RV_NAME_MAX)
            abort();
        if (req.verb == RV_REGISTER &&
            (req.port < 1 || req.port > 65535 ||
             (strcmp(req.proto, "tcp") != 0 && strcmp(req.proto, "udp") != 0)))
            abort();
    } else if (error == NULL) {
        abort(); /* a refusal must say why */
    }
    if (rv_parse_entry(line, "PORT", &req) == 0 &&
        (req.port < 1 || req.port > 65535 || memchr(req.addr, '\0', sizeof req.addr) == NULL ||
         strspn(req.addr, "0123456789abcdefABCDEF.:") != strlen(req.addr)))
        abort();
    free(line);
    return 0;
}
