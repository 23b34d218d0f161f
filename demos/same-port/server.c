/* same-port-server - TCP port P and UDP port P are two different ports.
 *
 * WHAT IT SHOWS
 *   The kernel keeps two separate sets of port numbers: one for TCP, one
 *   for UDP. This server binds a TCP socket AND a UDP socket to the very
 *   same address and port number, and both binds succeed. Then, to prove
 *   the sets are really separate (and not simply "anything goes"), it asks
 *   for that TCP port a second time - and the kernel refuses: EADDRINUSE.
 *   The rule bind() checks: a port of one protocol, on an address that
 *   overlaps (the same, or a wildcard), is refused unless the sockets may
 *   share it - on Linux, all set SO_REUSEPORT (--reuseport shows that); or
 *   all set SO_REUSEADDR and none listens (UDP sockets; TCP sockets only
 *   bound); or each is tied to a different interface (SO_BINDTODEVICE).
 *   A listener on 127.0.0.1:P leaves 127.0.0.2:P free; every connection it
 *   accepts shares its address and port.
 *
 * HOW TO RUN IT (two terminals)
 *   terminal 1:  bin/same-port-server              (port 2000, as in the primer)
 *   terminal 2:  bin/same-port-client 127.0.0.1
 *   or with real tools:  nc 127.0.0.1 2000   and   nc -u 127.0.0.1 2000
 *   or the guided tour:  make demo DEMO=same-port
 *   The primer's picture of two processes, one per protocol:
 *     bin/same-port-server --tcp-only   and   bin/same-port-server --udp-only
 *
 * WHAT TO LOOK FOR
 *   "tcp bound" and "udp bound" on the same port; the second TCP bind's
 *   EADDRINUSE; then each client's address and source port as we see it.
 *   `ss -tuln` lists both sockets: one tcp LISTEN, one udp UNCONN.
 *
 * PRIVILEGE
 *   None needed: 2000 is a registered port (1024-49151). Note that
 *   /etc/services registers 2000/tcp (cisco-sccp) but not 2000/udp - the
 *   registrations come in two sets too.
 *
 * LESSON: docs/same-port.md    MAN PAGES: socket(2), bind(2), listen(2),
 *   accept(2), recvfrom(2), getsockname(2), ip(7), tcp(7), udp(7)
 */
/* SO_REUSEPORT is not in POSIX: glibc shows it only with _DEFAULT_SOURCE
 * (Linux 3.9+; the BSDs have it too, with a different meaning for TCP). */
#define _DEFAULT_SOURCE
#include "portlab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "2000" /* the primer's example */

static const char *const HELP =
    "  --tcp-only  hold only the TCP port (run a --udp-only server beside it)\n"
    "  --udp-only  hold only the UDP port\n"
    "  --reuseport ask to share the port (SO_REUSEPORT): a second server that asks\n"
    "              too may then bind it as well (Linux 3.9+, the same user)\n";

static int reuseport; /* --reuseport: SO_REUSEPORT on every socket we bind */

/* SO_REUSEPORT: "I agree to share this port with other sockets that agree
 * too" - the exception to one socket per port and protocol. */
static void ask_to_share(int fd)
{
#ifdef SO_REUSEPORT
    int one = 1;

    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        report_sys("setsockopt SO_REUSEPORT", "tcp", NULL, errno);
#else
    (void)fd;
#endif
}

/* Bind a socket of one type to the address. On failure, say so with the
 * full story and return -1. Called for TCP first, then UDP. */
