/* sameport.c - same-port-server's plumbing. See sameport.h. */
#include "sameport.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT "2000" /* the primer's example */

static const char *const HELP =
    "  --tcp-only  hold only the TCP port (run a --udp-only server beside it)\n"
    "  --udp-only  hold only the UDP port\n"
    "  --reuseport ask to share the port (SO_REUSEPORT): a second server that asks\n"
    "              too may then bind it as well (Linux 3.9+, the same user)\n";

void sameport_options(struct sameport *sp, int argc, char **argv)
{
    struct opts *o = &sp->o;
    int i;

    sp->tcp = sp->udp = 1;
    sp->reuseport = 0;
    opts_init(o, OPTS_SERVER, DEFAULT_PORT, "[--tcp-only|--udp-only] [--reuseport]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--tcp-only") == 0)
            sp->udp = 0;
        else if (strcmp(argv[i], "--udp-only") == 0)
            sp->tcp = 0;
        else if (strcmp(argv[i], "--reuseport") == 0)
            sp->reuseport = 1;
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    if (!sp->tcp && !sp->udp)
        opts_usage_error(o, "--tcp-only and --udp-only exclude each other");
    opts_finish(o, sp->tcp ? (sp->udp ? NULL : "tcp") : "udp");
}

int sameport_address(struct sameport *sp, struct addrinfo **ai)
{
    if (sp->o.host == NULL && sp->o.family == AF_UNSPEC)
        sp->o.family = AF_INET;
    if (addr_resolve(sp->o.host, sp->o.port, sp->o.family,
                     sp->tcp ? SOCK_STREAM : SOCK_DGRAM, 1, ai) != 0)
        return -1;
    port_narrate_request(sp->o.port);
    return 0;
}

int sameport_ready(const struct sameport *sp, const struct addrinfo *ai)
{
    char where[ADDR_STRLEN];

    if (privilege_give_up(sp->o.user, 0) < 0)
        return -1;
    /* The readiness line: stable, with the real address and port. */
    narrate("ready on %s (%s)", addr_format(ai->ai_addr, where, sizeof where),
            sp->tcp && sp->udp ? "tcp+udp" : sp->tcp ? "tcp" : "udp");
    return 0;
}

/* Each client gets one line: which protocol carried it, which process
 * answered, and the client's address and source port as we saw them. */
void sameport_reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
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

int sameport_end(int rc, struct addrinfo *ai, int tcp, int udp)
{
    if (tcp >= 0)
        close(tcp);
    if (udp >= 0)
        close(udp);
    if (ai != NULL)
        freeaddrinfo(ai);
    return rc;
}
