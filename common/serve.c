/* serve.c - the shared server loop. See serve.h.
 *
 * _GNU_SOURCE: struct in_pktinfo and IPV6_RECVPKTINFO (RFC 3542), which
 * tell which of our addresses a datagram was sent to, are not in POSIX.
 * Where a system lacks them, replies leave from the address the routing
 * table picks (said once), as with any plain sendto(). */
#define _GNU_SOURCE
#include "serve.h"
#include "addr.h"
#include "clock.h"
#include "drain.h"
#include "explain.h"
#include "kernel.h"
#include "narrate.h"
#include "opts.h"
#include "port.h"
#include "privilege.h"
#include "replyguard.h"
#include "signals.h"
#include "sock.h"
#include "wait.h"

#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#define REPLY_MAX 512
#define DATAGRAM_MAX 65536 /* the largest UDP payload is 65,507 (IPv4) */

#define PAUSE_MS 100 /* out of descriptors: how long to leave the queue alone */

/* One TCP client: accept, reply, hand over to the drain set. Returns 1 if
 * served, 0 if not, -1 when out of file descriptors, -2 on another error
 * of accept() (the listener rests a moment instead of spinning). */
static int serve_tcp(const struct serve_socket *sk, struct drain_set *set,
                     serve_reply_fn reply, void *ctx)
{
    union serve_addr peer, local;
    socklen_t plen = sizeof peer, llen = sizeof local;
    struct serve_event ev;
    char line[REPLY_MAX], who[ADDR_STRLEN];
    int fd;

    /* accept() gives a NEW socket for this client; the listener stays
     * free for the next. peer = the client's address and source port.
     * A demo whose lesson it is makes the call itself (sk->accept). */
    memset(&peer, 0, sizeof peer);
    if (sk->accept != NULL)
        fd = sk->accept(sk->fd, &peer, &plen, ctx);
    else
        fd = accept(sk->fd, &peer.sa, &plen);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            return -1;
        /* Gone before we took it (aborted between poll() and accept()),
         * or nothing there after all: the listener is non-blocking. */
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
            errno == ECONNABORTED || errno == EPROTO)
            return 0;
        explain_report("accept", "tcp", NULL, errno);
        return -2;
    }
    sock_set_nonblocking(fd); /* never block on one client */
    getsockname(fd, &local.sa, &llen);
    ev.proto = "tcp";
    ev.peer = &peer.sa;
    ev.local = &local.sa;
    ev.data = NULL;
    ev.len = 0;
    ev.name = sk->name;
    line[0] = '\0';
    reply(&ev, line, sizeof line, ctx);
    /* MSG_NOSIGNAL is not POSIX-2008 everywhere, so SIGPIPE is ignored
     * instead (signals.h). */
    if (send(fd, line, strlen(line), 0) < 0) {
        int err = errno;

        narrate("tcp %s: the reply could not be sent (%s): that client is gone",
                addr_format(ev.peer, who, sizeof who), narrate_errno_name(err));
    }
    /* The client reads end-of-file after our line; drain.h closes later. */
    shutdown(fd, SHUT_WR);
    drain_add(set, fd, ev.peer);
    return 1;
}

