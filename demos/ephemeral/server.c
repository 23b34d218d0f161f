/* ephemeral-server - every packet carries two ports: watch the source port.
 *
 * WHAT IT SHOWS
 *   A connection (or a datagram) is named by four things: source address,
 *   source port, destination address, destination port. This server prints
 *   that four-tuple for everything it receives, so you see the destination
 *   (our port) stay fixed while the source (the client's port) changes
 *   each time - picked by the client's kernel. It answers each client with
 *   the source address and port it saw, so the client can compare.
 *
 * HOW TO RUN IT
 *   terminal 1:  bin/ephemeral-server               (TCP and UDP on port 4000)
 *   terminal 2:  bin/ephemeral-client 127.0.0.1
 *   or watch:    ss -tn 'dport = :4000'   and   sudo tcpdump -ni lo port 4000
 *   or:          make demo DEMO=ephemeral
 *
 * PRIVILEGE
 *   None: 4000 is a registered port.
 *
 * LESSON: docs/ephemeral.md    MAN PAGES: accept(2), recvfrom(2),
 *   getsockname(2), getpeername(2), ip(7) (ip_local_port_range)
 */
#include "portlab.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT "4000"

static int take_connection(int listener, union serve_addr *peer, socklen_t *plen, void *ctx);
static ssize_t take_datagram(int udp, char *buf, size_t cap, union serve_addr *peer,
                             socklen_t *plen, const union serve_addr *me, void *ctx);
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);

int main(int argc, char **argv)
{
    static struct serve_set s; /* ~1 KB: not on the stack */
    struct opts o;
    int tcp, udp, rc, i;

    /* 1. Options: -p PORT, -b ADDRESS, -4/-6, -n COUNT (common/opts.c). */
    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, NULL);

    /* 2. Open TCP and UDP on one fixed port. The server's own bind is
     *    ordinary here (the same-port demo is about it): common/serve.c. */
    if (serve_open(&o, &tcp, &udp) != 0)
        return EXIT_FAILED;

    /* 3. Serve: the loop (common/serve.c) waits for whichever socket is
     *    ready, then calls take_connection() or take_datagram() below -
     *    where the client's port is learnt - and sends reply()'s line. */
    serve_set_init(&s);
    serve_set_add_accepting(&s, NULL, tcp, take_connection);
    serve_set_add_receiving(&s, NULL, udp, take_datagram);
    rc = serve_run_set(&s, o.count, reply, NULL);
    close(tcp);
    close(udp);
    return rc;
}

/* One line per arrival: source -> destination, the four-tuple. */
static void say_four_tuple(const char *proto, const union serve_addr *from, unsigned from_port,
                           const union serve_addr *to, unsigned to_port)
{
    char a[ADDR_STRLEN], b[ADDR_STRLEN];

    narrate("%s %s -> %s (source port %u, destination port %u)", proto,
            addr_format(&from->sa, a, sizeof a), addr_format(&to->sa, b, sizeof b),
            from_port, to_port);
}

/* A TCP client is waiting on the listening socket. */
static int take_connection(int listener, union serve_addr *peer, socklen_t *plen, void *ctx)
{
    union serve_addr me;
    socklen_t mlen = sizeof me;
    unsigned source, destination;
    int conn;

    (void)ctx;
    /* THE LESSON: accept() gives this client a NEW socket, and fills in
     * peer: the client's address and SOURCE port, as its packets carried
     * them. Nobody told us that port in advance: the client's kernel
     * picked it at connect(). */
    conn = accept(listener, &peer->sa, plen);
    if (conn < 0)
        return -1; /* errno says why: the loop retries or rests */
    /* THE LESSON: getsockname() on the new socket tells our end: the
     * DESTINATION address and port the client chose. */
    memset(&me, 0, sizeof me);
    getsockname(conn, &me.sa, &mlen);
    /* A port travels in network byte order (big-endian): ntohs() makes
     * it a number. sin_port for IPv4, sin6_port for IPv6. */
    source = ntohs(peer->sa.sa_family == AF_INET6 ? peer->in6.sin6_port : peer->in.sin_port);
    destination = ntohs(me.sa.sa_family == AF_INET6 ? me.in6.sin6_port : me.in.sin_port);
    say_four_tuple("tcp", peer, source, &me, destination);
    return conn;
}

/* A UDP datagram is waiting. me: the address it was sent to, which the
 * loop asked the kernel for (IP_PKTINFO): a socket bound to 0.0.0.0 has
 * no one address of its own, so getsockname() could not say. */
static ssize_t take_datagram(int udp, char *buf, size_t cap, union serve_addr *peer,
                             socklen_t *plen, const union serve_addr *me, void *ctx)
{
    unsigned source, destination;
    ssize_t got;

    (void)ctx;
    /* THE LESSON: recvfrom() takes one datagram and fills in peer: the
     * sender's address and SOURCE port. UDP has no connection, so this
     * is the only place we learn where the reply must go. */
    got = recvfrom(udp, buf, cap, 0, &peer->sa, plen);
    if (got < 0)
        return -1;
    source = ntohs(peer->sa.sa_family == AF_INET6 ? peer->in6.sin6_port : peer->in.sin_port);
    destination = ntohs(me->sa.sa_family == AF_INET6 ? me->in6.sin6_port : me->in.sin_port);
    say_four_tuple("udp", peer, source, me, destination);
    return got;
}

/* The reply (the loop sends it to peer: the address and port that
 * accept() or recvfrom() filled in). Tell the client what we saw, so it
 * can compare with its own view. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char from[ADDR_STRLEN], to[ADDR_STRLEN];

    (void)ctx;
    snprintf(line, cap, "ephemeral-server saw you as %s (you reached %s)\n",
             addr_format(ev->peer, from, sizeof from), addr_format(ev->local, to, sizeof to));
}
