/* restart-server - "Address already in use" after a restart: TIME_WAIT.
 *
 * WHAT IT SHOWS
 *   Stop a TCP server, start it again at once, and bind() may say
 *   EADDRINUSE although nothing listens any more. What still holds the
 *   port is a connection: the side that hangs up FIRST keeps the
 *   connection's four-tuple (its address and port, the peer's) in
 *   TIME_WAIT for a while - on Linux 60 s - so that a late packet of the
 *   old connection cannot be taken for part of a new one (RFC 9293, 3.6).
 *   By default this server hangs up first, so TIME_WAIT lands on its side,
 *   on its own port. With --client-closes it waits for the client to hang
 *   up first: TIME_WAIT lands on the client's port, and the server can
 *   restart at once.
 *   SO_REUSEADDR lets a bind() past TIME_WAIT - and on Linux only when the
 *   OLD socket had set it as well as the new one: setting it only on the
 *   restart does not help (try it). Against a server that still listens it
 *   never helps.
 *
 * HOW TO RUN IT (two terminals)
 *   terminal 1:  bin/restart-server -n 1            (port 2500; exits after one client)
 *   terminal 2:  bin/restart-client
 *   terminal 1:  bin/restart-server -n 1            (at once: EADDRINUSE, and why)
 *   then:        ss -tan state time-wait            (the kernel's own list)
 *   or the guided tour:  make demo DEMO=restart
 *
 * WHAT TO LOOK FOR
 *   "hung up first"; the client's hang-up putting our side in TIME_WAIT,
 *   with the seconds left as the kernel's table shows them; then on the
 *   restart, bind()'s EADDRINUSE and the why: lines that read the table.
 *
 * PRIVILEGE
 *   None: 2500 is a registered port, above the privileged ones.
 *
 * OWN LOOP (not serve.c's): who hangs up first is the lesson; accept, send, shutdown stay here.
 *
 * LESSON: docs/restart.md    MAN PAGES: socket(7) (SO_REUSEADDR), tcp(7),
 *   bind(2), shutdown(2), close(2), ss(8); proc(5) for /proc/net/tcp
 */
#include "portlab.h"
#include "restart.h" /* this demo's own: who hangs up first */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "2500"
#define PAUSE_MS 100 /* accept() failed: rest the listener this long */
#define TABLE_EVERY_MS 1000 /* the kernel's table: read at most once a second */

static const char *const HELP =
    "  --reuseaddr      set SO_REUSEADDR before bind() (off by default: see the lesson)\n"
    "  --client-closes  let each client hang up first (by default the server does)\n";

static int client_closes; /* --client-closes */
static long long next_table_ms; /* when client_hung_up() may read the table again */

/* A client hung up (end-of-file); our side is about to close. */
static void client_hung_up(int fd, const struct sockaddr *peer, void *ctx)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof me;
    struct tcp_entry e;
    char who[ADDR_STRLEN];
    long long now = wait_now_ms();
    int found;

    (void)ctx;
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
    if (getsockname(fd, (struct sockaddr *)&me, &len) != 0)
        return;
    found = tcptable_find((struct sockaddr *)&me, peer, &e);
    if (found == 1 && e.state == TCPS_TIME_WAIT)
        narrate("tcp %s hung up too: our side of the connection is now in TIME_WAIT for "
                "%.0f s more (the kernel's table, %s); until then, binding port %u again "
                "needs SO_REUSEADDR on the old socket and the new (or SO_REUSEPORT on both)",
                who, tcptable_seconds_left(&e), e.source, addr_port((struct sockaddr *)&me));
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

/* One client: the line, then the lesson - who hangs up first. */
static void serve_one(struct drain_set *set, int fd, const struct sockaddr *peer)
{
    char line[256], who[ADDR_STRLEN];

    addr_format(peer, who, sizeof who);
    wait_nonblocking(fd); /* never block on one client */
    /* The line's last words tell the client who hangs up first (restart.h). */
    snprintf(line, sizeof line, "restart-server pid %ld: hello %s; %s\n", (long)getpid(), who,
             client_closes ? RESTART_CLIENT_FIRST : RESTART_SERVER_FIRST);
    if (send(fd, line, strlen(line), 0) < 0)
        narrate("tcp %s: the line could not be sent (%s): that client is gone", who,
                errno_name(errno));
    if (!client_closes) {
        /* THE LESSON: shutdown() sends our FIN now, before the client's.
         * The side whose FIN goes first is the side that ends in TIME_WAIT. */
        shutdown(fd, SHUT_WR);
        narrate("tcp %s: sent it one line and hung up first (our FIN went first)", who);
    } else {
        /* No shutdown(): we wait for the client's FIN, then close ours. */
        narrate("tcp %s: sent it one line; waiting for it to hang up first", who);
    }
    /* common/drain.c reads until the client's FIN (or gives up after an
     * idle while), calls client_hung_up(), and close()s our side. */
    drain_add(set, fd, peer);
}

