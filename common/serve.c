/* serve.c - the shared server loop. See serve.h. */
#include "serve.h"
#include "addr.h"
#include "drain.h"
#include "kernel.h"
#include "narrate.h"
#include "options.h"
#include "port.h"
#include "signals.h"
#include "wait.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define REPLY_MAX 512
#define DATAGRAM_MAX 65536 /* the largest UDP payload is 65,507 (IPv4) */

#define PAUSE_MS 100 /* out of descriptors: how long to leave the queue alone */

/* One TCP client: accept, reply, hand over to the drain set. Returns 1 if
 * served, 0 if not, -1 when out of file descriptors. */
static int serve_tcp(int listener, struct drain_set *set, serve_reply_fn reply, void *ctx)
{
    struct sockaddr_storage peer, local;
    socklen_t plen = sizeof peer, llen = sizeof local;
    struct serve_event ev;
    char line[REPLY_MAX], who[ADDR_STRLEN];
    int fd;

    /* accept() gives a NEW socket for this client; the listener stays
     * free for the next. peer = the client's address and source port. */
    fd = accept(listener, (struct sockaddr *)&peer, &plen);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            return -1;
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            report_sys("accept", "tcp", NULL, errno);
        return 0;
    }
    getsockname(fd, (struct sockaddr *)&local, &llen);
    ev.proto = "tcp";
    ev.peer = (struct sockaddr *)&peer;
    ev.local = (struct sockaddr *)&local;
    ev.data = NULL;
    ev.len = 0;
    line[0] = '\0';
    reply(&ev, line, sizeof line, ctx);
    /* MSG_DONTWAIT: never block on one client. MSG_NOSIGNAL is not
     * POSIX-2008 everywhere, so SIGPIPE is ignored instead (signals.h). */
    if (send(fd, line, strlen(line), MSG_DONTWAIT) < 0) {
        int err = errno;

        narrate("tcp %s: the reply could not be sent (%s): that client is gone",
                addr_format(ev.peer, who, sizeof who), errno_name(err));
    }
    /* The client reads end-of-file after our line; drain.h closes later. */
    shutdown(fd, SHUT_WR);
    drain_add(set, fd, addr_format(ev.peer, who, sizeof who));
    return 1;
}

/* One UDP datagram: reply to the address and port it came from. */
static int serve_udp(int fd, serve_reply_fn reply, void *ctx)
{
    static char buf[DATAGRAM_MAX];
    struct sockaddr_storage peer, local;
    socklen_t plen = sizeof peer, llen = sizeof local;
    struct serve_event ev;
    char line[REPLY_MAX];
    ssize_t got;

    /* recvfrom() says who sent the datagram: UDP has no connection, so
     * this is the only way to know where the reply must go. */
    got = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&peer, &plen);
    if (got < 0)
        return 0;
    getsockname(fd, (struct sockaddr *)&local, &llen);
    ev.proto = "udp";
    ev.peer = (struct sockaddr *)&peer;
    ev.local = (struct sockaddr *)&local;
    ev.data = buf;
    ev.len = (size_t)got;
    line[0] = '\0';
    reply(&ev, line, sizeof line, ctx);
    if (sendto(fd, line, strlen(line), MSG_DONTWAIT, (struct sockaddr *)&peer, plen) < 0)
        report_sys("sendto", "udp", ev.peer, errno);
    return 1;
}