void serve_want_destination(int fd)
{
#if defined(IP_PKTINFO) && defined(IPV6_RECVPKTINFO)
    int one = 1;
    struct sockaddr_storage me;

    socklen_t len = sizeof me;

    memset(&me, 0, sizeof me);
    if (getsockname(fd, (struct sockaddr *)&me, &len) != 0)
        return;
    /* IPv4 datagrams, also those reaching a dual-stack IPv6 socket. */
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    if (me.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
#else
    (void)fd;
    narrate("this system cannot say which of our addresses a datagram was sent to: "
            "replies leave from the address its routing table picks");
#endif
}

#if defined(IP_PKTINFO) && defined(IPV6_RECVPKTINFO)
union pktinfo_buf {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
};

/* From the ancillary data: the datagram's destination address, written
 * into local (whose port is already ours), and the same again as the one
 * control message that makes a reply leave from it (into out). *group: 1
 * when it was sent to a broadcast or multicast address. Returns the
 * length of that message, or 0 if the kernel did not say. */
static size_t udp_destination(struct msghdr *msg, union serve_addr *local,
                              union pktinfo_buf *out, int *group)
{
    struct cmsghdr *c, *o;

    memset(out, 0, sizeof *out);
    *group = -1;
    o = (struct cmsghdr *)out->buf;
    for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            /* ipi_addr is the header's destination, ipi_spec_dst the
             * local address the kernel would answer from: the same for a
             * datagram sent to us alone, not for a broadcast or multicast
             * one (ip(7); Linux: fib_compute_spec_dst()). */
            *group = pi.ipi_spec_dst.s_addr != pi.ipi_addr.s_addr;
            if (local->sa.sa_family == AF_INET) {
                struct sockaddr_in sin;

                memcpy(&sin, local, sizeof sin);
                sin.sin_addr = pi.ipi_addr;
                memcpy(local, &sin, sizeof sin);
            } else { /* dual-stack: IPv4 shown as ::ffff:a.b.c.d */
                struct sockaddr_in6 sin6;

                memcpy(&sin6, local, sizeof sin6);
                memset(&sin6.sin6_addr, 0, sizeof sin6.sin6_addr);
                sin6.sin6_addr.s6_addr[10] = 0xff;
                sin6.sin6_addr.s6_addr[11] = 0xff;
                memcpy(&sin6.sin6_addr.s6_addr[12], &pi.ipi_addr, 4);
                memcpy(local, &sin6, sizeof sin6);
            }
            /* The reply: from ipi_spec_dst, on whatever interface routes. */
            pi.ipi_spec_dst = pi.ipi_addr;
            pi.ipi_ifindex = 0;
            o->cmsg_level = IPPROTO_IP;
            o->cmsg_type = IP_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof pi);
            memcpy(CMSG_DATA(o), &pi, sizeof pi);
            return CMSG_SPACE(sizeof pi);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
            local->sa.sa_family == AF_INET6) {
            struct in6_pktinfo pi;
            struct sockaddr_in6 sin6;

            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            if (IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr))
                continue; /* IP_PKTINFO says the same, in IPv4's words */
            *group = IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr); /* IPv6 has no broadcast */
            memcpy(&sin6, local, sizeof sin6);
            sin6.sin6_addr = pi.ipi6_addr;
            memcpy(local, &sin6, sizeof sin6);
            o->cmsg_level = IPPROTO_IPV6;
            o->cmsg_type = IPV6_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof pi);
            memcpy(CMSG_DATA(o), &pi, sizeof pi);
            return CMSG_SPACE(sizeof pi);
        }
    }
    return 0;
}
#endif

/* The demo's own recvfrom() (sk->recvfrom), after the loop has peeked
 * (msg: the peek's peer, local: where it was sent) and the reply guard let
 * the datagram through. The demo must take that very datagram: a reader
 * of our socket's queue is alone (one process, one thread), so the next
 * datagram is the peeked one; were it not, no reply (we could not tell
 * which address it reached). Returns its length, or -1. */
static ssize_t udp_take(const struct serve_socket *sk, char *buf, size_t cap,
                        union serve_addr *peer, const union serve_addr *local, void *ctx)
{
    union serve_addr from;
    socklen_t flen = sizeof from;
    ssize_t got;

    memset(&from, 0, sizeof from);
    got = sk->recvfrom(sk->fd, buf, cap, &from, &flen, local, ctx);
    if (got < 0 || !addr_same_host(&from.sa, &peer->sa) ||
        addr_port(&from.sa) != addr_port(&peer->sa))
        return -1;
    return got;
}

#if !(defined(IP_PKTINFO) && defined(IPV6_RECVPKTINFO))
union pktinfo_buf { char buf[1]; };
#endif

