/* restart.c - the restart demo's plumbing. See restart.h. */
#include "restart.h"
#include "addr.h"
#include "clock.h"
#include "explain.h"
#include "narrate.h"
#include "signals.h"
#include "sock.h"
#include "tcptable.h"
#include "wait.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAUSE_MS 100        /* accept() failed: rest the listener this long */
#define TABLE_EVERY_MS 1000 /* the kernel's table: read at most once a second */

int restart_asks_client_first(const char *line)
{
    size_t n = strlen(line), k = strlen(RESTART_CLIENT_FIRST);

    return n >= k && strcmp(line + n - k, RESTART_CLIENT_FIRST) == 0;
}

void restart_server_options(struct opts *o, int argc, char **argv, int *reuseaddr,
                            int *client_closes)
{
    static const char *const help =
        "  --reuseaddr      set SO_REUSEADDR before bind() (off by default: see the lesson)\n"
        "  --client-closes  let each client hang up first (by default the server does)\n";
    int i;

    opts_init(o, OPTS_SERVER, "2500", "[--reuseaddr] [--client-closes]", help);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--reuseaddr") == 0)
            *reuseaddr = 1;
        else if (strcmp(argv[i], "--client-closes") == 0)
            *client_closes = 1;
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, "tcp");
    if (o->host == NULL && o->family == AF_UNSPEC)
        o->family = AF_INET; /* no -b: all IPv4 interfaces (-6: all IPv6) */
}

/* The server's loop. */

int restart_loop_init(struct restart_loop *l, int listener, long count,
                      void (*hangup_fn)(int fd, const struct sockaddr *peer, void *ctx))
{
    l->stop = signals_install();
    l->listener = listener;
    l->count = count;
    l->served = 0;
    l->paused_until = 0;
    l->why = NULL;
    l->rc = EXIT_OK;
    if (l->stop < 0 || drain_init(&l->set, 2) != 0) {
        explain_report("pipe", "tcp", NULL, errno);
        return -1;
    }
    l->set.pfd[0].fd = l->stop;
    l->set.hangup_fn = hangup_fn;
    sock_set_nonblocking(listener);
    return 0;
}

int restart_loop_wait(struct restart_loop *l)
{
    while (l->count == 0 || l->served < l->count || drain_count(&l->set) > 0) {
        long long now = clock_now_ms();
        int accepting = (l->count == 0 || l->served < l->count) && now >= l->paused_until;

        l->set.pfd[1].fd = accepting ? l->listener : -1; /* poll() skips a negative fd */
        if (drain_poll(&l->set, !accepting && l->paused_until > now
                                    ? (int)(l->paused_until - now) : -1) < 0) {
            if (errno == EINTR)
                continue;
            explain_report("poll", "tcp", NULL, errno);
            l->rc = EXIT_FAILED;
            return 0;
        }
        if (l->set.pfd[0].revents & POLLIN) {
            l->why = signals_which(l->stop);
            return 0;
        }
        if (accepting && (l->set.pfd[1].revents & POLLIN))
            return 1;
    }
    return 0;
}

void restart_loop_accept_failed(struct restart_loop *l, int err)
{
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED)
        return;
    if (l->paused_until == 0) /* out of descriptors, or worse: said once */
        explain_report("accept", "tcp", NULL, err);
    l->paused_until = clock_now_ms() + PAUSE_MS; /* never spin on an error */
}

int restart_loop_end(struct restart_loop *l)
{
    if (l->why != NULL || l->rc == EXIT_OK)
        narrate_stopping(l->why, l->served, "connection");
    drain_free(&l->set);
    return l->rc;
}

/* What the kernel's table says. */

void restart_explain_bind(const struct addrinfo *ai, int err, int reuseaddr)
{
    struct tcp_port_summary s;

    explain_report("bind", "tcp", ai->ai_addr, err);
    tcptable_summarize(ai->ai_addr, &s);
    if (err == EADDRINUSE && reuseaddr && s.time_wait > 0 && s.listeners == 0 &&
        s.others == 0)
        report("why: we did set SO_REUSEADDR, so the socket those connections came "
               "from had not (or a socket bound without listening, which the table "
               "does not list, holds the port): both must have set it");
    else if (err == EADDRINUSE && !reuseaddr && s.time_wait > 0 && s.listeners == 0)
        report("why: so run the old server and the new one with --reuseaddr, or wait "
               "%.0f s", s.time_wait_left);
}

void restart_narrate_hangup(const struct sockaddr *me, const struct sockaddr *peer,
                            int client_closes)
{
    static long long next_table_ms; /* when the table may be read again */
    struct tcp_entry e;
    char who[ADDR_STRLEN];
    long long now = clock_now_ms();
    int found;

    addr_format(peer, who, sizeof who);
    if (client_closes) {
        narrate("tcp %s hung up first; we close our side now: the TIME_WAIT is on the "
                "client's side (its port %u), and our port stays free", who, addr_port(peer));
        return;
    }
    /* We hung up first, and now the client has too: our side of this
     * connection moves to TIME_WAIT. Ask the kernel's table, not a book -
     * but not every time: the table is read whole, and after a busy while
     * it holds thousands of connections in TIME_WAIT. */
    if (now < next_table_ms) {
        narrate("tcp %s hung up too: we hung up first, so TCP's rules put our side in "
                "TIME_WAIT (not looked up for this one: the kernel's table is read at most "
                "once a second)", who);
        return;
    }
    next_table_ms = now + TABLE_EVERY_MS;
    found = tcptable_find(me, peer, &e);
    if (found == 1 && e.state == TCPS_TIME_WAIT)
        narrate("tcp %s hung up too: our side of the connection is now in TIME_WAIT for "
                "%.0f s more (the kernel's table, %s); until then, binding port %u again "
                "needs SO_REUSEADDR on the old socket and the new (or SO_REUSEPORT on both)",
                who, tcptable_seconds_left(&e), e.source, addr_port(me));
    else if (found == 1)
        narrate("tcp %s hung up too: our side of the connection is in %s (the kernel's "
                "table, %s)", who, tcptable_state_name(e.state), e.source);
    else if (found == 0)
        narrate("tcp %s hung up too: the kernel's table no longer lists the connection "
                "(no TIME_WAIT on our side: it was reset, not closed)", who);
    else
        narrate("tcp %s hung up too: our side of the connection waits in TIME_WAIT now "
                "(this system's table of connections cannot be read to say for how long)",
                who);
}

void restart_narrate_our_wait(const struct sockaddr *me, const struct sockaddr *server)
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

/* The client's figure. */

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
        if (clock_now_ms() >= deadline)
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

/* The close we just took part in, as a ladder of segments between us (A)
 * and the server (B), with the real four-tuple, who sent the first FIN,
 * and each side's state now (the lesson's own figure is in
 * docs/restart.md). */
void restart_draw_close(const struct sockaddr *me, const struct sockaddr *server,
                        int we_first, long long deadline)
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

int restart_wait_closed(int fd, long ms)
{
    long long end = clock_now_ms() + ms;
    char junk[512];
    ssize_t got;
    int ready;

    sock_set_nonblocking(fd);
    for (;;) {
        ready = wait_for(fd, POLLIN, end - clock_now_ms());
        if (ready == 0)
            return ETIMEDOUT;
        if (ready < 0)
            return errno;
        got = recv(fd, junk, sizeof junk, 0);
        if (got == 0)
            return 0; /* the peer's FIN: end-of-file */
        if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return errno;
    }
}