static int open_one(const struct addrinfo *ai, int socktype)
{
    const char *proto = addr_proto(socktype);
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    char where[ADDR_STRLEN];
    int fd = socket(ai->ai_family, socktype, 0), one = 1;

    if (fd < 0) {
        report_sys("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    if (socktype == SOCK_STREAM) /* restart without waiting for TIME_WAIT */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    addr_dual_stack(fd, ai->ai_addr); /* [::]: IPv4 clients too */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        report_sys("bind", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    if (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) != 0) {
        report_sys("listen", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&got, &len);
    narrate("%s bound to %s", proto, addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

int serve_open(struct opts *o, int *tcp, int *udp)
{
    struct addrinfo *ai;
    char where[ADDR_STRLEN];

    if (o->host == NULL && o->family == AF_UNSPEC)
        o->family = AF_INET; /* no -b: all IPv4 interfaces (-6: all IPv6) */
    if (addr_resolve(o->host, o->port, o->family, SOCK_STREAM, 1, &ai) != 0)
        return -1;
    port_narrate_request(o->port);
    *udp = -1;
    *tcp = open_one(ai, SOCK_STREAM);
    if (*tcp >= 0 && o->port == 0) {
        struct sockaddr_storage got;
        socklen_t len = sizeof got;

        getsockname(*tcp, (struct sockaddr *)&got, &len);
        o->port = addr_port((struct sockaddr *)&got);
        addr_set_port(ai->ai_addr, o->port);
        kernel_narrate_chosen(o->port);
    }
    if (*tcp >= 0)
        *udp = open_one(ai, SOCK_DGRAM);
    if (*udp < 0) {
        if (*tcp >= 0)
            close(*tcp);
        freeaddrinfo(ai);
        return -1;
    }
    narrate("ready on %s (tcp+udp)", addr_format(ai->ai_addr, where, sizeof where));
    freeaddrinfo(ai);
    return 0;
}

int serve_run(int tcp, int udp, long count, serve_reply_fn reply, void *ctx)
{
    struct drain_set set;
    const char *why = NULL;
    long served = 0;
    long long paused_until = 0; /* out of descriptors: accept() rests */
    int stop = signals_install(), rc = EXIT_OK, short_of_fds = 0, got;

    if (stop < 0 || drain_init(&set, 3) != 0) {
        report_sys("pipe", "tcp", NULL, errno);
        return EXIT_FAILED;
    }
    set.pfd[0].fd = stop;
    set.pfd[1].fd = tcp;
    set.pfd[2].fd = udp;
    while (count == 0 || served < count) {
        long long now = wait_now_ms();

        if (paused_until != 0 && now >= paused_until)
            paused_until = 0;
        /* A negative fd is skipped by poll(): the listener rests. */
        set.pfd[1].fd = paused_until == 0 ? tcp : -1;
        if (drain_poll(&set, paused_until != 0 ? (int)(paused_until - now) : -1) < 0) {
            if (errno == EINTR)
                continue;
            report_sys("poll", "tcp", NULL, errno);
            rc = EXIT_FAILED;
            break;
        }
        if (set.pfd[0].revents & POLLIN) {
            why = signals_which(stop);
            break;
        }
        if (set.pfd[1].fd >= 0 && (set.pfd[1].revents & POLLIN)) {
            got = serve_tcp(tcp, &set, reply, ctx);
            if (got < 0) {
                /* Every socket is a file descriptor, and we have none left.
                 * Keep running: new clients wait in the kernel's queue
                 * while the drained connections close and free some. */
                if (!short_of_fds)
                    narrate("out of file descriptors (%s, %zu connections closing): "
                            "new clients wait in the queue until some close",
                            errno_name(errno), drain_count(&set));
                short_of_fds = 1;
                paused_until = wait_now_ms() + PAUSE_MS;
            } else if (got > 0) {
                if (short_of_fds)
                    narrate("file descriptors free again: accepting connections");
                short_of_fds = 0;
                served += got;
            }
        }
        if (udp >= 0 && (set.pfd[2].revents & POLLIN) && (count == 0 || served < count))
            served += serve_udp(udp, reply, ctx);
    }
    if (why != NULL)
        narrate("stopping on %s after %ld exchange%s", why, served, served == 1 ? "" : "s");
    else if (rc == EXIT_OK)
        narrate("stopping after %ld exchange%s, as asked with -n", served,
                served == 1 ? "" : "s");
    drain_free(&set);
    return rc;
}