/* The listener: socket(), SO_REUSEADDR or not, bind(), listen(). */
static int open_listener(const struct addrinfo *ai, int reuseaddr)
{
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    char where[ADDR_STRLEN];
    int fd, one = 1, err;

    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        report_sys("socket", "tcp", ai->ai_addr, errno);
        return -1;
    }
    if (reuseaddr) {
        /* "Let me bind although connections of this port linger": it
         * counts only if the socket they came from said so too. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
            report_sys("setsockopt SO_REUSEADDR", "tcp", ai->ai_addr, errno);
        else
            narrate("SO_REUSEADDR set on our socket (--reuseaddr)");
    } else {
        narrate("no SO_REUSEADDR on our socket (the default; --reuseaddr sets it)");
    }
    addr_dual_stack(fd, ai->ai_addr);
    /* THE LESSON: bind() refuses a port that a listener or a lingering
     * connection still holds; the why: lines read the kernel's table. */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        struct tcp_port_summary s;

        err = errno;
        report_sys("bind", "tcp", ai->ai_addr, err);
        tcptable_summarize(ai->ai_addr, &s);
        if (err == EADDRINUSE && reuseaddr && s.time_wait > 0 && s.listeners == 0 &&
            s.others == 0)
            report("why: we did set SO_REUSEADDR, so the socket those connections came "
                   "from had not (or a socket bound without listening, which the table "
                   "does not list, holds the port): both must have set it");
        else if (err == EADDRINUSE && !reuseaddr && s.time_wait > 0 && s.listeners == 0)
            report("why: so run the old server and the new one with --reuseaddr, or wait "
                   "%.0f s", s.time_wait_left);
        close(fd);
        return -1;
    }
    if (listen(fd, SOMAXCONN) != 0) {
        report_sys("listen", "tcp", ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&got, &len);
    narrate("tcp bound to %s", addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    struct drain_set set;
    struct sockaddr_storage got, peer;
    socklen_t len;
    char where[ADDR_STRLEN];
    const char *why = NULL;
    long served = 0;
    long long paused_until = 0;
    int reuseaddr = 0, listener, stop, fd, i, rc = EXIT_OK;

    narrate_init(argv[0]);
    stop = signals_install();
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "[--reuseaddr] [--client-closes]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(&o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--reuseaddr") == 0)
            reuseaddr = 1;
        else if (strcmp(argv[i], "--client-closes") == 0)
            client_closes = 1;
        else
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(&o, "tcp");
    if (o.host == NULL && o.family == AF_UNSPEC)
        o.family = AF_INET; /* no -b: all IPv4 interfaces (-6: all IPv6) */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 1, &ai) != 0)
        return EXIT_FAILED;
    port_narrate_request(o.port);
    listener = open_listener(ai, reuseaddr);
    if (listener < 0) {
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    len = sizeof got;
    getsockname(listener, (struct sockaddr *)&got, &len);
    if (o.port == 0)
        kernel_narrate_chosen(addr_port((struct sockaddr *)&got));
    /* Our socket is open: keep no root and no capability (common/). */
    if (privilege_give_up(o.user, 0) < 0) {
        close(listener);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    narrate("TCP only: UDP has no connections, so nothing of it waits in TIME_WAIT");
    narrate("ready on %s (tcp)", addr_format((struct sockaddr *)&got, where, sizeof where));
    freeaddrinfo(ai);

    if (stop < 0 || drain_init(&set, 2) != 0) {
        report_sys("pipe", "tcp", NULL, errno);
        close(listener);
        return EXIT_FAILED;
    }
    set.pfd[0].fd = stop;
    set.eof_fn = client_hung_up;
    wait_nonblocking(listener);
    /* With -n, the last clients are seen to the end: their hang-up is the
     * moment TIME_WAIT begins. */
    while (o.count == 0 || served < o.count || drain_count(&set) > 0) {
        long long now = wait_now_ms();
        int accepting = (o.count == 0 || served < o.count) && now >= paused_until;

        set.pfd[1].fd = accepting ? listener : -1; /* poll() skips a negative fd */
        if (drain_poll(&set, !accepting && paused_until > now ? (int)(paused_until - now)
                                                               : -1) < 0) {
            if (errno == EINTR)
                continue;
            report_sys("poll", "tcp", NULL, errno);
            rc = EXIT_FAILED;
            break;
        }
        if (set.pfd[0].revents & POLLIN) {
            why = signals_which(stop);
            break;
        }
        if (!accepting || !(set.pfd[1].revents & POLLIN))
            continue;
        len = sizeof peer;
        fd = accept(listener, (struct sockaddr *)&peer, &len);
        if (fd >= 0) {
            served++;
            serve_one(&set, fd, (struct sockaddr *)&peer);
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                   errno != ECONNABORTED) {
            if (paused_until == 0) /* out of descriptors, or worse: said once */
                report_sys("accept", "tcp", NULL, errno);
            paused_until = wait_now_ms() + PAUSE_MS; /* never spin on an error */
        }
    }
    if (why != NULL || rc == EXIT_OK)
        narrate_stopping(why, served, "connection");
    drain_free(&set);
    close(listener);
    return rc;
}
