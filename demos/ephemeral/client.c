/* ephemeral-client - who picks a client's source port? The kernel does.
 *
 * WHAT IT SHOWS
 *   A client rarely chooses its own port. Its socket has port 0 ("none yet")
 *   until connect() (TCP) or the first sendto() (UDP); then the kernel
 *   assigns a free port from ITS range (Linux: net.ipv4.ip_local_port_range,
 *   32768-60999 by default, not IANA's "dynamic" 49152-65535). The reply
 *   comes back to that port. TCP: -n connections, all held open at once,
 *   each with its own port. UDP: one socket keeps its port for every send;
 *   a second socket gets another. -s PORT binds connection 1 to a port of
 *   our choosing instead. When the range runs out, connect() fails with
 *   EADDRNOTAVAIL and an automatic UDP bind with EAGAIN - explained.
 *
 * HOW TO RUN IT
 *   terminal 1:  bin/ephemeral-server
 *   terminal 2:  bin/ephemeral-client 127.0.0.1          (-n 5, -u 3, -s 45000)
 *   meanwhile:   ss -tn 'dport = :4000'   (the client's ports, while it holds them)
 *   or:          make demo DEMO=ephemeral
 *
 * PRIVILEGE
 *   None, unless -s names a port below 1024 (see the privileged demo).
 *
 * LESSON: docs/ephemeral.md    MAN PAGES: connect(2), sendto(2), bind(2),
 *   getsockname(2), ip(7) (ip_local_port_range), udp(7)
 */
#include "portlab.h"
#include "ephemeral.h" /* options and addresses: plumbing */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct kernel_fact range; /* the kernel's ephemeral range */

static int tcp_connection(int i, const struct addrinfo *ai, unsigned source, long ms);
static int udp_socket(int i, int sends, const struct addrinfo *ai, long ms, unsigned *first);

int main(int argc, char **argv)
{
    struct ephemeral_args a;
    unsigned port = 0, first = 0;
    int i, tcp_failed = 0, udp_failed = 0;

    /* 1. Options (HOST, -p PORT, -n, -u, -s) and the server's address. */
    narrate_init(argv[0]);
    if (ephemeral_args(&a, argc, argv) != 0)
        return EXIT_FAILED;

    /* 2. The kernel's range: read, never assumed (Linux's is not IANA's). */
    range = kernel_local_port_range();
    ephemeral_narrate_range(&range);

    /* 3. TCP: n connections to the same destination, all held open
     *    (ephemeral_hold), so each needs a port of its own. */
    for (i = 1; i <= a.tcp_count && !tcp_failed; i++)
        tcp_failed = ephemeral_hold(&a, tcp_connection(i, a.tcp_ai, i == 1 ? a.source : 0,
                                                       a.o.timeout_ms)) != 0;
    if (a.held > 0)
        narrate("tcp: %d connection%s held open at once, each from its own source port",
                a.held, a.held == 1 ? "" : "s");
    ephemeral_close_held(&a);

    /* 4. UDP: u sockets, also held open; socket 1 sends twice (its port
     *    stays), the others once (each gets another port). */
    for (i = 1; i <= a.udp_count && !udp_failed; i++) {
        udp_failed = ephemeral_hold(&a, udp_socket(i, i == 1 ? 2 : 1, a.udp_ai, a.o.timeout_ms,
                                                   &port)) != 0;
        if (!udp_failed && i == 1)
            first = port;
        else if (!udp_failed)
            narrate("udp %d: another socket, another port (%u, not %u)", i, port, first);
    }
    ephemeral_close_held(&a);
    ephemeral_args_free(&a);
    return tcp_failed || udp_failed ? EXIT_FAILED : EXIT_OK;
}

/* Our socket's own address, as text; port 0 means "none yet". */
static char *local_of(int fd, char *buf, size_t cap, unsigned *port)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;

    memset(&me, 0, sizeof me);
    /* THE LESSON: getsockname() asks the kernel for our own end: the
     * address and port it gave this socket (port 0: none yet). */
    getsockname(fd, (struct sockaddr *)&me, &len);
    *port = addr_port((struct sockaddr *)&me);
    return addr_format((struct sockaddr *)&me, buf, cap);
}

/* TCP connection number i: before, connect, after, what the server saw.
 * Returns the connected socket (kept open by the caller), or -1. */
