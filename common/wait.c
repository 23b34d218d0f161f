/* wait.c - bounded waits with poll(). See wait.h. */
#include "wait.h"
#include "narrate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

long wait_idle_ms(long fallback)
{
    const char *env = getenv("PORTLAB_IDLE_MS");
    char *end = NULL;
    long v = env != NULL ? strtol(env, &end, 10) : 0;

    return env != NULL && *end == '\0' && v > 0 && v <= 3600000 ? v : fallback;
}

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

int wait_read_line(int fd, const char *proto, const struct sockaddr *to, long ms,
                   char *buf, size_t cap)
{
    long long end = wait_now_ms() + ms;
    size_t have = 0;
    ssize_t got;
    int ready;

    buf[0] = '\0';
    /* TCP is a byte stream: a line may arrive in pieces, or several lines
     * at once, so read exactly up to the newline (or the end of the stream,
     * or the deadline). A UDP datagram arrives whole: one recv(). */
    do {
        ready = wait_for(fd, POLLIN, end - wait_now_ms());
        if (ready <= 0) {
            report_sys("recv", proto, to, ready == 0 ? ETIMEDOUT : errno);
            return -1;
        }
        if (strcmp(proto, "tcp") == 0) {
            /* Peek first, then take just up to the newline: what follows
             * it is the next line's, and stays in the socket for later. */
            char *nl;

            got = recv(fd, buf + have, cap - 1 - have, MSG_DONTWAIT | MSG_PEEK);
            if (got > 0 && (nl = memchr(buf + have, '\n', (size_t)got)) != NULL)
                got = nl - (buf + have) + 1;
            if (got > 0)
                got = recv(fd, buf + have, (size_t)got, MSG_DONTWAIT);
        } else {
            got = recv(fd, buf + have, cap - 1 - have, MSG_DONTWAIT);
        }
        if (got < 0 && errno == EAGAIN)
            continue;
        if (got < 0) {
            /* On a connected UDP socket, an ICMP "port unreachable" that
             * came back for our datagram is handed to us here, as
             * ECONNREFUSED. */
            report_sys("recv", proto, to, errno);
            return -1;
        }
        have += (size_t)got;
        buf[have] = '\0';
    } while (got > 0 && strcmp(proto, "tcp") == 0 && strchr(buf, '\n') == NULL &&
             have < cap - 1);
    if (have == 0) {
        report("recv(%s): the server closed the connection without a reply", proto);
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}
