/* nat-server - the address and port it saw: what a NAT left of the client's.
 *
 * WHAT IT SHOWS
 *   Each TCP connection and each UDP datagram is answered with the
 *   address and source port this server saw it come from, and narrated.
 *   Behind a router that translates (NAT, masquerade), that is the
 *   ROUTER's outside address - and a port the router chose, which is the
 *   client's own only while it was free. nat-client prints its own end
 *   beside it. With -l MS, a datagram is answered a second time, MS
 *   milliseconds later, to the same address and port: after the router's
 *   mapping has timed out, that late datagram no longer reaches the client.
 *
 * HOW TO RUN IT
 *   make demo DEMO=nat     (the scene: two home hosts, a router and this
 *                           server outside, in network namespaces of the
 *                           demo's own)
 *   terminal 1: bin/nat-server -b 127.0.0.1 -p 7100
 *   terminal 2: bin/nat-client -p 7100 127.0.0.1     (no NAT: all the same)
 *
 * PRIVILEGE
 *   None for ports from net.ipv4.ip_unprivileged_port_start up.
 *
 * LESSON: docs/nat.md    MAN PAGES: accept(2), recvfrom(2), nft(8)
 */
#include "portlab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "7100"

static const char *const HELP =
    "  -l MS   answer a UDP datagram again, MS milliseconds later (one late\n"
    "          answer at a time: a datagram meanwhile gets its answer, not a late one)\n";

static int take_connection(int listener, union serve_addr *peer, socklen_t *plen, void *ctx);
static ssize_t take_datagram(int udp, char *buf, size_t cap, union serve_addr *peer,
                             socklen_t *plen, const union serve_addr *me, void *ctx);
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);
static int answer_late(struct serve_watch *w);
static void say_from(const char *proto, const union serve_addr *peer, unsigned port,
                     const union serve_addr *me);

/* -l: one late answer waiting, to the sender of the datagram that set it. */
struct later {
    int udp;
    long ms;
    struct sockaddr_storage to, me; /* to its sender, from where it came to */
    socklen_t len;
};

