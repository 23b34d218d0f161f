/* wait.c - bounded waits with poll(). See wait.h. */
#include "wait.h"
#include "addr.h"
#include "clock.h"
#include "explain.h"
#include "narrate.h"
#include "sock.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

long wait_env_ms(const char *name, long fallback)
{
    const char *env = getenv(name);
    char *end = NULL;
    long v = env != NULL ? strtol(env, &end, 10) : 0;

    return env != NULL && *end == '\0' && v > 0 && v <= 3600000 ? v : fallback;
}

long wait_idle_ms(long fallback)
{
    return wait_env_ms("PORTLAB_IDLE_MS", fallback);
}

int wait_for(int fd, short events, long ms)
{
    struct pollfd p;
    long long end = clock_now_ms() + ms, left;
    int rc;

    p.fd = fd;
    p.events = events;
    for (;;) {
        left = end - clock_now_ms();
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

int wait_connect_report(int fd, int err, const char *proto, const struct sockaddr *to,
                        long ms)
{
    if (err == EINPROGRESS)
        err = wait_connected(fd, ms);
    if (err != 0)
        explain_report("connect", proto, to, err);
    return err;
}

/* The deadline passed: say what did happen, which is not the kernel's
 * doing: the timeout is ours. */
static void report_no_line(const char *proto, const struct sockaddr *to, long ms,
                           const char *buf, size_t have, int whole)
{
    char where[ADDR_STRLEN], shown[200];

    if (strcmp(proto, "tcp") != 0) {
        explain_report("recv", proto, to, ETIMEDOUT);
        return;
    }
    addr_format(to, where, sizeof where);
    if (whole) { /* one deadline for a whole exchange of several lines */
        report("recv(tcp %s): no %sline within the %ld ms this client allows the whole "
               "exchange (-t)%s%s%s", where, have ? "complete " : "", ms,
               have ? ": \"" : "", have ? narrate_safe(buf, shown, sizeof shown) : "",
               have ? "\"" : "");
        report("why: the timeout is this client's (-t %ld, for the whole exchange), not the "
               "kernel's: the server is slow, stuck, or keeps talking without the line "
               "this client waits for", ms);
        return;
    }
    if (have == 0)
        report("recv(tcp %s): connected, then nothing within %ld ms: the connection was "
               "accepted (the handshake completed), but no line came", where, ms);
    else
        report("recv(tcp %s): connected, then %zu byte%s without an end of line within "
               "%ld ms: \"%s\"", where, have, have == 1 ? "" : "s", ms,
               narrate_safe(buf, shown, sizeof shown));
    report("why: the timeout is this client's (-t %ld), not the kernel's: the server is "
           "slow, stuck, or speaks another protocol (one that waits for the client to "
           "speak first, or does not end its lines)", ms);
}

struct wait_deadline wait_deadline_in(long ms)
{
    struct wait_deadline d;

    d.end = clock_now_ms() + ms;
    d.ms = ms;
    return d;
}

long wait_left_ms(const struct wait_deadline *d)
{
    long long left = d->end - clock_now_ms();

    return left > 0 ? (long)left : 0;
}

/* Read one line by end; whole: the deadline is a whole exchange's (ms its
 * budget), else this line's alone. */
static int read_line(int fd, const char *proto, const struct sockaddr *to, long long end,
                     long ms, int whole, char *buf, size_t cap);

int wait_read_line(int fd, const char *proto, const struct sockaddr *to, long ms,
                   char *buf, size_t cap)
{
    return read_line(fd, proto, to, clock_now_ms() + ms, ms, 0, buf, cap);
}

int wait_read_line_by(int fd, const char *proto, const struct sockaddr *to,
                      const struct wait_deadline *d, char *buf, size_t cap)
{
    return read_line(fd, proto, to, d->end, d->ms, 1, buf, cap);
}

static int read_line(int fd, const char *proto, const struct sockaddr *to, long long end,
                     long ms, int whole, char *buf, size_t cap)
{
    size_t have = 0;
    ssize_t got;
    int ready, tcp = strcmp(proto, "tcp") == 0;

    buf[0] = '\0';
    sock_set_nonblocking(fd); /* a recv() after poll() must never block */
    /* TCP is a byte stream: a line may arrive in pieces, or several lines
     * at once, so read exactly up to the newline (or the end of the stream,
     * or the deadline). A UDP datagram arrives whole: one recv(). */
    for (;;) {
        ready = wait_for(fd, POLLIN, end - clock_now_ms());
        if (ready == 0) {
            report_no_line(proto, to, ms, buf, have, whole);
            return -1;
        }
        if (ready < 0) {
            explain_report("poll", proto, to, errno);
            return -1;
        }
        if (tcp) {
            /* Peek first, then take just up to the newline: what follows
             * it is the next line's, and stays in the socket for later. */
            char *nl;

            got = recv(fd, buf + have, cap - 1 - have, MSG_PEEK);
            if (got > 0 && (nl = memchr(buf + have, '\n', (size_t)got)) != NULL)
                got = nl - (buf + have) + 1;
            if (got > 0)
                got = recv(fd, buf + have, (size_t)got, 0);
        } else {
            got = recv(fd, buf + have, cap - 1 - have, 0);
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue; /* nothing after all (a spurious wake-up): wait again */
        if (got < 0) {
            /* On a connected UDP socket, an ICMP "port unreachable" that
             * came back for our datagram is handed to us here, as
             * ECONNREFUSED. */
            explain_report("recv", proto, to, errno);
            return -1;
        }
        have += (size_t)got;
        buf[have] = '\0';
        if (got == 0 || !tcp || memchr(buf, '\n', have) != NULL || have >= cap - 1)
            break;
    }
    if (have == 0) {
        report("recv(%s): the server closed the connection without a reply", proto);
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}
