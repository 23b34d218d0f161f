/* firewall-server - the target: it narrates every knock that reaches it.
 *
 * WHAT IT SHOWS
 *   It listens on TCP and binds UDP on each port it is given (-p PORT,
 *   as often as you like) and says one line for every knock it sees: a
 *   connection accepted, a datagram received (and answered). A knock a
 *   firewall dropped or rejected never reaches it - nor does one on a port
 *   where nothing is bound. So a class reads, side by side, what the
 *   client saw (ECONNREFUSED, silence...) and what the server never did.
 *   A firewall's reject answers FOR a port, even while this server
 *   listens on it.
 *
 * HOW TO RUN IT
 *   make demo DEMO=firewall          (the scene, with nft rules, in a network
 *                                     namespace of its own)
 *   terminal 1: bin/firewall-server -b 127.0.0.1 -p 7001 -p 7003
 *   terminal 2: bin/firewall-client -t 500 127.0.0.1 7001 7002 7003
 *
 * PRIVILEGE
 *   None for ports from net.ipv4.ip_unprivileged_port_start up.
 *
 * LESSON: docs/firewall.md    MAN PAGES: bind(2), listen(2), udp(7), nft(8)
 */
#include "portlab.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "7001"
#define MAX_PORTS (SERVE_MAX_SOCKETS / 2) /* a TCP and a UDP socket each */

/* One port's pair of sockets, and its name in the loop: "7001". */
struct port_pair {
    char name[16];
    unsigned port;
    int tcp, udp;
};

static int open_pair(struct addrinfo *ai, unsigned port, struct port_pair *pp);
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);
static int take_options(struct opts *o, int argc, char **argv, const char *texts[MAX_PORTS]);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    struct port_pair pairs[MAX_PORTS] = {{"", 0, -1, -1}};
    static struct serve_set set; /* ~1 KB: not on the stack */
    const char *texts[MAX_PORTS];
    char where[ADDR_STRLEN], list[MAX_PORTS * 6 + 1] = "";
    unsigned port;
    int i, n, opened, rc = EXIT_FAILED;

    narrate_init(argv[0]);
    n = take_options(&o, argc, argv, texts); /* -p PORT, as often as you like */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 1, &ai) != 0)
        return EXIT_FAILED;

    /* 1. TCP and UDP on each port, all in one loop's set. */
    serve_set_init(&set);
    for (opened = 0; opened < n; opened++) {
        if (port_parse(texts[opened], NULL, &port, NULL, 0) != 0 ||
            open_pair(ai, port, &pairs[opened]) != 0)
            break;
        serve_set_add(&set, pairs[opened].name, pairs[opened].tcp, SOCK_STREAM);
        serve_set_add(&set, pairs[opened].name, pairs[opened].udp, SOCK_DGRAM);
        snprintf(list + strlen(list), sizeof list - strlen(list), " %u", pairs[opened].port);
    }
    /* 2. Our sockets are open: keep no root and no capability (common/). */
    if (opened == n && privilege_give_up(o.user, 0) < 0)
        rc = EXIT_FAILED;
    else if (opened == n) {
        addr_set_port(ai->ai_addr, pairs[0].port);
        narrate("ready on %s (tcp+udp; ports%s)", addr_format(ai->ai_addr, where, sizeof where),
                list);
        /* 3. One loop for every socket (common/serve.c): no knock waits
         *    for another; each that reaches us is said (reply()). */
        rc = serve_run_set(&set, o.count, reply, NULL);
    }
    for (i = 0; i < opened; i++) {
        close(pairs[i].tcp);
        close(pairs[i].udp);
    }
    freeaddrinfo(ai);
    return rc;
}

/* Both protocols on one port (0: the kernel's choice, kept for UDP). */
static int open_pair(struct addrinfo *ai, unsigned port, struct port_pair *pp)
{
    struct sockaddr_storage got;
    socklen_t len = sizeof got;

    addr_set_port(ai->ai_addr, port);
    /* THE LESSON: bind() - from now on a knock on this port and protocol
     * reaches us, if no firewall rule stops it first (nft's input hook
     * runs before TCP and UDP look for a socket) - and, for TCP, listen():
     * the kernel answers SYNs for us (SYN-ACK) from here on; until then
     * it answers them with a reset. serve_listen() (common/serve.c) makes
     * the socket, binds, listens and says so ("tcp bound to ..."). */
    pp->tcp = serve_listen(ai->ai_addr, ai->ai_addrlen, SOCK_STREAM, 0);
    if (pp->tcp < 0)
        return -1;
    getsockname(pp->tcp, (struct sockaddr *)&got, &len); /* -p 0: which one */
    port = addr_port((struct sockaddr *)&got);
    addr_set_port(ai->ai_addr, port);
    pp->udp = serve_listen(ai->ai_addr, ai->ai_addrlen, SOCK_DGRAM, 0);
    if (pp->udp < 0) {
        close(pp->tcp);
        return -1;
    }
    pp->port = port;
    snprintf(pp->name, sizeof pp->name, "%u", port);
    return 0;
}

/* Each knock that reached us: one line. What never reached us says
 * nothing here - that silence is the lesson. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char from[ADDR_STRLEN];

    (void)ctx;
    addr_format(ev->peer, from, sizeof from);
    if (ev->data == NULL)
        narrate("%s/tcp: a knock from %s reached us: connection accepted", ev->name, from);
    else
        narrate("%s/udp: a knock from %s reached us: %zu bytes, answered", ev->name, from,
                ev->len);
    snprintf(line, cap, "firewall-server: your %s knock on port %s reached a program\n",
             ev->proto, ev->name);
}

/* The shared server options, with -p as often as you like: the ports'
 * texts into texts (each checked), how many returned. Exits 2 on bad usage. */
static int take_options(struct opts *o, int argc, char **argv, const char *texts[MAX_PORTS])
{
    char why[200];
    unsigned port;
    int i, n = 0;

    opts_init(o, OPTS_SERVER, DEFAULT_PORT, "[-p PORT]...", NULL);
    o->default_port = DEFAULT_PORT "; give -p again for more ports, TCP and UDP each";
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            if (n >= MAX_PORTS)
                opts_usage_error(o, "at most %d ports", MAX_PORTS);
            else
                texts[n++] = argv[++i];
        } else if (!opts_take(o, argc, argv, &i)) {
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
        }
    }
    if (n == 0)
        texts[n++] = DEFAULT_PORT;
    o->port_text = texts[0];
    opts_finish(o, NULL);
    for (i = 1; i < n; i++) /* the first was checked by opts_finish() */
        if (port_parse(texts[i], NULL, &port, why, sizeof why) != 0)
            opts_usage_error(o, "bad port '%s': %s", texts[i], why);
    if (o->host == NULL && o->family == AF_UNSPEC)
        o->family = AF_INET; /* no -b: all IPv4 interfaces (-6: all IPv6) */
    return n;
}
