/* Fuzz target: the rendezvous protocol parser (common/rendezvous.c), which
 * the directory runs on every line a stranger sends it. Whatever comes, no
 * crash; an accepted request is well-formed (valid name, tcp or udp, port
 * 1-65535 for REGISTER); replies parse the same way. */
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

    memcpy(line, data, size);
    line[size] = '\0';
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
    if (rv_parse_entry(line, "PORT", &req) == 0 && (req.port < 1 || req.port > 65535))
        abort();
    free(line);
    return 0;
}