/* recvmsg() is recvfrom() with room for ancillary data: it says who sent
 * the datagram (UDP has no connection, so this is the only way to know
 * where the reply must go) and, here, which address it reached (into
 * local, and into back as the control message a reply needs: *backlen). */
static ssize_t receive(int fd, char *buf, size_t cap, int flags, union serve_addr *peer,
                       union serve_addr *local, int *group, union pktinfo_buf *back,
                       size_t *backlen)
{
    socklen_t llen = sizeof *local;
    struct msghdr msg;
    struct iovec iov;
    ssize_t got;
#if defined(IP_PKTINFO) && defined(IPV6_RECVPKTINFO)
    union pktinfo_buf control;
#endif

    memset(&msg, 0, sizeof msg);
    memset(peer, 0, sizeof *peer);
    iov.iov_base = buf;
    iov.iov_len = cap;
    msg.msg_name = peer;
    msg.msg_namelen = sizeof *peer;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
#if defined(IP_PKTINFO) && defined(IPV6_RECVPKTINFO)
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
#endif
    *group = -1;
    *backlen = 0;
    got = recvmsg(fd, &msg, flags);
    if (got < 0)
        return got;
    memset(local, 0, sizeof *local);
    getsockname(fd, &local->sa, &llen);
#if defined(IP_PKTINFO) && defined(IPV6_RECVPKTINFO)
    *backlen = udp_destination(&msg, local, back, group);
#else
    (void)back;
#endif
    return got;
}

ssize_t serve_receive(int fd, char *buf, size_t cap, int flags, union serve_addr *peer,
                      union serve_addr *local, int *group)
{
    union pktinfo_buf back;
    size_t backlen;

    return receive(fd, buf, cap, flags, peer, local, group, &back, &backlen);
}

/* The loop's reply guard, while serve_run_set() runs (serve_may_answer). */
static struct reply_guard *running_guard;

int serve_may_answer(const struct sockaddr *peer, const struct sockaddr *local)
{
    return running_guard == NULL || reply_guard_ok(running_guard, peer, local, 0, clock_now_ms());
}

/* One UDP datagram: reply to the address and port it came from, FROM the
 * address it was sent to (else a client that wrote to our second address
 * would see a reply from a stranger, and drop it) - unless the guard says
 * no (replyguard.h: never to ourselves, nor to a broadcast, a few a second
 * to one address). Returns 1 if answered, 0 if not. */
static int serve_udp(const struct serve_socket *sk, struct reply_guard *guard,
                     serve_reply_fn reply, void *ctx)
{
    int fd = sk->fd, group;
    static char buf[DATAGRAM_MAX];
    union serve_addr peer, local;
    struct serve_event ev;
    struct msghdr msg;
    struct iovec iov;
    char line[REPLY_MAX];
    ssize_t got;
    union pktinfo_buf back;
    size_t backlen = 0;

    /* With the demo's own recvfrom(), only a peek (MSG_PEEK, no bytes):
     * the datagram stays queued for the demo's call. */
    got = receive(fd, buf, sk->recvfrom != NULL ? 0 : sizeof buf,
                  sk->recvfrom != NULL ? MSG_PEEK : 0, &peer, &local, &group, &back, &backlen);
    if (got < 0)
        return 0;
    /* Before the demo sees it (and narrates it): a forged source must not
     * make us answer, nor print, one line per datagram. */
    if (!reply_guard_ok(guard, &peer.sa, &local.sa, group, clock_now_ms())) {
        if (sk->recvfrom != NULL)
            (void)recv(fd, buf, 1, 0); /* the peeked datagram: dropped */
        return 0;
    }
    if (sk->recvfrom != NULL && (got = udp_take(sk, buf, sizeof buf, &peer, &local, ctx)) < 0)
        return 0;
    ev.proto = "udp";
    ev.peer = &peer.sa;
    ev.local = &local.sa;
    ev.data = buf;
    ev.len = (size_t)got;
    ev.name = sk->name;
    line[0] = '\0';
    reply(&ev, line, sizeof line, ctx);
    if (addr_port(ev.peer) == 0)
        return 1; /* source port 0 (RFC 768: "If not used, a value of zero is
                     inserted"): there is no port to answer */
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &peer;
    msg.msg_namelen = peer.sa.sa_family == AF_INET6 ? sizeof peer.in6 : sizeof peer.in;
    iov.iov_base = line;
    iov.iov_len = strlen(line);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (backlen > 0) {
        msg.msg_control = back.buf;
        msg.msg_controllen = backlen;
    }
    /* sendmsg(): sendto() with ancillary data - here the source address. */
    if (sendmsg(fd, &msg, 0) < 0) {
        /* Not an exchange: the reply never left (a firewall's EPERM, no
         * route...). Said on stderr, and not counted towards -n. */
        explain_report("sendmsg", "udp", ev.peer, errno);
        return 0;
    }
    return 1;
}

