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
 * THE PROTOCOL: common/rendezvous.h (one line per request, parsed strictly).
 *   Over TCP: everything. Over UDP: LOOKUP only, in one small datagram (a
 *   registration needs a connection to last; a long LIST must not be sent
 *   to a source that may be forged).
 *
 * STRANGERS: registrations come from this host only (--remote: any host);
 *   at most 8 names a connection, 16 a local user (or remote host), 256
 *   connections that registered nothing (the one quiet longest makes room);
 *   UDP answers under the reply guard. docs/hardening.md has the table.
 *
 * LESSON: docs/rendezvous.md    MAN PAGES: rpcbind(8), rpcinfo(8), poll(2)
 */
#include "portlab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "8111"     /* the real portmapper's is 111: see above */
#define IDLE_MS 30000           /* a connection that registered nothing */
#define LOOKERS_MAX 256         /* connections that registered nothing, at most */
#define GREETING "rendezvous-directory: REGISTER NAME tcp|udp PORT, UNREGISTER NAME, " \
                 "LOOKUP NAME, LIST, QUIT\n"

struct conn {
    int fd, owns;               /* owns: how many names it registered */
    size_t len;                 /* bytes waiting in buf */
    long long last;             /* when it last made a valid request (or came) */
    char buf[RV_LINE_MAX + 2];
    char who[ADDR_STRLEN];
    char addr[RV_ADDR_MAX];     /* its source address alone */
    const char *refuse;         /* NULL, or why it may not register */
    struct sockaddr_storage peer, local; /* its two ends */
    char user[RV_USER_MAX];     /* whose names it adds to: see whose() */
};

static const char *const HELP =
    "  --remote   accept registrations from other hosts too (a classroom's servers);\n"
    "             by default only from this host, as rpcbind does\n";

static struct rv_table table; /* the registrations: common/rendezvous.c */
static struct reply_guard guard; /* UDP: never to ourselves, a few a second a source */
static struct conn *conns;
static size_t nconns, capconns, lookers_max = LOOKERS_MAX;
static long requests;
static int remote_ok; /* --remote: registrations from other hosts too */

/* Answer one request line into reply (common/rendezvous.c keeps the
 * table); owner is the connection's fd, or -1 for a UDP datagram (which
 * may only ask). A connection's first name turns keepalive on. Returns 1
 * to close after. */
static int handle(const char *line, const struct rv_asker *a, char *reply, size_t cap)
{
    int owned, quit;
    size_t i;

    requests++;
    quit = rv_table_answer(&table, line, a, reply, cap, &owned);
    for (i = 0; owned != 0 && i < nconns; i++) {
        if (conns[i].fd != a->owner)
            continue;
        if (owned > 0 && conns[i].owns == 0)
            keepalive_watch(a->owner, a->who);
        conns[i].owns += owned;
    }
    return quit;
}

/* A connection ends: its names go with it - the whole point. */
static void drop(size_t c, const char *why)
{
    rv_table_drop_owner(&table, conns[c].fd, why);
    close(conns[c].fd);
    conns[c] = conns[--nconns];
}

/* Too many connections that registered nothing: close the one that has
 * been quiet longest (a valid request is what counts, not an empty line),
 * so that a flood of idle connections can never lock clients out. */
static void make_room(long long now)
{
    static struct narrate_limit q;
    size_t c, lookers = 0, oldest = 0;
    int found = 0;

    for (c = 0; c < nconns; c++) {
        if (conns[c].owns != 0)
            continue;
        lookers++;
        if (!found || conns[c].last < conns[oldest].last)
            oldest = c;
        found = 1;
    }
    if (lookers < lookers_max || !found)
        return;
    if (narrate_limit_ok(&q, now)) {
        narrate("%zu connections registered nothing, the most we keep: closed the one "
                "quiet longest, tcp %s (%lld ms)%s", lookers, conns[oldest].who,
                now - conns[oldest].last, q.more ? "; and others like it since" : "");
        q.more = 0;
    }
    drop(oldest, "evicted");
}

static void accept_one(int listener, long long now)
{
    struct sockaddr_storage peer, local;
    socklen_t len = sizeof peer, llen = sizeof local;
    struct conn *c;
    int fd;

    make_room(now);
    fd = accept(listener, (struct sockaddr *)&peer, &len);
    if (fd < 0)
        return;
    if (nconns == capconns) {
        size_t cap = capconns == 0 ? 16 : capconns * 2;
        struct conn *more = realloc(conns, cap * sizeof *more);

        if (more == NULL) {
            close(fd);
            return;
        }
        conns = more;
        capconns = cap;
    }
    c = &conns[nconns++];
    memcpy(&c->peer, &peer, sizeof peer);
    c->user[0] = '\0';
    c->fd = fd;
    c->owns = 0;
    c->len = 0;
    c->last = now;
    addr_format((struct sockaddr *)&peer, c->who, sizeof c->who);
    addr_host((struct sockaddr *)&peer, c->addr, sizeof c->addr);
    /* Registrations come from this host only, as rpcbind's do: from a
     * loopback address, or from the very address it reached us on. */
    c->refuse = NULL;
    getsockname(fd, (struct sockaddr *)&local, &llen);
    memcpy(&c->local, &local, sizeof local);
    if (!remote_ok && !addr_is_loopback((struct sockaddr *)&peer) &&
        !addr_same_host((struct sockaddr *)&peer, (struct sockaddr *)&local))
        c->refuse = "registrations come from the directory's own host (--remote allows others)";
    wait_nonblocking(fd);
    if (send(fd, GREETING, strlen(GREETING), 0) < 0) {
        /* gone already; the next read will say so */
    }
}

