/* wait.c - bounded waits with poll(). See wait.h. */
#include "wait.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

int wait_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

long long wait_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wait_for(int fd, short events, long ms)
{
    struct pollfd p;
    long long end = wait_now_ms() + ms, left;
    int rc;

    p.fd = fd;
    p.events = events;
    for (;;) {
        left = end - wait_now_ms();
        if (left < 0)
            left = 0;
        rc = poll(&p, 1, (int)left);
        if (rc >= 0 || errno != EINTR)
            return rc > 0 ? 1 : rc;
    }
}

int wait_connected(int fd, long ms)
{
    int err = 0, rc;
    socklen_t len = sizeof err;

    rc = wait_for(fd, POLLOUT, ms);
    if (rc == 0)
        return ETIMEDOUT;
    if (rc < 0)
        return errno;
    /* The connection's outcome is kept as the socket's pending error. */
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return errno;
    return err;
}
