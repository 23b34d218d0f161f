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

/* -l: one late answer waiting, to the sender of the datagram that set it. */
struct later {
    int udp;
    long ms;
    struct sockaddr_storage to;
    socklen_t len;
};

static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    struct serve_watch *w = ctx;
    struct later *l = w->ctx;
    char from[ADDR_STRLEN], to[ADDR_STRLEN];

    addr_format(ev->peer, from, sizeof from);
    addr_format(ev->local, to, sizeof to);
    /* ev->peer is the source of the packet as it reached us: whatever a
     * router on the way wrote there, not what the client's kernel chose. */
    narrate("%s: from %s (to %s)", ev->proto, from, to);
    snprintf(line, cap, "nat-server saw you as %s and you reached %s\n", from, to);
    if (ev->data != NULL && l->ms > 0 && w->wake_ms == 0) {
        memcpy(&l->to, ev->peer,
               ev->peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in));
        l->len = ev->peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                  : sizeof(struct sockaddr_in);
        w->wake_ms = wait_now_ms() + l->ms;
        narrate("udp: will answer %s again in %ld ms", from, l->ms);
    }
}

/* The late answer: the same address and port as before. Whether it
 * arrives is the router's business: its mapping may be gone by now. */
static int answer_late(struct serve_watch *w)
{
    static const char again[] = "nat-server again: a late answer\n";
    struct later *l = w->ctx;
    char to[ADDR_STRLEN];

    w->wake_ms = 0;
    addr_format((struct sockaddr *)&l->to, to, sizeof to);
    if (sendto(l->udp, again, sizeof again - 1, 0, (struct sockaddr *)&l->to, l->len) < 0)
        narrate_sys("sendto", "udp", (struct sockaddr *)&l->to, errno);
    else
        narrate("udp: answered %s again (%ld ms later)", to, l->ms);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct later l;
    struct serve_watch w;
    int tcp, udp, rc, i;

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

    /* The server's own bind is ordinary here (see the same-port demo);
     * common/serve.c does it, and gives up root and capabilities after. */
    if (serve_open(&o, &tcp, &udp) != 0)
        return EXIT_FAILED;
    l.udp = udp;
    w.fd = -1;
    w.wake_ms = 0;
    w.fn = answer_late;
    w.ctx = &l;
    rc = serve_run_watching(tcp, udp, &w, o.count, reply, &w);
    close(tcp);
    close(udp);
    return rc;
}
