/* rvconns.c - see rvconns.h. */
#include "rvconns.h"
#include "narrate.h"
#include "tcptable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void rv_conns_init(struct rv_conns *s, struct rv_table *table)
{
    struct rlimit r;
    long room;

    memset(s, 0, sizeof *s);
    s->table = table;
    s->lookers_max = RV_LOOKERS_MAX;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
        return;
    room = (long)r.rlim_cur - 16 - RV_ENTRIES_MAX;
    if (room < 4)
        room = 4;
    if (room < RV_LOOKERS_MAX)
        s->lookers_max = (size_t)room;
}

struct rv_conn *rv_conns_add(struct rv_conns *s, int fd, const struct sockaddr *peer,
                             const struct sockaddr *local, int remote_ok, long long now)
{
    struct rv_conn *c;

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
    c->last = now;
    memcpy(&c->peer, peer, peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                       : sizeof(struct sockaddr_in));
    memcpy(&c->local, local, local->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                          : sizeof(struct sockaddr_in));
    addr_format(peer, c->who, sizeof c->who);
    addr_host(peer, c->addr, sizeof c->addr);
    /* Registrations come from this host only, as rpcbind's do: from a
     * loopback address, or from the very address it reached us on. */
    if (!remote_ok && !addr_is_loopback(peer) && !addr_same_host(peer, local))
        c->refuse = "registrations come from the directory's own host (--remote allows others)";
    return c;
}

void rv_conns_drop(struct rv_conns *s, size_t i, const char *why)
{
    rv_table_drop_owner(s->table, s->c[i].fd, why);
    close(s->c[i].fd);
    s->c[i] = s->c[--s->n];
}

void rv_conns_make_room(struct rv_conns *s, long long now)
{
    static struct narrate_limit q;
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
    if (narrate_limit_ok(&q, now)) {
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
