/* rvconns.c - see rvconns.h. */
#include "rvconns.h"
#include "clock.h"
#include "drain.h"
#include "narrate.h"
#include "signals.h"
#include "sock.h"
#include "tcptable.h"
#include "wait.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Whether to narrate a repeated event now (see struct rv_limit). */
static int rv_limit_ok(struct rv_limit *l, long long now)
{
    if (now < l->next) {
        l->more++;
        return 0;
    }
    l->next = now + 1000;
    return 1;
}

/* Send a last line and say goodbye without a reset (which could swallow
 * it): shut our side, read what is already waiting (at most DRAIN_MAX_BYTES,
 * never blocking: fd must be non-blocking). The caller then closes fd. */
static void goodbye(int fd, const char *line)
{
    char junk[4096];
    size_t taken = 0;
    ssize_t got;

    if (send(fd, line, strlen(line), 0) < 0)
        return;
    shutdown(fd, SHUT_WR);
    while (taken < DRAIN_MAX_BYTES && (got = recv(fd, junk, sizeof junk, 0)) > 0)
        taken += (size_t)got;
}

void rv_conns_options(struct rv_conns *s, struct rv_table *table, struct opts *o, int argc,
                      char **argv)
{
    static const char *const help =
        "  --remote   accept registrations from other hosts too (a classroom's servers);\n"
        "             by default only from this host, as rpcbind does\n";
    int i, remote_ok = 0;

    opts_init(o, OPTS_SERVER, "8111", "[--remote]", help);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "--remote") == 0)
            remote_ok = 1;
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, NULL);
    rv_conns_init(s, table);
    s->remote_ok = remote_ok;
    if (remote_ok)
        narrate("--remote: any host that reaches us may register names (up to %d each "
                "connection, %d each host): a classroom's servers, but also anyone's squatters",
                RV_NAMES_PER_OWNER, RV_NAMES_PER_USER);
}

void rv_conns_init(struct rv_conns *s, struct rv_table *table)
{
    struct rlimit r;
    long room;

    memset(s, 0, sizeof *s);
    s->table = table;
    s->idle_ms = wait_idle_ms(RV_IDLE_MS);
    s->lookers_max = RV_LOOKERS_MAX;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
        return;
    room = (long)r.rlim_cur - 16 - RV_ENTRIES_MAX;
    if (room < 4)
        room = 4;
    if (room < RV_LOOKERS_MAX)
        s->lookers_max = (size_t)room;
}

struct rv_conn *rv_conns_add(struct rv_conns *s, int fd, const struct sockaddr *peer)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    struct rv_conn *c;

    memset(&local, 0, sizeof local);
    getsockname(fd, (struct sockaddr *)&local, &len); /* the address it reached us on */
    if (s->n == s->cap) {
        size_t cap = s->cap == 0 ? 16 : s->cap * 2;
        struct rv_conn *more = realloc(s->c, cap * sizeof *more);

        if (more == NULL) {
            close(fd);
            return NULL;
        }
        s->c = more;
        s->cap = cap;
    }
    c = &s->c[s->n++];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->last = s->now;
    memcpy(&c->peer, peer, peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                       : sizeof(struct sockaddr_in));
    memcpy(&c->local, &local, sizeof c->local);
    addr_format(peer, c->who, sizeof c->who);
    addr_host(peer, c->addr, sizeof c->addr);
    /* Registrations come from this host only, as rpcbind's do: from a
     * loopback address, or from the very address it reached us on. */
    if (!s->remote_ok && !addr_is_loopback(peer) &&
        !addr_same_host(peer, (struct sockaddr *)&local))
        c->refuse = "registrations come from the directory's own host (--remote allows others)";
    sock_set_nonblocking(fd);
    if (send(fd, RV_HELLO, strlen(RV_HELLO), 0) < 0) {
        /* gone already; the next read will say so */
    }
    return c;
}

void rv_conns_drop(struct rv_conns *s, size_t i, const char *why)
{
    rv_table_drop_owner(s->table, s->c[i].fd, why);
    close(s->c[i].fd);
    s->c[i] = s->c[--s->n];
}

void rv_conns_close(struct rv_conns *s, size_t i, const char *gone)
{
    narrate("tcp %s: closed: %s", s->c[i].who, gone);
    rv_conns_drop(s, i, "its server's connection closed");
}

const char *rv_conn_ended(ssize_t got, int err)
{
    if (got == 0)
        return "its connection closed";
    if (err == ETIMEDOUT)
        return "keepalive probes went unanswered (ETIMEDOUT): its host is gone or cut off";
    return err == EAGAIN || err == EINTR ? NULL : "its connection failed";
}

void rv_conns_make_room(struct rv_conns *s, long long now)
{
    static struct rv_limit q;
    size_t i, lookers = 0, oldest = 0;
    int found = 0;

    for (i = 0; i < s->n; i++) {
        if (s->c[i].owns != 0)
            continue;
        lookers++;
        if (!found || s->c[i].last < s->c[oldest].last)
            oldest = i;
        found = 1;
    }
    if (lookers < s->lookers_max || !found)
        return;
    if (rv_limit_ok(&q, now)) {
        narrate("%zu connections registered nothing, the most we keep: closed the one "
                "quiet longest, tcp %s (%lld ms)%s", lookers, s->c[oldest].who,
                now - s->c[oldest].last, q.more ? "; and others like it since" : "");
        q.more = 0;
    }
    rv_conns_drop(s, oldest, "evicted");
}