int serve_listen(const struct sockaddr *addr, socklen_t alen, int socktype, unsigned flags)
{
    const char *proto = addr_proto(socktype);
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    char where[ADDR_STRLEN];
    int fd = socket(addr->sa_family, socktype, 0), one = 1;

    if (fd < 0) {
        explain_report("socket", proto, addr, errno);
        return -1;
    }
    if (socktype == SOCK_STREAM) /* restart without waiting for TIME_WAIT */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (flags & SERVE_REUSEPORT) {
#ifdef SO_REUSEPORT
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
            explain_report("setsockopt(SO_REUSEPORT)", proto, addr, errno);
            close(fd);
            return -1;
        }
#else
        explain_report("setsockopt(SO_REUSEPORT)", proto, addr, ENOPROTOOPT);
        close(fd);
        return -1;
#endif
    }
    addr_dual_stack(fd, addr); /* [::]: IPv4 clients too */
    if (bind(fd, addr, alen) != 0) {
        explain_report("bind", proto, addr, errno);
        close(fd);
        return -1;
    }
    if (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) != 0) {
        explain_report("listen", proto, addr, errno);
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&got, &len);
    narrate("%s bound to %s", proto, addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

int serve_open(struct opts *o, int *tcp, int *udp)
{
    return serve_open_with(o, tcp, udp, NULL, NULL);
}

int serve_open_with(struct opts *o, int *tcp, int *udp, int (*opened)(int tcp, void *ctx),
                    void *ctx)
{
    struct addrinfo *ai;
    char where[ADDR_STRLEN];

    if (o->host == NULL && o->family == AF_UNSPEC)
        o->family = AF_INET; /* no -b: all IPv4 interfaces (-6: all IPv6) */
    if (addr_resolve(o->host, o->port, o->family, SOCK_STREAM, 1, &ai) != 0)
        return -1;
    port_narrate_request(o->port);
    *udp = -1;
    *tcp = serve_listen(ai->ai_addr, ai->ai_addrlen, SOCK_STREAM, 0);
    if (*tcp >= 0 && o->port == 0) {
        struct sockaddr_storage got;
        socklen_t len = sizeof got;

        getsockname(*tcp, (struct sockaddr *)&got, &len);
        o->port = addr_port((struct sockaddr *)&got);
        addr_set_port(ai->ai_addr, o->port);
        kernel_narrate_chosen(o->port);
    }
    if (*tcp >= 0)
        *udp = serve_listen(ai->ai_addr, ai->ai_addrlen, SOCK_DGRAM, 0);
    if (*udp < 0) {
        if (*tcp >= 0)
            close(*tcp);
        freeaddrinfo(ai);
        return -1;
    }
    /* Both sockets are open: from here on keep no root and no capability. */
    if (privilege_give_up(o->user, o->tell_privilege) < 0 ||
        (opened != NULL && opened(*tcp, ctx) != 0)) {
        close(*tcp);
        close(*udp);
        freeaddrinfo(ai);
        return -1;
    }
    narrate("ready on %s (tcp+udp)", addr_format(ai->ai_addr, where, sizeof where));
    freeaddrinfo(ai);
    return 0;
}

int serve_run(int tcp, int udp, long count, serve_reply_fn reply, void *ctx)
{
    return serve_run_watching(tcp, udp, NULL, count, reply, ctx);
}

int serve_run_watching(int tcp, int udp, struct serve_watch *w, long count,
                       serve_reply_fn reply, void *ctx)
{
    static struct serve_set s; /* ~1 KB: not on the stack */

    serve_set_init(&s);
    s.watch = w;
    serve_set_add(&s, NULL, tcp, SOCK_STREAM);
    serve_set_add(&s, NULL, udp, SOCK_DGRAM);
    return serve_run_set(&s, count, reply, ctx);
}

void serve_set_init(struct serve_set *s)
{
    memset(s, 0, sizeof *s);
}

int serve_set_add(struct serve_set *s, const char *name, int fd, int socktype)
{
    if (fd < 0)
        return 0;
    if (s->n == SERVE_MAX_SOCKETS) {
        report("serve: more than %d sockets in one loop", SERVE_MAX_SOCKETS);
        return -1;
    }
    s->sock[s->n].name = name;
    s->sock[s->n].fd = fd;
    s->sock[s->n].socktype = socktype;
    s->sock[s->n].paused_until = 0;
    s->sock[s->n].accept = NULL;
    s->sock[s->n].recvfrom = NULL;
    s->n++;
    return 0;
}

int serve_set_add_accepting(struct serve_set *s, const char *name, int fd,
                            serve_accept_fn fn)
{
    if (fd < 0 || serve_set_add(s, name, fd, SOCK_STREAM) != 0)
        return fd < 0 ? 0 : -1;
    s->sock[s->n - 1].accept = fn;
    return 0;
}

int serve_set_add_receiving(struct serve_set *s, const char *name, int fd,
                            serve_recvfrom_fn fn)
{
    if (fd < 0 || serve_set_add(s, name, fd, SOCK_DGRAM) != 0)
        return fd < 0 ? 0 : -1;
    s->sock[s->n - 1].recvfrom = fn;
    return 0;
}

/* The loop's own poll slots, before the drained connections (drain.h):
 * the stop signal, the watched descriptor, then one per socket. */
enum { SLOT_STOP, SLOT_WATCH, SLOT_SOCKETS };

/* A listener's accept() failed: rest it a moment instead of spinning. got
 * is serve_tcp's -1 (out of descriptors) or -2 (another error). */
static void serve_rest(struct serve_socket *sk, int got, int *short_of_fds,
                       const struct drain_set *set)
{
    if (got == -1) {
        /* Every socket is a file descriptor, and we have none left. Keep
         * running: new clients wait in the kernel's queue while the
         * drained connections close and free some. */
        if (!*short_of_fds)
            narrate("out of file descriptors (%s, %zu connections closing): "
                    "new clients wait in the queue until some close",
                    narrate_errno_name(errno), drain_count(set));
        *short_of_fds = 1;
    }
    sk->paused_until = clock_now_ms() + PAUSE_MS;
}

int serve_run_set(struct serve_set *s, long count, serve_reply_fn reply, void *ctx)
{
    static struct reply_guard guard; /* ~10 KB: not on the stack */
    struct serve_watch *w = s->watch;
    struct drain_set set;
    const char *why = NULL;
    long served = 0;
    int stop = signals_install(), rc = EXIT_OK, short_of_fds = 0, got;
    size_t i;

    if (stop < 0 || drain_init(&set, SLOT_SOCKETS + s->n) != 0) {
        explain_report("pipe", "tcp", NULL, errno);
        return EXIT_FAILED;
    }
    set.pfd[SLOT_STOP].fd = stop;
    for (i = 0; i < s->n; i++) {
        /* Non-blocking: a client that vanished between poll() and accept()
         * must not block the loop (as it would on BSD and macOS). */
        sock_set_nonblocking(s->sock[i].fd);
        if (s->sock[i].socktype == SOCK_DGRAM)
            serve_want_destination(s->sock[i].fd);
    }
    reply_guard_init(&guard);
    for (i = 0; i < s->n; i++) { /* never answered: a datagram from any of these */
        union serve_addr me;
        socklen_t len = sizeof me;

        memset(&me, 0, sizeof me);
        if (getsockname(s->sock[i].fd, &me.sa, &len) == 0)
            reply_guard_hold(&guard, addr_port(&me.sa));
    }
    running_guard = &guard;
    while (count == 0 || served < count) {
        long long now = clock_now_ms(), wake = 0, guard_due;

        for (i = 0; i < s->n; i++) {
            struct serve_socket *sk = &s->sock[i];

            if (sk->paused_until != 0 && now >= sk->paused_until)
                sk->paused_until = 0;
            if (sk->paused_until != 0 && (wake == 0 || sk->paused_until < wake))
                wake = sk->paused_until;
            /* A negative fd is skipped by poll(): the listener rests. */
            set.pfd[SLOT_SOCKETS + i].fd = sk->paused_until == 0 ? sk->fd : -1;
        }
        set.pfd[SLOT_WATCH].fd = w != NULL ? w->fd : -1;
        if (set.pfd[SLOT_WATCH].fd >= 0)
            sock_set_nonblocking(set.pfd[SLOT_WATCH].fd);
        if (w != NULL && w->wake_ms != 0 && (wake == 0 || w->wake_ms < wake))
            wake = w->wake_ms;
        guard_due = reply_guard_tick(&guard, now); /* "not answering ..." lines */
        if (guard_due != 0 && (wake == 0 || guard_due < wake))
            wake = guard_due;
        if (drain_poll(&set, wake != 0 ? (wake > now ? (int)(wake - now) : 0) : -1) < 0) {
            if (errno == EINTR)
                continue;
            explain_report("poll", "tcp", NULL, errno);
            rc = EXIT_FAILED;
            break;
        }
        if (set.pfd[SLOT_STOP].revents & POLLIN) {
            why = signals_which(stop);
            break;
        }
        /* Watched first: a packet seen before the exchange it belongs to. */
        if (w != NULL &&
            ((set.pfd[SLOT_WATCH].fd >= 0 &&
              (set.pfd[SLOT_WATCH].revents & (POLLIN | POLLHUP | POLLERR))) ||
             (w->wake_ms != 0 && clock_now_ms() >= w->wake_ms)) &&
            w->fn(w) != 0) {
            rc = EXIT_FAILED;
            break;
        }
        for (i = 0; i < s->n && (count == 0 || served < count); i++) {
            struct serve_socket *sk = &s->sock[i];
            const struct pollfd *p = &set.pfd[SLOT_SOCKETS + i];

            if (p->fd < 0 || !(p->revents & POLLIN))
                continue;
            if (sk->socktype == SOCK_DGRAM) {
                served += serve_udp(sk, &guard, reply, ctx);
                continue;
            }
            got = serve_tcp(sk, &set, reply, ctx);
            if (got < 0) {
                serve_rest(sk, got, &short_of_fds, &set);
            } else if (got > 0) {
                if (short_of_fds)
                    narrate("file descriptors free again: accepting connections");
                short_of_fds = 0;
                served += got;
            }
        }
    }
    reply_guard_flush(&guard);
    running_guard = NULL;
    /* Stopped by a signal: what the watched socket already holds (the wire
     * demo's packets, our own last reply among them) came before the
     * signal, so it is told before the closing line. Never a wait. */
    if (why != NULL && w != NULL && w->fd >= 0) {
        struct pollfd p;
        int k;

        p.fd = w->fd;
        p.events = POLLIN;
        for (k = 0; k < 64 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN); k++)
            if (w->fn(w) != 0)
                break;
    }
    if (why != NULL || rc == EXIT_OK)
        narrate_stopping(why, served, "exchange");
    drain_free(&set);
    return rc;
}
