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
#include "restart.h" /* this demo's own: who hangs up first */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "2500"

/* After we hung up first and the server answered with its own FIN: our
 * side is in TIME_WAIT. Ask the kernel's table how long is left. */
static void narrate_our_wait(const struct sockaddr *me, const struct sockaddr *server)
{
    struct tcp_entry e;
    char mine[ADDR_STRLEN];
    int found = tcptable_find(me, server, &e);

    addr_format(me, mine, sizeof mine);
    if (found == 1 && e.state == TCPS_TIME_WAIT)
        narrate("our side (%s) is now in TIME_WAIT for %.0f s more (the kernel's table, "
                "%s): it is this four-tuple that waits; our next connection is "
                "not held up: connect() picks a four-tuple that is free", mine,
                tcptable_seconds_left(&e), e.source);
    else if (found == 1)
        narrate("our side (%s) is in %s (the kernel's table, %s)", mine,
                tcptable_state_name(e.state), e.source);
    else if (found == 0)
        narrate("the kernel's table no longer lists our side (%s): no TIME_WAIT here", mine);
    else
        narrate("our side (%s) waits in TIME_WAIT now (this system's table of connections "
                "cannot be read to say for how long)", mine);
}

/* A state a closing connection passes through, on its way to TIME_WAIT or
 * to leaving the table. */
static int closing(const struct tcp_entry *e)
{
    return e->state != TCPS_TIME_WAIT && e->state != TCPS_CLOSE;
}

/* After our close(): wait (until deadline at most) until the last
 * segments have arrived - neither side of the connection in this host's
 * table is still half closed - and leave what the table says in *ours and
 * *theirs. Returns tcptable_find()'s answer for each, in found[0..1]. */
static void settle(const struct sockaddr *me, const struct sockaddr *server, long long deadline,
                   struct tcp_entry *ours, struct tcp_entry *theirs, int found[2])
{
    for (;;) {
        found[0] = tcptable_find(me, server, ours);
        found[1] = tcptable_find(server, me, theirs);
        if (!(found[0] == 1 && closing(ours)) && !(found[1] == 1 && closing(theirs)))
            return;
        if (wait_now_ms() >= deadline)
            return; /* drawn as it stands: a side still closing shows its state */
        poll(NULL, 0, 5); /* a bounded wait for the last ACK: the deadline ends it */
    }
}

/* One side's state after the close, for the figure: from the kernel's
 * table, never presumed. */
static void side_state(int found, const struct tcp_entry *e, int on_this_host, char *out,
                       size_t cap)
{
    if (found == 1 && e->state == TCPS_TIME_WAIT)
        snprintf(out, cap, "TIME_WAIT, %.0f s left", tcptable_seconds_left(e));
    else if (found == 1)
        snprintf(out, cap, "%s", tcptable_state_name(e->state));
    else if (found == 0 && on_this_host)
        snprintf(out, cap, "closed (gone from the table)");
    else if (found == 0)
        snprintf(out, cap, "another host's: cannot tell");
    else
        snprintf(out, cap, "cannot tell (no table)");
}

/* The figure: the close we just took part in, as a ladder of segments
 * between us (A) and the server (B), with the real four-tuple, who sent
 * the first FIN, and each side's state now, as the kernel's table says
 * (the lesson's own figure is in docs/restart.md). Plain ASCII, at most
 * 72 columns. PORTLAB_NO_FIGURE=1: none. */
static void draw_close(const struct sockaddr *me, const struct sockaddr *server, int we_first,
                       long long deadline)
{
    static const char right[] = "|-------------- %s ------------->|";
    static const char left[] = "|<------------- %s --------------|";
    struct tcp_entry ours, theirs;
    int found[2], on_this_host = addr_is_loopback(server) || addr_same_host(me, server);
    char a[ADDR_STRLEN], b[ADDR_STRLEN], sa[64], sb[64], arrow[64];
    /* The four segments, in order: who sends each, A to B or B to A. */
    const char *seg[4] = {"FIN", "ACK", "FIN", "ACK"};
    int i;

    settle(me, server, deadline, &ours, &theirs, found);
    side_state(found[0], &ours, 1, sa, sizeof sa);
    side_state(found[1], &theirs, on_this_host, sb, sizeof sb);
    narrate("figure: the close we just took part in (PORTLAB_NO_FIGURE=1: none)");
    narrate("  A = us, %s", addr_format(me, a, sizeof a));
    narrate("  B = the server, %s", addr_format(server, b, sizeof b));
    narrate("      A                                B");
    for (i = 0; i < 4; i++) {
        /* Segments 1 and 4 go from the side that hung up first. */
        int from_a = (i == 0 || i == 3) == (we_first != 0);

        snprintf(arrow, sizeof arrow, from_a ? right : left, seg[i]);
        narrate("      %s%s", arrow,
                i == 0 ? (we_first ? "  A sent the first FIN" : "  B sent the first FIN")
                : i == 2 ? (we_first ? "  then B's FIN" : "  then A's FIN") : "");
    }
    narrate("      |                                |");
    narrate("  A: %-30s B: %s", sa, sb);
    narrate("  (2 and 3 may be one segment: a FIN with the ACK flag set)");
}