const char *rv_conn_user(struct rv_conn *c)
{
    struct tcp_entry e;
    const struct sockaddr *peer = (struct sockaddr *)&c->peer;

    if (c->user[0] != '\0')
        return c->user;
    if ((addr_is_loopback(peer) || addr_same_host(peer, (struct sockaddr *)&c->local)) &&
        tcptable_find(peer, (struct sockaddr *)&c->local, &e) == 1)
        snprintf(c->user, sizeof c->user, "uid %lu", e.uid);
    else
        snprintf(c->user, sizeof c->user, "host %s", c->addr);
    return c->user;
}

void rv_conns_open(struct rv_conns *s, int tcp, int udp)
{
    socklen_t len = sizeof s->udp_local;

    s->tcp = tcp;
    s->udp = udp;
    sock_set_nonblocking(tcp);
    sock_set_nonblocking(udp);
    getsockname(udp, (struct sockaddr *)&s->udp_local, &len);
    reply_guard_init(&s->guard);
    reply_guard_hold(&s->guard, addr_port((struct sockaddr *)&s->udp_local));
    serve_want_destination(udp); /* to learn a datagram's destination */
}

int rv_conns_poll(struct rv_conns *s, const char **why)
{
    struct pollfd *grown = realloc(s->pfd, (s->n + 3) * sizeof *s->pfd);
    long long next, due;
    size_t i;
    int ready = 0;

    if (grown == NULL)
        return -1; /* out of memory: stop, as cleanly as we can */
    s->pfd = grown;
    s->now = clock_now_ms();
    if (s->paused_until != 0 && s->now >= s->paused_until)
        s->paused_until = 0;
    s->pfd[0].fd = signals_install();
    s->pfd[1].fd = s->paused_until == 0 ? s->tcp : -1;
    s->pfd[2].fd = s->udp;
    next = s->paused_until != 0 ? s->paused_until : -1;
    due = reply_guard_tick(&s->guard, s->now); /* "not answering ..." lines */
    if (due != 0 && (next < 0 || due < next))
        next = due;
    for (i = 0; i < s->n; i++) {
        s->pfd[i + 3].fd = s->c[i].fd;
        if (s->c[i].owns == 0 && (next < 0 || s->c[i].last + s->idle_ms < next))
            next = s->c[i].last + s->idle_ms;
    }
    for (i = 0; i < s->n + 3; i++) {
        s->pfd[i].events = POLLIN;
        s->pfd[i].revents = 0;
    }
    if (poll(s->pfd, (nfds_t)(s->n + 3),
             next < 0 ? -1 : (int)(next > s->now ? next - s->now : 0)) < 0 && errno != EINTR)
        return -1;
    s->now = clock_now_ms();
    if (s->pfd[0].revents & POLLIN) {
        *why = signals_which(s->pfd[0].fd);
        return -1;
    }
    for (i = 0; i < s->n; i++)
        s->c[i].ready = s->pfd[i + 3].revents != 0;
    /* Idle ones go; by index from the end: rv_conns_drop() moves the last. */
    for (i = s->n; i-- > 0;) {
        if (!s->c[i].ready && s->c[i].owns == 0 && s->now >= s->c[i].last + s->idle_ms) {
            narrate("tcp %s: still open %ld ms after its reply: closed it (an idle "
                    "client must not hold the server)", s->c[i].who, s->idle_ms);
            rv_conns_drop(s, i, "idle");
        }
    }
    if (s->pfd[1].fd >= 0 && (s->pfd[1].revents & POLLIN))
        ready |= RV_READY_TCP;
    if (s->pfd[2].revents & POLLIN)
        ready |= RV_READY_UDP;
    return ready;
}

void rv_conns_rest(struct rv_conns *s, int err)
{
    if (err != EMFILE && err != ENFILE)
        return;
    if (rv_limit_ok(&s->out_of_fds, s->now))
        narrate("out of file descriptors (%s): new clients wait in the queue",
                narrate_errno_name(err));
    s->paused_until = s->now + 100;
}

void rv_conn_asker(struct rv_conn *c, struct rv_asker *a)
{
    a->owner = c->fd;
    a->who = c->who;
    a->addr = c->addr;
    a->refuse = c->refuse;
    a->user = NULL; /* set at a REGISTER: rv_conn_user() */
}

int rv_conns_udp_ok(struct rv_conns *s, char *who, size_t who_cap, char *addr,
                    size_t addr_cap)
{
    char where[ADDR_STRLEN], one;
    union serve_addr peer, local;
    int group;

    if (serve_receive(s->udp, &one, 0, MSG_PEEK, &peer, &local, &group) < 0)
        return 0;
    if (!reply_guard_ok(&s->guard, &peer.sa, &local.sa, group, s->now)) {
        (void)recv(s->udp, &one, 1, 0); /* the peeked datagram: dropped */
        return 0;
    }
    snprintf(who, who_cap, "udp %s", addr_format(&peer.sa, where, sizeof where));
    addr_host(&peer.sa, addr, addr_cap);
    return 1;
}

const char *rv_conn_too_long(struct rv_conn *c)
{
    char reply[64];

    narrate("%s: bad request: line too long (over %d bytes)", c->who, RV_LINE_MAX);
    snprintf(reply, sizeof reply, "ERR line too long: at most %d bytes\n", RV_LINE_MAX);
    goodbye(c->fd, reply); /* without a reset that could swallow the ERR */
    return "it sent a line too long to be a request";
}

void rv_conns_free(struct rv_conns *s, const char *why)
{
    while (s->n > 0)
        rv_conns_drop(s, s->n - 1, why);
    close(s->tcp);
    close(s->udp);
    free(s->c);
    free(s->pfd);
    s->c = NULL;
    s->pfd = NULL;
}