static int tcp_connection(int i, const struct addrinfo *ai, unsigned source, long ms)
{
    char before[ADDR_STRLEN], after[ADDR_STRLEN], line[512], tag[32];
    unsigned port;
    int fd, err;

    snprintf(tag, sizeof tag, "tcp %d", i);
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        explain_report("socket", "tcp", ai->ai_addr, errno);
        return -1;
    }
    /* A new socket has no port yet: getsockname() says port 0. */
    narrate("%s: before connect our end is %s (no port yet)", tag,
            local_of(fd, before, sizeof before, &port));
    if (source != 0) {
        /* THE LESSON (-s): choose the source port ourselves, with bind(),
         * before connect(). The kernel's pick is only the default. */
        struct sockaddr_storage src;
        int one = 1;

        memset(&src, 0, sizeof src);
        src.ss_family = (sa_family_t)ai->ai_family; /* wildcard address */
        addr_set_port((struct sockaddr *)&src, source);
        /* A previous run's connection from this port may still wait in
         * TIME_WAIT: SO_REUSEADDR (set by every run) lets us bind it again
         * (docs/restart.md); connect() still refuses the very same four-tuple. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&src, ai->ai_addrlen) != 0) {
            explain_report("bind", "tcp", (struct sockaddr *)&src, errno);
            close(fd);
            return -1;
        }
        narrate("%s: we bound source port %u ourselves", tag, source);
    }
    /* THE LESSON: connect() on an unbound socket: the kernel picks a
     * free source port from its range, unique for this destination. */
    sock_set_nonblocking(fd);
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if ((err = wait_connect_report(fd, err, "tcp", ai->ai_addr, ms)) != 0) {
        if (err == EADDRNOTAVAIL)
            ephemeral_why_exhausted(&range, "tcp");
        close(fd);
        return -1;
    }
    local_of(fd, after, sizeof after, &port);
    narrate("%s: after connect our end is %s (%s)", tag, after,
            source != 0 ? "our choice" : ephemeral_port_ranges(&range, port));
    if (wait_read_line(fd, "tcp", ai->ai_addr, ms, line, sizeof line) != 0) {
        close(fd);
        return -1;
    }
    /* The same port as the server saw? (Unless a NAT sits between us.) */
    ephemeral_narrate_seen(tag, line, after, port);
    return fd;
}

/* UDP socket number i: sends datagrams from one unbound socket. Returns the
 * socket (kept open by the caller, so its port stays taken), or -1. */
static int udp_socket(int i, int sends, const struct addrinfo *ai, long ms,
                      unsigned *first_port)
{
    static const char hello[] = "which port am I?\n";
    char mine[ADDR_STRLEN], line[512], tag[32];
    unsigned port;
    int fd, k, ok = 0;

    snprintf(tag, sizeof tag, "udp %d", i);
    fd = socket(ai->ai_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        explain_report("socket", "udp", ai->ai_addr, errno);
        return -1;
    }
    narrate("%s: before the first sendto our end is %s (no port yet)", tag,
            local_of(fd, mine, sizeof mine, &port));
    for (k = 1; k <= sends; k++) {
        /* THE LESSON: sendto() on an unbound UDP socket makes the kernel
         * bind it to a free port first ("autobind"); the socket keeps it. */
        if (sendto(fd, hello, sizeof hello - 1, 0, ai->ai_addr, ai->ai_addrlen) < 0) {
            explain_report("sendto", "udp", ai->ai_addr, errno);
            if (errno == EAGAIN)
                ephemeral_why_exhausted(&range, "udp");
            break;
        }
        local_of(fd, mine, sizeof mine, &port);
        if (k == 1) {
            *first_port = port;
            narrate("%s: after sendto 1 our end is %s (%s)", tag, mine,
                    ephemeral_port_ranges(&range, port));
        } else {
            narrate("%s: after sendto %d our end is %s: %s", tag, k, mine,
                    port == *first_port ? "the same port" : "A DIFFERENT PORT");
        }
        /* The reply is addressed to the port the server saw: ours. The
         * socket is not connected, so recvfrom() would take a datagram
         * from anyone; this demo reads the first that arrives. */
        if (wait_read_line(fd, "udp", ai->ai_addr, ms, line, sizeof line) != 0)
            break;
        narrate("%s: the reply arrived on port %u", tag, port);
        ephemeral_narrate_seen(tag, line, mine, port);
        ok = k == sends;
    }
    if (!ok)
        close(fd);
    return ok ? fd : -1;
}
