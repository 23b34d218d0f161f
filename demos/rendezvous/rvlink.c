/* rvlink.c - the rendezvous server's link to the directory. See rvlink.h. */
#include "rvlink.h"
#include "addr.h"
#include "clock.h"
#include "explain.h"
#include "narrate.h"
#include "port.h"
#include "wait.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DIRECTORY_MS 3000 /* a whole registration: connect, greeting, answer */
#define GOODBYE_MS 1000   /* on the way out, for the answer to UNREGISTER */
#define RETRIES 5         /* registering again: attempts, 1 s apart, then 2 s... */
#define RETRY_MS 1000

/* How long the directory may take to register us: DIRECTORY_MS, or
 * PORTLAB_DIRECTORY_MS for tests that cannot wait seconds. */
static long directory_ms(void)
{
    return wait_env_ms("PORTLAB_DIRECTORY_MS", DIRECTORY_MS);
}

void rv_link_options(struct rv_link *l, struct opts *o, int argc, char **argv)
{
    static const char *const help =
        "  NAME        the name to register (default hello)\n"
        "  -D PORT     the directory's port (default 8111)\n"
        "  -d HOST     the directory's host (default 127.0.0.1, or ::1 with -6)\n";
    const char *port_text = "8111", *bad;
    char request[RV_LINE_MAX + 1], why[200];
    struct rv_request check;
    int i;

    memset(l, 0, sizeof *l);
    l->name = "hello";
    l->w.fd = -1;
    opts_init(o, OPTS_SERVER, "0", "[-D PORT] [-d HOST] [NAME]", help);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if ((strcmp(argv[i], "-D") == 0 || strcmp(argv[i], "-d") == 0) && i + 1 >= argc)
            opts_usage_error(o, "option %s needs a value", argv[i]);
        else if (strcmp(argv[i], "-D") == 0)
            port_text = argv[++i];
        else if (strcmp(argv[i], "-d") == 0)
            l->dir_host = argv[++i];
        else if (argv[i][0] != '-' && strcmp(l->name, "hello") == 0 && argv[i][0] != '\0')
            l->name = argv[i];
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, "tcp");
    if (port_parse(port_text, "tcp", &l->dir_port, why, sizeof why) != 0)
        opts_usage_error(o, "bad directory port '%s': %s", port_text, why);
    if (l->dir_port == 0)
        opts_usage_error(o, "bad directory port '0': the directory needs a real port");
    snprintf(request, sizeof request, "LOOKUP %s", l->name);
    if (rv_parse_request(request, &check, &bad) != 0) /* the protocol's rules for names */
        opts_usage_error(o, "bad name '%s': 1-32 letters, digits, '.', '_' or '-'", l->name);
    if (l->dir_host == NULL)
        l->dir_host = o->family == AF_INET6 ? "::1" : "127.0.0.1";
    if (o->host == NULL && o->family == AF_UNSPEC)
        o->family = AF_INET;
    l->here = o->host != NULL; /* -b: we listen on one address only */
}

/* The address family to look the directory up in: ours when we listen on
 * one address only ("here"), else any. */
static int family(const struct rv_link *l)
{
    if (!l->here)
        return AF_UNSPEC;
    return l->me.ss_family == AF_INET6 ? AF_INET6 : AF_INET;
}

void rv_link_report_connect(const struct sockaddr *dir, int err)
{
    explain_report("connect", "tcp", dir, err);
    if (err == ECONNREFUSED)
        report("why: is the directory running there? start it first: "
               "bin/rendezvous-directory");
}

/* Dial: the server's own socket() and connect(); the conversation starts
 * with the greeting. Returns the socket or -1. */
static int dial(struct rv_link *l)
{
    int d = l->dial(l);

    l->step = RV_LINK_GREETING;
    l->have = 0;
    return d;
}

/* Take what has arrived of the directory's line (a TCP stream may bring it
 * in pieces, or with the next line behind it: that one stays in the
 * socket). Returns 1 once l->line is whole (its newline removed), 0 while
 * it is not, -1 after saying what went wrong. */
