/* Fuzz target: wait_read_line() (common/wait.c), which frames the line a
 * client reads from a server. The bytes arrive through a real socket pair;
 * the result must be a terminated string within the buffer, without a
 * newline. */
#include "wait.h"
#include "narrate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    char line[512];

    if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 0;
    if (size > 0 && write(sv[1], data, size) != (ssize_t)size) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    shutdown(sv[1], SHUT_WR);
    memset(line, 'Z', sizeof line);
    if (wait_read_line(sv[0], (size & 1) ? "tcp" : "udp", NULL, 0, line, sizeof line) == 0 &&
        (memchr(line, '\0', sizeof line) == NULL || strchr(line, '\n') != NULL))
        abort();
    close(sv[0]);
    close(sv[1]);
    return 0;
}