int main(int argc, char **argv)
{
    static struct serve_set s; /* ~1 KB: not on the stack */
    struct opts o;
    struct later l;
    struct serve_watch w;
    int tcp, udp, rc, i;

    /* 1. Options: -p PORT, -b ADDRESS, -4/-6, -n COUNT, and -l MS. */
    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "[-l MS]", HELP);
    memset(&l, 0, sizeof l);
    for (i = 1; i < argc; i++) {
        if (opts_take(&o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            l.ms = opts_number(&o, "-l", argv[++i], 1, 600000);
        else
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(&o, NULL);

    /* 2. Open TCP and UDP on one port. The server's own bind is ordinary
     *    here (see the same-port demo); common/serve.c does it, and gives
     *    up root and capabilities after. */
    if (serve_open(&o, &tcp, &udp) != 0)
        return EXIT_FAILED;

    /* 3. Serve: the loop (common/serve.c) calls take_connection() or
     *    take_datagram() when a client is there, sends reply()'s line,
     *    and answer_late() when a late answer (-l) is due. */
    l.udp = udp;
    w.fd = -1;
    w.wake_ms = 0;
    w.fn = answer_late;
    w.ctx = &l;
    serve_set_init(&s);
    s.watch = &w;
    serve_set_add_accepting(&s, NULL, tcp, take_connection);
    serve_set_add_receiving(&s, NULL, udp, take_datagram);
    rc = serve_run_set(&s, o.count, reply, &w);
    close(tcp);
    close(udp);
    return rc;
}

/* A TCP client is waiting on the listening socket. */
static int take_connection(int listener, union serve_addr *peer, socklen_t *plen, void *ctx)
{
    union serve_addr me;
    socklen_t mlen = sizeof me;
    int conn;

    (void)ctx;
    /* THE LESSON: accept() fills in peer with the source address and port
     * of the connection AS IT REACHED US: whatever a router on the way
     * wrote there (NAT), not what the client's kernel chose. */
    conn = accept(listener, &peer->sa, plen);
    if (conn < 0)
        return -1; /* errno says why: the loop retries or rests */
    /* Our end of it: the destination, after any port forward. */
    memset(&me, 0, sizeof me);
    getsockname(conn, &me.sa, &mlen);
    /* The port travels in network byte order: ntohs() makes it a number
     * (sin_port for IPv4, sin6_port for IPv6). */
    say_from("tcp", peer,
             ntohs(peer->sa.sa_family == AF_INET6 ? peer->in6.sin6_port : peer->in.sin_port),
             &me);
    return conn;
}

/* A UDP datagram is waiting; me: the address it was sent to (the loop
 * asked the kernel, IP_PKTINFO). */
static ssize_t take_datagram(int udp, char *buf, size_t cap, union serve_addr *peer,
                             socklen_t *plen, const union serve_addr *me, void *ctx)
{
    ssize_t got;

    (void)ctx;
    /* THE LESSON: recvfrom() fills in peer with the datagram's source
     * address and port as it reached us: behind a NAT, the router's
     * outside address and the port the router chose. The reply goes
     * there, and only the router's table turns it back in. */
    got = recvfrom(udp, buf, cap, 0, &peer->sa, plen);
    if (got < 0)
        return -1;
    say_from("udp", peer,
             ntohs(peer->sa.sa_family == AF_INET6 ? peer->in6.sin6_port : peer->in.sin_port),
             me);
    return got;
}

/* "tcp: from 198.51.100.1 port 40000 (to 203.0.113.10:7100)" */
static void say_from(const char *proto, const union serve_addr *peer, unsigned port,
                     const union serve_addr *me)
{
    char host[ADDR_STRLEN], to[ADDR_STRLEN];

    narrate("%s: from %s port %u (to %s)", proto, addr_host(&peer->sa, host, sizeof host),
            port, addr_format(&me->sa, to, sizeof to));
}

/* The reply line, to the address and port accept() or recvfrom() filled
 * in; with -l, a datagram's sender gets a late second answer too. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    struct serve_watch *w = ctx;
    struct later *l = w->ctx;
    char from[ADDR_STRLEN], to[ADDR_STRLEN];

    addr_format(ev->peer, from, sizeof from);
    addr_format(ev->local, to, sizeof to);
    snprintf(line, cap, "nat-server saw you as %s and you reached %s\n", from, to);
    if (ev->data != NULL && l->ms > 0 && w->wake_ms == 0) {
        l->len = ev->peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                  : sizeof(struct sockaddr_in);
        memcpy(&l->to, ev->peer, l->len);
        memcpy(&l->me, ev->local, l->len);
        w->wake_ms = clock_now_ms() + l->ms;
        narrate("udp: will answer %s again in %ld ms", from, l->ms);
    }
}

/* The late answer: the same address and port as before, if the reply
 * guard agrees. Whether it arrives is the router's business now. */
static int answer_late(struct serve_watch *w)
{
    static const char again[] = "nat-server again: a late answer\n";
    struct later *l = w->ctx;
    char to[ADDR_STRLEN];

    w->wake_ms = 0;
    addr_format((struct sockaddr *)&l->to, to, sizeof to);
    if (!serve_may_answer((struct sockaddr *)&l->to, (struct sockaddr *)&l->me))
        return 0; /* the reply guard's no, as for every answer: counted, said */
    /* THE LESSON: sendto() the very address and port recvfrom() gave us.
     * Behind a NAT that is the router's; whether the datagram gets any
     * further depends on the router's table, not on us. */
    if (sendto(l->udp, again, sizeof again - 1, 0, (struct sockaddr *)&l->to, l->len) < 0)
        explain_narrate("sendto", "udp", (struct sockaddr *)&l->to, errno);
    else
        narrate("udp: answered %s again (%ld ms later)", to, l->ms);
    return 0;
}
