/* restart-client - one connection, and who hangs up first.
 *
 * WHAT IT SHOWS
 *   A TCP connection is named by four numbers: our address and port, the
 *   server's address and port (the four-tuple). When it ends, the side
 *   that hung up first keeps that four-tuple in TIME_WAIT (Linux: 60 s).
 *   This client connects, prints the server's line and the four-tuple,
 *   then hangs up the way the server asks: second (the default: the
 *   server's side waits, on the server's port) or, when the server says
 *   "please hang up first", first - then the TIME_WAIT is ours, and the
 *   client says for how long, from the kernel's table.
 *   A client is seldom hurt by its TIME_WAIT: its next connection gets
 *   another source port, and it is the four-tuple that waits, not the
 *   port (the ephemeral lesson).
 *
 * HOW TO RUN IT
 *   terminal 1:  bin/restart-server               (or --client-closes)
 *   terminal 2:  bin/restart-client               (-p PORT, HOST, -6 ::1)
 *   then:        ss -tan state time-wait
 *
 * PRIVILEGE
 *   None.
 *
 * LESSON: docs/restart.md    MAN PAGES: connect(2), shutdown(2), close(2),
 *   getsockname(2), getpeername(2), tcp(7), ss(8)
 */
#include "portlab.h"
#include "restart.h" /* this demo's own: who hangs up first; its plumbing */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int talk(const struct addrinfo *ai, const struct wait_deadline *deadline);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *res, *ai;
    struct wait_deadline deadline;
    int i, rc = EXIT_FAILED;

    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, "2500", "",
              "At the end it draws the close as a ladder, with each side's state from the\n"
              "kernel's table; PORTLAB_NO_FIGURE=1 leaves it out.\n");
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, "tcp");
    /* -t covers the whole exchange: connect, the line, the hang-up. */
    deadline = wait_deadline_in(o.timeout_ms);

    /* 1. The server's addresses (a name may have several: IPv6, IPv4). */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 0, &res) != 0)
        return EXIT_FAILED;
    /* 2. One connection, to the first address that answers: its line,
     *    then the hang-up, in the order the line asks for. */
    for (ai = res; ai != NULL && rc != EXIT_OK; ai = ai->ai_next)
        if (talk(ai, &deadline) == 0)
            rc = EXIT_OK;
    freeaddrinfo(res);
    return rc;
}

/* One connection to one address. Returns 0, or -1 after reporting. */
static int talk(const struct addrinfo *ai, const struct wait_deadline *deadline)
{
    struct sockaddr_storage me, them;
    socklen_t mlen = sizeof me, tlen = sizeof them;
    char line[512], shown[2048], a[ADDR_STRLEN], b[ADDR_STRLEN];
    int fd, err, we_first;

    narrate("tcp: connecting to %s", addr_format(ai->ai_addr, a, sizeof a));
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        explain_report("socket", "tcp", ai->ai_addr, errno);
        return -1;
    }
    sock_set_nonblocking(fd); /* a silent host costs -t, not minutes */
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (wait_connect_report(fd, err, "tcp", ai->ai_addr, wait_left_ms(deadline)) != 0) {
        close(fd);
        return -1;
    }
    /* THE LESSON: the four-tuple names the connection - both ends, as the
     * kernel knows them. It is what TIME_WAIT will hold, not a port. */
    getsockname(fd, (struct sockaddr *)&me, &mlen);
    getpeername(fd, (struct sockaddr *)&them, &tlen);
    narrate("connected: the four-tuple is %s (us) <-> %s (the server)",
            addr_format((struct sockaddr *)&me, a, sizeof a),
            addr_format((struct sockaddr *)&them, b, sizeof b));
    if (wait_read_line_by(fd, "tcp", ai->ai_addr, deadline, line, sizeof line) != 0) {
        close(fd);
        return -1;
    }
    /* Text from the network: shown escaped, never raw. */
    narrate("tcp reply: %s", narrate_safe(line, shown, sizeof shown));
    we_first = restart_asks_client_first(line); /* its last words (restart.h) */
    if (we_first) {
        /* THE LESSON: shutdown() sends our FIN first; the server answers
         * with its own, and the side that went first waits in TIME_WAIT. */
        shutdown(fd, SHUT_WR);
        narrate("the server asked us to hang up first: sent our FIN");
    } else {
        narrate("waiting for the server to hang up first");
    }
    err = restart_wait_closed(fd, wait_left_ms(deadline)); /* the server's FIN: end-of-file */
    if (err != 0) {
        if (err == ETIMEDOUT)
            report("recv(tcp %s): the server sent its line but did not hang up within %ld ms "
                   "(-t)", b, deadline->ms);
        else
            explain_report("recv", "tcp", ai->ai_addr, err);
        close(fd);
        return -1;
    }
    if (we_first) {
        narrate("the server hung up in turn");
        restart_narrate_our_wait((struct sockaddr *)&me, (struct sockaddr *)&them);
    } else {
        narrate("the server hung up first: the TIME_WAIT is on its side (%s); our port %u "
                "is free once it acknowledges our FIN", b, addr_port((struct sockaddr *)&me));
    }
    /* THE LESSON: close() ends our side. If the server hung up first,
     * this sends our FIN second: we go through LAST_ACK and are gone once
     * it is acknowledged - no TIME_WAIT here. If we went first, our FIN is
     * out already and our side waits in TIME_WAIT whatever we do now. */
    close(fd);
    if (narrate_figure_wanted())
        restart_draw_close((struct sockaddr *)&me, (struct sockaddr *)&them, we_first,
                           deadline->end);
    return 0;
}
