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

/* The four-tuple: accept() (or recvfrom()) in common/serve.c told us the
 * peer, the client's address and SOURCE port; getsockname() on the
 * connection told us our own end, the DESTINATION the client chose. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char from[ADDR_STRLEN], to[ADDR_STRLEN];

    (void)ctx;
    addr_format(ev->peer, from, sizeof from);
    addr_format(ev->local, to, sizeof to);
    narrate("%s %s -> %s (source port %u, destination port %u)", ev->proto, from, to,
            addr_port(ev->peer), addr_port(ev->local));
    /* Tell the client what we saw, so it can compare with its own view. */
    snprintf(line, cap, "ephemeral-server saw you as %s (you reached %s)\n", from, to);
}

int main(int argc, char **argv)
{
    struct opts o;
    int tcp, udp, rc, i;

    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, NULL);

    /* The server's own bind is ordinary here (see the same-port demo);
     * common/serve.c does it: TCP and UDP on one fixed port. */
    if (serve_open(&o, &tcp, &udp) != 0)
        return EXIT_FAILED;
    rc = serve_run(tcp, udp, o.count, reply, NULL);
    close(tcp);
    close(udp);
    return rc;
}
