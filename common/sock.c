/* sock.c - socket settings no lesson is about. See sock.h. */
#include "sock.h"

#include <fcntl.h>

int sock_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}