/* The server's line ends by saying who hangs up first (restart.h). */
static int asks_us_first(const char *line)
{
    size_t n = strlen(line), k = strlen(RESTART_CLIENT_FIRST);

    return n >= k && strcmp(line + n - k, RESTART_CLIENT_FIRST) == 0;
}

/* One connection to one address. Returns 0, or -1 after reporting. */
static int talk(const struct addrinfo *ai, long long deadline, long timeout_ms)
{
    struct sockaddr_storage me, them;
    socklen_t mlen = sizeof me, tlen = sizeof them;
    char line[512], shown[2048], a[ADDR_STRLEN], b[ADDR_STRLEN];
    int fd, err, we_first;

    narrate("tcp: connecting to %s", addr_format(ai->ai_addr, a, sizeof a));
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        report_sys("socket", "tcp", ai->ai_addr, errno);
        return -1;
    }
    wait_nonblocking(fd); /* a silent host costs -t, not minutes */
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (wait_connect_report(fd, err, "tcp", ai->ai_addr, deadline - wait_now_ms()) != 0) {
        close(fd);
        return -1;
    }
    /* The four-tuple: both ends, as the kernel knows them. */
    getsockname(fd, (struct sockaddr *)&me, &mlen);
    getpeername(fd, (struct sockaddr *)&them, &tlen);
    narrate("connected: the four-tuple is %s (us) <-> %s (the server)",
            addr_format((struct sockaddr *)&me, a, sizeof a),
            addr_format((struct sockaddr *)&them, b, sizeof b));
    if (wait_read_line_until(fd, "tcp", ai->ai_addr, deadline, timeout_ms, 1, line,
                             sizeof line) != 0) {
        close(fd);
        return -1;
    }
    /* Text from the network: shown escaped, never raw. */
    narrate("tcp reply: %s", narrate_safe(line, shown, sizeof shown));
    we_first = asks_us_first(line);
    if (we_first) {
        /* THE LESSON: shutdown() sends our FIN first; the server answers
         * with its own, and the side that went first waits in TIME_WAIT. */
        shutdown(fd, SHUT_WR);
        narrate("the server asked us to hang up first: sent our FIN");
    } else {
        narrate("waiting for the server to hang up first");
    }
    err = wait_closed(fd, deadline - wait_now_ms());
    if (err != 0) {
        if (err == ETIMEDOUT)
            report("recv(tcp %s): the server sent its line but did not hang up within %ld ms "
                   "(-t)", b, timeout_ms);
        else
            report_sys("recv", "tcp", ai->ai_addr, err);
        close(fd);
        return -1;
    }
    if (we_first) {
        narrate("the server hung up in turn");
        narrate_our_wait((struct sockaddr *)&me, (struct sockaddr *)&them);
    } else {
        narrate("the server hung up first: the TIME_WAIT is on its side (%s); our port %u "
                "is free once it acknowledges our FIN", b, addr_port((struct sockaddr *)&me));
    }
    close(fd);
    if (narrate_figure_wanted())
        draw_close((struct sockaddr *)&me, (struct sockaddr *)&them, we_first, deadline);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *res, *ai;
    long long deadline;
    int i, rc = EXIT_FAILED;

    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, DEFAULT_PORT, "",
              "At the end it draws the close as a ladder, with each side's state from the\n"
              "kernel's table; PORTLAB_NO_FIGURE=1 leaves it out.\n");
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, "tcp");
    /* -t covers the whole exchange: connect, the line, the hang-up. */
    deadline = wait_now_ms() + o.timeout_ms;
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 0, &res) != 0)
        return EXIT_FAILED;
    for (ai = res; ai != NULL && rc != EXIT_OK; ai = ai->ai_next)
        if (talk(ai, deadline, o.timeout_ms) == 0)
            rc = EXIT_OK;
    freeaddrinfo(res);
    return rc;
}