/* Whose names a connection's count toward (RV_NAMES_PER_USER), asked at
 * its first REGISTER: on this host, the user that owns the other end - the
 * uid column of the kernel's table (/proc/net/tcp), where the client's
 * socket is listed too; from elsewhere (--remote), its host. */
static const char *whose(struct conn *c)
{
    struct tcp_entry e;

    if (c->user[0] != '\0')
        return c->user;
    if ((addr_is_loopback((struct sockaddr *)&c->peer) ||
         addr_same_host((struct sockaddr *)&c->peer, (struct sockaddr *)&c->local)) &&
        tcptable_find((struct sockaddr *)&c->peer, (struct sockaddr *)&c->local, &e) == 1)
        snprintf(c->user, sizeof c->user, "uid %lu", e.uid);
    else
        snprintf(c->user, sizeof c->user, "host %s", c->addr);
    return c->user;
}

/* Send a whole reply, or say why not: a reply cut short means a client
 * that does not read, and the connection goes. */
static const char *send_all(int fd, const char *reply)
{
    size_t len = strlen(reply);
    ssize_t sent = send(fd, reply, len, 0);

    if (sent == (ssize_t)len)
        return NULL;
    return "it does not read its replies (one was cut short)";
}

/* Read what a connection sent; answer each complete line. Returns 0 to
 * keep it, or a reason to close it. */
static const char *serve_conn(struct conn *c, long long now)
{
    char reply[RV_ENTRIES_MAX * (RV_LINE_MAX + 2 + RV_ADDR_MAX) + 32];
    ssize_t got = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
    struct rv_asker a;
    const char *error, *broken;
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
            if (a.user == NULL && c->refuse == NULL && strncmp(c->buf, "REGISTER ", 9) == 0)
                a.user = whose(c);
            quit = handle(c->buf, &a, reply, sizeof reply);
        }
        if (quit >= 0)
            c->last = now; /* only a valid request keeps a connection fresh */
        if ((broken = send_all(c->fd, reply)) != NULL)
            return broken;
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
        handle(buf, &a, reply, sizeof reply);
    }
    if (addr_port((struct sockaddr *)&peer) == 0)
        return; /* source port 0: "no reply expected" (RFC 768) */
    if (sendto(fd, reply, strlen(reply), 0, (struct sockaddr *)&peer, len) < 0) {
        /* a client that vanished: nothing to do */
    }
}

/* How many idle connections we may hold: LOOKERS_MAX, or fewer when the
 * descriptor limit is low - keeping room for every registered server
 * (each owns a name) and our own few descriptors. */
static size_t lookers_limit(void)
{
    struct rlimit r;
    long room;

    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
        return LOOKERS_MAX;
    room = (long)r.rlim_cur - 16 - RV_ENTRIES_MAX;
    if (room < 4)
        room = 4;
    return room < LOOKERS_MAX ? (size_t)room : LOOKERS_MAX;
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
    lookers_max = lookers_limit();
    if (remote_ok)
        narrate("--remote: any host that reaches us may register names (up to %d each "
                "connection): a classroom's servers, but also anyone's squatters",
                RV_NAMES_PER_OWNER);
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
        struct pollfd *grown = realloc(pfd, (nconns + 3) * sizeof *pfd);

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
        for (c = 0; c < nconns; c++) {
            pfd[c + 3].fd = conns[c].fd;
            if (conns[c].owns == 0 && (next < 0 || conns[c].last + idle < next))
                next = conns[c].last + idle;
        }
        for (c = 0; c < nconns + 3; c++) {
            pfd[c].events = POLLIN;
            pfd[c].revents = 0;
        }
        if (poll(pfd, (nfds_t)(nconns + 3), next < 0 ? -1 : (int)(next > now ? next - now : 0)) < 0 &&
            errno != EINTR)
            break;
        now = wait_now_ms();
        if (pfd[0].revents & POLLIN) {
            why = signals_which(pfd[0].fd);
            break;
        }
        /* Connections first, by index from the end: drop() moves the last. */
        for (c = nconns; c-- > 0;) {
            if (pfd[c + 3].revents != 0 && (gone = serve_conn(&conns[c], now)) != NULL) {
                narrate("tcp %s: closed: %s", conns[c].who, gone);
                drop(c, "its server's connection closed");
            } else if (pfd[c + 3].revents == 0 && conns[c].owns == 0 &&
                       now >= conns[c].last + idle) {
                narrate("tcp %s: still open %ld ms after its reply: closed it (an idle "
                        "client must not hold the server)", conns[c].who, idle);
                drop(c, "idle");
            }
        }
        if (pfd[1].fd >= 0 && (pfd[1].revents & POLLIN)) {
            size_t before = nconns;

            accept_one(tcp, now);
            if (nconns == before && (errno == EMFILE || errno == ENFILE)) {
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
    if (why != NULL)
        narrate("stopping on %s after %ld request%s", why, requests, requests == 1 ? "" : "s");
    else
        narrate("stopping after %ld request%s, as asked with -n", requests,
                requests == 1 ? "" : "s");
    while (nconns > 0)
        drop(nconns - 1, "the directory is stopping");
    free(conns);
    free(pfd);
    close(tcp);
    close(udp);
    return EXIT_OK;
}