static int read_line(struct rv_link *l, int fd)
{
    char *end = l->line + l->have, *nl, where[ADDR_STRLEN];
    ssize_t got = recv(fd, end, sizeof l->line - 1 - l->have, MSG_PEEK);

    if (got > 0 && (nl = memchr(end, '\n', (size_t)got)) != NULL)
        got = nl - end + 1; /* up to the newline, no further */
    if (got > 0)
        got = recv(fd, end, (size_t)got, 0);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (got < 0) {
        explain_report("recv", "tcp", l->dir->ai_addr, errno);
        return -1;
    }
    if (got == 0) {
        report("recv(tcp %s): the directory closed the connection without a reply",
               addr_format(l->dir->ai_addr, where, sizeof where));
        return -1;
    }
    l->have += (size_t)got;
    l->line[l->have] = '\0';
    if (memchr(l->line, '\n', l->have) == NULL && l->have < sizeof l->line - 1)
        return 0;
    l->line[strcspn(l->line, "\r\n")] = '\0';
    return 1;
}

static int send_line(const struct rv_link *l, int fd, const char *text)
{
    char line[RV_LINE_MAX + 2];
    int len = snprintf(line, sizeof line, "%s\n", text);

    /* One short line into a new connection: it fits in the socket's send
     * buffer, so this send() does not wait. */
    if (send(fd, line, (size_t)len, 0) != len) {
        explain_report("send", "tcp", l->dir->ai_addr, errno);
        return -1;
    }
    return 0;
}

/* Neither greeting nor answer within directory_ms(): say how far it got. */
static void report_late(const struct rv_link *l, int err)
{
    char where[ADDR_STRLEN];

    addr_format(l->dir->ai_addr, where, sizeof where);
    if (err == EINPROGRESS)
        report("connect(tcp %s): no answer to the connection request (SYN) within %ld ms",
               where, directory_ms());
    else
        report("recv(tcp %s): connected, then no %s within %ld ms", where,
               l->step == RV_LINK_GREETING ? "greeting" : "answer to REGISTER", directory_ms());
    report("why: the limit is this server's own, not the kernel's: %s",
           err == EINPROGRESS ? "the host is down or absent, a firewall drops the "
                                "packets, or the listener's queue is full (it accepts "
                                "no connections)"
                              : "what listens there is slow, stuck, or not a rendezvous "
                                "directory");
}

/* Without waiting: did a non-blocking connect() complete? 0 if so,
 * EINPROGRESS while it is under way, else the error it ended with. */
static int connect_outcome(int fd)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer, elen = sizeof(int);
    int err = 0;

    if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0)
        return 0;
    /* Not connected: the outcome, if any, is the socket's pending error. */
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
        return errno;
    return err != 0 ? err : EINPROGRESS;
}

/* The rest of the conversation, one step each time the socket is readable
 * or time is up: the greeting, then the answer to REGISTER. Returns 1 when
 * registered, 0 while under way, -1 after saying why it failed. */
static int converse(struct rv_link *l, int fd, int late)
{
    const struct sockaddr *dir = l->dir->ai_addr;
    char where[ADDR_STRLEN], shown[4 * RV_LINE_MAX + 8];
    int err = connect_outcome(fd), got = 0;

    if (err == 0)
        got = read_line(l, fd);
    else if (err != EINPROGRESS) {
        rv_link_report_connect(dir, err);
        return -1;
    }
    if (got == 0 && late) {
        report_late(l, err);
        return -1;
    }
    if (got <= 0)
        return got;
    if (l->step == RV_LINK_GREETING) {
        narrate("to the directory at %s: %s", addr_format(dir, where, sizeof where),
                l->request);
        l->step = RV_LINK_ANSWER;
        l->have = 0;
        return send_line(l, fd, l->request);
    }
    narrate_safe(l->line, shown, sizeof shown); /* text from the network */
    if (strncmp(l->line, "OK ", 3) != 0) {
        report("the directory said: %s", shown);
        if (strncmp(l->line, "ERR name taken", 14) == 0)
            report("why: the directory already holds %s for another connection, one it still "
                   "counts as open (a registration lasts at most as long as the connection "
                   "that made it): most likely another rendezvous-server took the name first; the "
                   "directory's list (rendezvous-client -l) shows the port it points to, and "
                   "ss -ltnp 'sport = :PORT' the program there; stop that one, or give this one another name (rendezvous-server NAME)", l->name);
        return -1;
    }
    narrate("the directory said: %s - for as long as this connection stays open", shown);
    l->step = RV_LINK_LINKED;
    return 1;
}

