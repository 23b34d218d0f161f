/* drain.c - graceful closing of served TCP connections. See drain.h. */
#include "drain.h"
#include "clock.h"
#include "narrate.h"
#include "wait.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int grow(struct drain_set *s, size_t cap)
{
    struct pollfd *p = realloc(s->pfd, cap * sizeof *p);
    struct drain_conn *c;

    if (p == NULL)
        return -1;
    s->pfd = p;
    c = realloc(s->conn, cap * sizeof *c);
    if (c == NULL)
        return -1;
    s->conn = c;
    s->cap = cap;
    return 0;
}

int drain_init(struct drain_set *s, size_t nfixed)
{
    size_t i;

    s->pfd = NULL;
    s->conn = NULL;
    s->hangup_fn = NULL;
    s->hangup_ctx = NULL;
    s->nfixed = s->n = nfixed;
    s->cap = 0;
    s->idle_ms = (int)wait_idle_ms(DRAIN_IDLE_MS);
    if (grow(s, nfixed + 16) != 0)
        return -1;
    for (i = 0; i < nfixed; i++) {
        s->pfd[i].fd = -1;
        s->pfd[i].events = POLLIN;
        s->pfd[i].revents = 0;
    }
    return 0;
}

void drain_add(struct drain_set *s, int fd, const struct sockaddr *peer)
{
    struct drain_conn *c;

    if (s->n == s->cap && grow(s, s->cap * 2) != 0) {
        close(fd);
        return;
    }
    s->pfd[s->n].fd = fd;
    s->pfd[s->n].events = POLLIN;
    s->pfd[s->n].revents = 0;
    c = &s->conn[s->n];
    c->deadline_ms = clock_now_ms() + s->idle_ms;
    c->drained = 0;
    memset(&c->peer, 0, sizeof c->peer);
    memcpy(&c->peer, peer, peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                       : sizeof(struct sockaddr_in));
    addr_format(peer, c->who, sizeof c->who);
    s->n++;
}

/* Forget connection i (closed already, or closed here when close_it). */
static void forget(struct drain_set *s, size_t i, int close_it)
{
    if (close_it)
        close(s->pfd[i].fd);
    s->n--;
    s->pfd[i] = s->pfd[s->n];
    s->conn[i] = s->conn[s->n];
}

int drain_poll(struct drain_set *s, int max_ms)
{
    long long now = clock_now_ms(), first = -1;
    int timeout = -1, rc;
    size_t i;
    char junk[4096];
    ssize_t got;

    for (i = s->nfixed; i < s->n; i++)
        if (first < 0 || s->conn[i].deadline_ms < first)
            first = s->conn[i].deadline_ms;
    if (first >= 0)
        timeout = first <= now ? 0 : (int)(first - now);
    if (max_ms >= 0 && (timeout < 0 || max_ms < timeout))
        timeout = max_ms;

    rc = poll(s->pfd, (nfds_t)s->n, timeout);
    if (rc < 0)
        return rc;
    now = clock_now_ms();
    for (i = s->nfixed; i < s->n;) {
        int done = now >= s->conn[i].deadline_ms, closed = 0;

        if (done)
            narrate("tcp %s: still open %d ms after its reply: closed it (an idle "
                    "client must not hold the server)", s->conn[i].who, s->idle_ms);
        if (!done && s->pfd[i].revents != 0) {
            got = read(s->pfd[i].fd, junk, sizeof junk);
            if (got > 0)
                s->conn[i].drained += (size_t)got;
            done = got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR);
            if (got == 0 && s->hangup_fn != NULL) {
                s->hangup_fn(s->pfd[i].fd, (const struct sockaddr *)&s->conn[i].peer,
                             s->hangup_ctx);
                closed = 1; /* by hangup_fn */
            }
            if (!done && s->conn[i].drained > DRAIN_MAX_BYTES) {
                narrate("tcp %s: sent more than %d bytes that nobody reads: closed it",
                        s->conn[i].who, DRAIN_MAX_BYTES);
                done = 1;
            }
        }
        if (done)
            forget(s, i, !closed); /* the swapped-in slot is looked at next */
        else
            i++;
    }
    return rc;
}

size_t drain_count(const struct drain_set *s)
{
    return s->n - s->nfixed;
}

void drain_free(struct drain_set *s)
{
    while (s->n > s->nfixed)
        forget(s, s->n - 1, 1);
    free(s->pfd);
    free(s->conn);
    s->pfd = NULL;
    s->conn = NULL;
}
