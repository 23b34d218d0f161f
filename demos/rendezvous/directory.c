/* rendezvous-directory - the one fixed port: a directory of services that
 * have none.
 *
 * WHAT IT SHOWS
 *   Sun RPC services such as NFS and NIS do not have a fixed port. Each
 *   binds whatever port the kernel gives it and registers it with a
 *   directory - rpcbind, the "portmapper" - which waits on a well-known
 *   port (111). Clients ask the directory first, then connect to the port
 *   it names. This program is that directory, on port 8111 by default: the
 *   real one's 111 needs privilege, and a teacher should not need root.
 *   A registration lasts exactly as long as the registering server's TCP
 *   connection: when the server goes - even killed with SIGKILL - its
 *   kernel closes the connection, and the directory drops its names.
 *
 * HOW TO RUN IT (three terminals)
 *   1: bin/rendezvous-directory
 *   2: bin/rendezvous-server clock          (and more: bin/rendezvous-server echo)
 *   3: bin/rendezvous-client clock          bin/rendezvous-client -l   (like rpcinfo -p)
 *   or talk to it yourself:  nc 127.0.0.1 8111   then type LIST
 *   or:                      make demo DEMO=rendezvous
 *
 * THE PROTOCOL: rendezvous.h (one line per request, parsed strictly).
 *   Over TCP: everything. Over UDP: LOOKUP only, in one small datagram (a
 *   registration needs a connection to last; a long LIST must not be sent
 *   to a source that may be forged).
 *
 * STRANGERS: registrations come from this host only (--remote: any host);
 *   at most 8 names a connection, 16 a local user (or remote host), 256
 *   connections that registered nothing (the one quiet longest makes room);
 *   UDP answers under the reply guard. docs/hardening.md has the table.
 *
 * OWN LOOP (not serve.c's): its connections stay open as long as their registrations last.
 *
 * LESSON: docs/rendezvous.md    MAN PAGES: rpcbind(8), rpcinfo(8), poll(2)
 */
#include "portlab.h"
#include "rendezvous.h" /* this demo's own: its line protocol */
#include "rvconns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "8111"     /* the real portmapper's is 111: see above */
#define IDLE_MS 30000           /* a connection that registered nothing */
#define GREETING "rendezvous-directory: REGISTER NAME tcp|udp PORT, UNREGISTER NAME, " \
                 "LOOKUP NAME, LIST, QUIT\n"

static const char *const HELP =
    "  --remote   accept registrations from other hosts too (a classroom's servers);\n"
    "             by default only from this host, as rpcbind does\n";

static struct rv_table table;    /* the registrations: rendezvous.c */
static struct rv_conns conns;    /* the connections: rvconns.c */
static struct reply_guard guard; /* UDP: never to ourselves, a few a second a source */
static long requests;
static int remote_ok; /* --remote: registrations from other hosts too */

/* Answer one request line into reply (rendezvous.c keeps the
 * table); c is the connection, or NULL for a UDP datagram (which may only
 * ask). A connection's first name turns keepalive on. Returns 1 to close
 * after, -1 for a bad request. */
static int handle(const char *line, struct rv_conn *c, const struct rv_asker *a,
                  char *reply, size_t cap)
{
    int owned, quit;

    requests++;
    quit = rv_table_answer(&table, line, a, reply, cap, &owned);
    if (c != NULL && owned > 0 && c->owns == 0)
        keepalive_watch(c->fd, c->who);
    if (c != NULL)
        c->owns += owned;
    return quit;
}

static void accept_one(int listener, long long now)
{
    struct sockaddr_storage peer, local;
    socklen_t len = sizeof peer, llen = sizeof local;
    int fd;

    rv_conns_make_room(&conns, now); /* too many idle ones: close the quietest */
    fd = accept(listener, (struct sockaddr *)&peer, &len);
    if (fd < 0)
        return;
    getsockname(fd, (struct sockaddr *)&local, &llen);
    if (rv_conns_add(&conns, fd, (struct sockaddr *)&peer, (struct sockaddr *)&local,
                     remote_ok, now) == NULL)
        return;
    wait_nonblocking(fd);
    if (send(fd, GREETING, strlen(GREETING), 0) < 0) {
        /* gone already; the next read will say so */
    }
}