static int bind_one(const struct addrinfo *ai, int socktype)
{
    const char *proto = addr_proto(socktype);
    char where[ADDR_STRLEN];
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    int fd, one = 1;

    /* socket() makes an endpoint of one protocol (SOCK_STREAM = TCP,
     * SOCK_DGRAM = UDP). It has no port yet: that is bind()'s job. */
    fd = socket(ai->ai_family, socktype, 0);
    if (fd < 0) {
        report_sys("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    /* Let a restarted server bind at once, even while old connections
     * linger in TIME_WAIT (see socket(7)). It does NOT let two listeners
     * share a port: the second bind below still fails. */
    if (socktype == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ask_to_share(fd);
    /* With -6 and no -b ([::]): one socket for IPv6 and IPv4 clients alike. */
    addr_dual_stack(fd, ai->ai_addr);

    /* THE LESSON: bind() claims this port number in one protocol's set. */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        report_sys("bind", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    /* listen() turns a TCP socket into one that accepts connections.
     * UDP has no connections: a bound UDP socket just receives datagrams. */
    if (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) != 0) {
        report_sys("listen", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    /* getsockname() reports what we really got: with port 0, the port
     * the kernel chose for us. */
    if (getsockname(fd, (struct sockaddr *)&got, &len) != 0) {
        report_sys("getsockname", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    narrate("%s bound to %s", proto, addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

/* Ask for a port we already hold, in the same protocol: the kernel must
 * refuse - unless every socket involved asked to share (--reuseport). */
static void bind_again(const struct addrinfo *ai, int socktype)
{
    const char *proto = addr_proto(socktype);
    int fd = socket(ai->ai_family, socktype, 0);

    if (fd < 0)
        return;
    ask_to_share(fd);
    narrate("now a second %s socket asks for the same port%s:", proto,
            reuseport ? ", both asking to share it (SO_REUSEPORT)" : "");
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
        narrate_sys("bind", proto, ai->ai_addr, errno);
    else if (reuseport)
        narrate("the second %s bind succeeded: sockets that all set SO_REUSEPORT share "
                "the port (the kernel spreads new clients among them)", proto);
    else
        narrate("surprise: the second %s bind succeeded (the port is "
                "shared on this system)", proto);
    close(fd);
}

/* Each client gets one line: which protocol carried it, which process
 * answered, and the client's address and source port as we saw them. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char who[ADDR_STRLEN];

    (void)ctx;
    addr_format(ev->peer, who, sizeof who);
    snprintf(line, cap, "same-port-server pid %ld: this is %s; you are %s\n",
             (long)getpid(), strcmp(ev->proto, "tcp") == 0 ? "TCP" : "UDP", who);
    if (ev->data == NULL)
        narrate("tcp connection from %s: sent it one line", who);
    else
        narrate("udp datagram of %zu bytes from %s: replying", ev->len, who);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    struct sockaddr_storage got;
    socklen_t gotlen = sizeof got;
    int want_tcp = 1, want_udp = 1, tcp = -1, udp = -1, first, rc, i;
    char where[ADDR_STRLEN];

    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "[--tcp-only|--udp-only] [--reuseport]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(&o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--tcp-only") == 0)
            want_udp = 0;
        else if (strcmp(argv[i], "--udp-only") == 0)
            want_tcp = 0;
        else if (strcmp(argv[i], "--reuseport") == 0)
            reuseport = 1;
        else
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    if (!want_tcp && !want_udp)
        opts_usage_error(&o, "--tcp-only and --udp-only exclude each other");
    opts_finish(&o, want_tcp ? (want_udp ? NULL : "tcp") : "udp");

    /* No -b: all interfaces of one family (IPv4, or IPv6 with -6). */
    if (o.host == NULL && o.family == AF_UNSPEC)
        o.family = AF_INET;
    if (addr_resolve(o.host, o.port, o.family, want_tcp ? SOCK_STREAM : SOCK_DGRAM,
                     1, &ai) != 0)
        return EXIT_FAILED;
    port_narrate_request(o.port);

    /* The first socket: TCP, or UDP alone with --udp-only. */
    first = bind_one(ai, want_tcp ? SOCK_STREAM : SOCK_DGRAM);
    if (first < 0) {
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    if (o.port == 0) {
        /* getsockname() tells which port the kernel chose. From now on we
         * ask for that number, so the UDP socket gets the same one. */
        getsockname(first, (struct sockaddr *)&got, &gotlen);
        o.port = addr_port((struct sockaddr *)&got);
        addr_set_port(ai->ai_addr, o.port);
        kernel_narrate_chosen(o.port);
    }
    if (want_tcp)
        tcp = first;
    else
        udp = first;
    /* The second socket: UDP, on the same port number as the TCP one. */
    if (want_tcp && want_udp) {
        udp = bind_one(ai, SOCK_DGRAM);
        if (udp < 0) {
            close(tcp);
            freeaddrinfo(ai);
            return EXIT_FAILED;
        }
        narrate("both hold port %u at once: TCP and UDP keep separate sets of ports",
                o.port);
    }
    bind_again(ai, want_tcp ? SOCK_STREAM : SOCK_DGRAM);
    /* Our sockets are open: keep no root and no capability (common/). */
    if (privilege_give_up(o.user, 0) < 0) {
        if (tcp >= 0)
            close(tcp);
        if (udp >= 0)
            close(udp);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }

    /* The readiness line: stable, with the real address and port. */
    narrate("ready on %s (%s)", addr_format(ai->ai_addr, where, sizeof where),
            want_tcp && want_udp ? "tcp+udp" : want_tcp ? "tcp" : "udp");
    freeaddrinfo(ai);

    /* Serve both at once (common/serve.c): one poll() loop, so no single
     * client can hold up the others. */
    rc = serve_run(tcp, udp, o.count, reply, NULL);
    if (tcp >= 0)
        close(tcp);
    if (udp >= 0)
        close(udp);
    return rc;
}