/* The serve loop watches our directory connection: the directory says
 * nothing on it, so anything readable is its end - it stopped, or was
 * restarted, and our registration went with it. Register again, a few
 * times, further apart each time; then give up, since nobody could find
 * us any more. */
static int link_event(struct serve_watch *w)
{
    struct rv_link *l = w->ctx;
    char junk[256];
    ssize_t got;
    int done;

    if (l->step == RV_LINK_LINKED) {
        got = recv(w->fd, junk, sizeof junk, 0);
        if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)))
            return 0; /* words we did not ask for: ignored */
        narrate("the directory closed our connection (%s): our registration went with it",
                got == 0 ? "end of file" : narrate_errno_name(errno));
        close(w->fd);
        w->fd = -1;
        l->step = RV_LINK_RESTING;
        l->tries = 0;
        w->wake_ms = clock_now_ms(); /* at once */
        return 0;
    }
    if (l->step == RV_LINK_RESTING) {
        l->tries++;
        narrate("registering again, attempt %d of %d", l->tries, RETRIES);
        w->fd = dial(l);
        w->wake_ms = clock_now_ms() + directory_ms();
        done = w->fd >= 0 ? 0 : -1;
    } else {
        done = converse(l, w->fd, clock_now_ms() >= w->wake_ms);
    }
    if (done > 0)
        w->wake_ms = 0;
    if (done >= 0)
        return 0;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    l->step = RV_LINK_RESTING;
    if (l->tries >= RETRIES) {
        report("no directory to register with after %d attempts: nobody can find us any "
               "more, so we stop", RETRIES);
        return 1;
    }
    w->wake_ms = clock_now_ms() + wait_env_ms("PORTLAB_RETRY_MS", RETRY_MS) * l->tries;
    return 0;
}

int rv_link_register(struct rv_link *l)
{
    struct serve_watch *w = &l->w;
    int done;

    if (addr_resolve(l->dir_host, l->dir_port, family(l), SOCK_STREAM, 0, &l->dir) != 0)
        return -1;
    /* The same conversation as in the serve loop, waited for here. */
    w->fd = dial(l);
    w->wake_ms = clock_now_ms() + directory_ms();
    done = w->fd >= 0 ? 0 : -1;
    while (done == 0) {
        wait_for(w->fd, POLLIN, (long)(w->wake_ms - clock_now_ms()));
        done = converse(l, w->fd, clock_now_ms() >= w->wake_ms);
    }
    if (done < 0) {
        if (w->fd >= 0)
            close(w->fd);
        w->fd = -1;
        freeaddrinfo(l->dir);
        l->dir = NULL;
        return -1;
    }
    w->wake_ms = 0;
    w->fn = link_event;
    w->ctx = l;
    return 0;
}

void rv_link_end(struct rv_link *l, const char *request)
{
    char shown[4 * RV_LINE_MAX + 8];
    long long end = clock_now_ms() + GOODBYE_MS;
    int got = 0;

    if (l->step == RV_LINK_LINKED && send_line(l, l->w.fd, request) == 0) {
        l->have = 0;
        while (got == 0 && wait_for(l->w.fd, POLLIN, (long)(end - clock_now_ms())) > 0)
            got = read_line(l, l->w.fd);
        if (got > 0)
            narrate("to the directory: %s; it said: %s", request,
                    narrate_safe(l->line, shown, sizeof shown)); /* text from the network */
        else if (got == 0)
            narrate("to the directory: %s; no answer within %d ms: closing the connection "
                    "unregisters us just the same", request, GOODBYE_MS);
    }
    if (l->w.fd >= 0)
        close(l->w.fd);
    l->w.fd = -1;
    if (l->dir != NULL)
        freeaddrinfo(l->dir);
    l->dir = NULL;
}