/* Read what a connection sent; answer each complete line. Returns NULL to
 * keep it, or a reason to close it. A reply cut short means a client that
 * does not read: it goes too. */
static const char *serve_conn(struct rv_conn *c, long long now)
{
    char reply[RV_ENTRIES_MAX * (RV_LINE_MAX + 2 + RV_ADDR_MAX) + 32];
    ssize_t got = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
    struct rv_asker a;
    const char *error;
    char *nl;
    size_t n;
    int quit = 0;

    if (got == 0)
        return "its connection closed";
    if (got < 0 && errno == ETIMEDOUT)
        return "keepalive probes went unanswered (ETIMEDOUT): its host is gone or cut off";
    if (got < 0)
        return errno == EAGAIN || errno == EINTR ? NULL : "its connection failed";
    c->len += (size_t)got;
    a.owner = c->fd;
    a.who = c->who;
    a.addr = c->addr;
    a.refuse = c->refuse;
    a.user = NULL;
    /* One line at a time: the same grammar as over UDP (rv_take_line). */
    while (quit <= 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
        n = (size_t)(nl - c->buf);
        if (rv_take_line(c->buf, n, &error) != 0) {
            narrate("%s: bad request: %s", c->who, error);
            snprintf(reply, sizeof reply, "ERR %s\n", error);
            quit = -1;
        } else {
            if (c->refuse == NULL && strncmp(c->buf, "REGISTER ", 9) == 0)
                a.user = rv_conn_user(c); /* whose names: asked once */
            quit = handle(c->buf, c, &a, reply, sizeof reply);
        }
        if (quit >= 0)
            c->last = now; /* only a valid request keeps a connection fresh */
        if (send(c->fd, reply, strlen(reply), 0) != (ssize_t)strlen(reply))
            return "it does not read its replies (one was cut short)";
        c->len -= n + 1;
        memmove(c->buf, c->buf + n + 1, c->len);
        if (quit == 1)
            return "it said QUIT";
    }
    if (c->len >= sizeof c->buf - 1) {
        narrate("%s: bad request: line too long (over %d bytes)", c->who, RV_LINE_MAX);
        snprintf(reply, sizeof reply, "ERR line too long: at most %d bytes\n", RV_LINE_MAX);
        drain_goodbye(c->fd, reply); /* without a reset that could swallow the ERR */
        return "it sent a line too long to be a request";
    }
    return NULL;
}

/* UDP: LOOKUP only, in one small datagram (LIST is refused: no answer
 * much larger than its question, to a source that may be forged), and
 * only as the reply guard allows: never to our own port, at most a few
 * answers - errors included - a second to one source (replyguard.h). */
static void serve_udp(int fd, const struct sockaddr *local, long long now)
{
    static char buf[65536];
    char reply[RV_UDP_REPLY_MAX], who[ADDR_STRLEN], addr[RV_ADDR_MAX];
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    struct rv_asker a;
    const char *error;
    ssize_t got = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&peer, &len);

    if (got < 0 || !reply_guard_ok(&guard, (struct sockaddr *)&peer, local, now))
        return;
    if (got > 0 && buf[got - 1] == '\n')
        got--;
    snprintf(who, sizeof who, "udp %s", addr_format((struct sockaddr *)&peer, reply, sizeof reply));
    a.owner = -1;
    a.who = who;
    a.addr = addr_host((struct sockaddr *)&peer, addr, sizeof addr);
    a.refuse = NULL;
    a.user = NULL; /* UDP may not register */
    if (rv_take_line(buf, (size_t)got, &error) != 0) {
        narrate("%s: bad request: %s", who, error);
        snprintf(reply, sizeof reply, "ERR %s\n", error);
    } else {
        handle(buf, NULL, &a, reply, sizeof reply);
    }
    if (addr_port((struct sockaddr *)&peer) == 0)
        return; /* source port 0 (RFC 768): no port to answer */
    if (sendto(fd, reply, strlen(reply), 0, (struct sockaddr *)&peer, len) < 0) {
        /* a client that vanished: nothing to do */
    }
}

int main(int argc, char **argv)
{
    struct opts o;
    struct pollfd *pfd = NULL;
    const char *why = NULL, *gone;
    long idle = wait_idle_ms(IDLE_MS);
    long long now, paused_until = 0, next, due;
    struct sockaddr_storage me;
    socklen_t melen = sizeof me;
    struct narrate_limit out_of_fds = {0, 0};
    int tcp, udp, i;
    size_t c;

    narrate_init(argv[0]);
    signals_install();
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "[--remote]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(&o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--remote") == 0)
            remote_ok = 1;
        else
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(&o, NULL);
    rv_conns_init(&conns, &table);
    if (remote_ok)
        narrate("--remote: any host that reaches us may register names (up to %d each "
                "connection, %d each host): a classroom's servers, but also anyone's squatters",
                RV_NAMES_PER_OWNER, RV_NAMES_PER_USER);
    narrate("the directory's port is the one fixed port: services register here, "
            "clients ask here first");
    if (serve_open(&o, &tcp, &udp) != 0)
        return EXIT_FAILED;
    /* Non-blocking, every socket: no one client may stall the others. */
    wait_nonblocking(tcp);
    wait_nonblocking(udp);
    getsockname(udp, (struct sockaddr *)&me, &melen); /* our UDP port, for the guard */
    reply_guard_init(&guard);

    /* One poll() over the stop pipe, both sockets and every connection. */
    while (o.count == 0 || requests < o.count) {
        struct pollfd *grown = realloc(pfd, (conns.n + 3) * sizeof *pfd);

        if (grown == NULL)
            break; /* out of memory: stop, as cleanly as we can */
        pfd = grown;
        now = wait_now_ms();
        if (paused_until != 0 && now >= paused_until)
            paused_until = 0;
        pfd[0].fd = signals_install();
        pfd[1].fd = paused_until == 0 ? tcp : -1;
        pfd[2].fd = udp;
        next = paused_until != 0 ? paused_until : -1;
        due = reply_guard_tick(&guard, now); /* "not answering ..." lines */
        if (due != 0 && (next < 0 || due < next))
            next = due;
        for (c = 0; c < conns.n; c++) {
            pfd[c + 3].fd = conns.c[c].fd;
            if (conns.c[c].owns == 0 && (next < 0 || conns.c[c].last + idle < next))
                next = conns.c[c].last + idle;
        }
        for (c = 0; c < conns.n + 3; c++) {
            pfd[c].events = POLLIN;
            pfd[c].revents = 0;
        }
        if (poll(pfd, (nfds_t)(conns.n + 3), next < 0 ? -1 : (int)(next > now ? next - now : 0)) < 0 &&
            errno != EINTR)
            break;
        now = wait_now_ms();
        if (pfd[0].revents & POLLIN) {
            why = signals_which(pfd[0].fd);
            break;
        }
        /* Connections first, by index from the end: rv_conns_drop(&conns, ) moves the last. */
        for (c = conns.n; c-- > 0;) {
            if (pfd[c + 3].revents != 0 && (gone = serve_conn(&conns.c[c], now)) != NULL) {
                narrate("tcp %s: closed: %s", conns.c[c].who, gone);
                rv_conns_drop(&conns, c, "its server's connection closed");
            } else if (pfd[c + 3].revents == 0 && conns.c[c].owns == 0 &&
                       now >= conns.c[c].last + idle) {
                narrate("tcp %s: still open %ld ms after its reply: closed it (an idle "
                        "client must not hold the server)", conns.c[c].who, idle);
                rv_conns_drop(&conns, c, "idle");
            }
        }
        if (pfd[1].fd >= 0 && (pfd[1].revents & POLLIN)) {
            size_t before = conns.n;

            accept_one(tcp, now);
            if (conns.n == before && (errno == EMFILE || errno == ENFILE)) {
                if (narrate_limit_ok(&out_of_fds, now))
                    narrate("out of file descriptors (%s): new clients wait in the queue",
                            errno_name(errno));
                paused_until = now + 100;
            }
        }
        if (pfd[2].revents & POLLIN)
            serve_udp(udp, (struct sockaddr *)&me, now);
    }
    reply_guard_flush(&guard);
    narrate_stopping(why, requests, "request");
    while (conns.n > 0)
        rv_conns_drop(&conns, conns.n - 1, "the directory is stopping");
    free(conns.c);
    free(pfd);
    close(tcp);
    close(udp);
    return EXIT_OK;
}
