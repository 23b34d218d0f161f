/* rendezvous-server - a service with no fixed port, found through a
 * directory, as NFS and NIS are found through rpcbind.
 *
 * WHAT IT SHOWS
 *   A server does not need a well-known port if clients have another way
 *   to learn it. This one binds port 0 - any port the kernel gives it -
 *   learns which with getsockname(), and registers "NAME tcp PORT" with the
 *   directory on its fixed port. It keeps that connection open: the
 *   registration lives exactly as long as the server does. On Ctrl-C it
 *   unregisters; killed outright, its kernel closes the connection and
 *   the directory drops the name anyway.
 *
 * HOW TO RUN IT
 *   1: bin/rendezvous-directory       2: bin/rendezvous-server clock
 *   3: bin/rendezvous-client clock    (run 2 again: another port each time)
 *   or: make demo DEMO=rendezvous
 *
 * OPTIONS beyond -p/-b/-n: NAME (default "hello"); -D PORT the directory's
 * port (8111), -d HOST its host (127.0.0.1, or ::1 with -6).
 *
 * LESSON: docs/rendezvous.md    MAN PAGES: bind(2), getsockname(2),
 *   connect(2), rpcbind(8)
 */
#include "portlab.h"
#include "rendezvous.h" /* this demo's own: its line protocol */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_DIRECTORY_PORT "8111"
#define DIRECTORY_MS 3000 /* a whole registration: connect, greeting, answer */
#define GOODBYE_MS 1000   /* on the way out, for the answer to UNREGISTER */
#define RETRIES 5         /* registering again: attempts, 1 s apart, then 2 s... */
#define RETRY_MS 1000

static const char *const HELP =
    "  NAME        the name to register (default hello)\n"
    "  -D PORT     the directory's port (default 8111)\n"
    "  -d HOST     the directory's host (default 127.0.0.1, or ::1 with -6)\n";

static const char *service_name = "hello";

/* Our link to the directory. Registering is a short conversation - connect,
 * read the greeting, send REGISTER, read "OK" - and each step waits on the
 * network. The serve loop must never wait with it (its clients would wait
 * too), so the link remembers which step it is at, and the loop calls
 * directory_event() when the socket has something or time is up. */
enum step { RESTING, GREETING, ANSWER, LINKED };

struct link {
    struct addrinfo *dir;       /* the directory's address */
    struct sockaddr_storage me; /* our listening address and port */
    int here;                   /* we listen on one address only: register "here" */
    int tries;                  /* attempts since the connection dropped */
    enum step step;
    char line[RV_LINE_MAX + 2]; /* the directory's line, as it arrives */
    size_t have;
};

/* How long the directory may take to register us: DIRECTORY_MS, or
 * PORTLAB_DIRECTORY_MS for tests that cannot wait seconds. */
static long directory_ms(void)
{
    return wait_env_ms("PORTLAB_DIRECTORY_MS", DIRECTORY_MS);
}

static void report_connect(const struct sockaddr *dir, int err)
{
    report_sys("connect", "tcp", dir, err);
    if (err == ECONNREFUSED)
        report("why: is the directory running there? start it first: "
               "bin/rendezvous-directory");
}

/* The first step: socket(), and a connect() that does not wait - its
 * outcome reaches the loop later. Returns the socket, or -1 after saying
 * why. */
static int dial(struct link *l)
{
    const struct sockaddr *dir = l->dir->ai_addr;
    struct sockaddr_storage from;
    int d, err;

    d = socket(dir->sa_family, SOCK_STREAM, 0);
    if (d < 0) {
        report_sys("socket", "tcp", dir, errno);
        return -1;
    }
    if (l->here) {
        /* We listen on one address only: call from it, so the directory
         * records that address - it takes none on our word. */
        memcpy(&from, &l->me, sizeof from);
        addr_set_port((struct sockaddr *)&from, 0);
        if (bind(d, (struct sockaddr *)&from, l->dir->ai_addrlen) != 0) {
            report_sys("bind", "tcp", (struct sockaddr *)&from, errno);
            close(d);
            return -1;
        }
    }
    wait_nonblocking(d);
    err = connect(d, dir, l->dir->ai_addrlen) == 0 ? 0 : errno;
    if (err != 0 && err != EINPROGRESS) {
        report_connect(dir, err);
        close(d);
        return -1;
    }
    l->step = GREETING;
    l->have = 0;
    return d;
}

/* Take what has arrived of the directory's line (a TCP stream may bring it
 * in pieces, or with the next line behind it: that one stays in the
 * socket). Returns 1 once l->line is whole (its newline removed), 0 while
 * it is not, -1 after saying what went wrong. */
static int read_line(struct link *l, int fd)
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
        report_sys("recv", "tcp", l->dir->ai_addr, errno);
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

static int send_line(const struct link *l, int fd, const char *text)
{
    char line[RV_LINE_MAX + 2];
    int len = snprintf(line, sizeof line, "%s\n", text);

    /* One short line into a new connection: it fits in the socket's send
     * buffer, so this send() does not wait. */
    if (send(fd, line, (size_t)len, 0) != len) {
        report_sys("send", "tcp", l->dir->ai_addr, errno);
        return -1;
    }
    return 0;
}

/* The rest of the conversation, one step each time the socket is readable
 * or time is up: the greeting, then the answer to REGISTER. Returns 1 when
 * registered, 0 while under way, -1 after saying why it failed. */
static int converse(struct link *l, int fd, int late)
{
    const struct sockaddr *dir = l->dir->ai_addr;
    char request[RV_LINE_MAX + 1], where[ADDR_STRLEN], shown[4 * RV_LINE_MAX + 8];
    int err = wait_connect_outcome(fd), got = 0;

    if (err == 0)
        got = read_line(l, fd);
    else if (err != EINPROGRESS) {
        report_connect(dir, err);
        return -1;
    }
    if (got == 0 && late) {
        addr_format(dir, where, sizeof where);
        if (err == EINPROGRESS)
            report("connect(tcp %s): no answer to the connection request (SYN) within %ld ms",
                   where, directory_ms());
        else
            report("recv(tcp %s): connected, then no %s within %ld ms", where,
                   l->step == GREETING ? "greeting" : "answer to REGISTER", directory_ms());
        report("why: the limit is this server's own, not the kernel's: %s",
               err == EINPROGRESS ? "the host is down or absent, a firewall drops the "
                                    "packets, or the listener's queue is full (it accepts "
                                    "no connections)"
                                  : "what listens there is slow, stuck, or not a rendezvous "
                                    "directory");
        return -1;
    }
    if (got <= 0)
        return got;
    if (l->step == GREETING) {
        snprintf(request, sizeof request, "REGISTER %s tcp %u%s", service_name,
                 addr_port((const struct sockaddr *)&l->me), l->here ? " here" : "");
        narrate("to the directory at %s: %s", addr_format(dir, where, sizeof where), request);
        l->step = ANSWER;
        l->have = 0;
        return send_line(l, fd, request);
    }
    narrate_safe(l->line, shown, sizeof shown); /* text from the network */
    if (strncmp(l->line, "OK ", 3) != 0) {
        report("the directory said: %s", shown);
        if (strncmp(l->line, "ERR name taken", 14) == 0)
            report("why: the directory already holds %s for another connection, one it still "
                   "counts as open (a registration lasts as long as the connection that made "
                   "it): most likely another rendezvous-server took the name first; the "
                   "directory's list (rendezvous-client -l) shows the port it points to, and "
                   "ss -ltnp 'sport = :PORT' the program there; stop that one, or give this one another name (rendezvous-server NAME)", service_name);
        return -1;
    }
    narrate("the directory said: %s - for as long as this connection stays open", shown);
    l->step = LINKED;
    return 1;
}

/* The serve loop watches our directory connection: the directory says
 * nothing on it, so anything readable is its end - it stopped, or was
 * restarted, and our registration went with it. Register again, a few
 * times, further apart each time; then give up, since nobody could find
 * us any more. */
static int directory_event(struct serve_watch *w)
{
    struct link *l = w->ctx;
    char junk[256];
    ssize_t got;
    int done;

    if (l->step == LINKED) {
        got = recv(w->fd, junk, sizeof junk, 0);
        if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)))
            return 0; /* words we did not ask for: ignored */
        narrate("the directory closed our connection (%s): our registration went with it",
                got == 0 ? "end of file" : errno_name(errno));
        close(w->fd);
        w->fd = -1;
        l->step = RESTING;
        l->tries = 0;
        w->wake_ms = wait_now_ms(); /* at once */
        return 0;
    }
    if (l->step == RESTING) {
        l->tries++;
        narrate("registering again, attempt %d of %d", l->tries, RETRIES);
        w->fd = dial(l);
        w->wake_ms = wait_now_ms() + directory_ms();
        done = w->fd >= 0 ? 0 : -1;
    } else {
        done = converse(l, w->fd, wait_now_ms() >= w->wake_ms);
    }
    if (done > 0)
        w->wake_ms = 0;
    if (done >= 0)
        return 0;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    l->step = RESTING;
    if (l->tries >= RETRIES) {
        report("no directory to register with after %d attempts: nobody can find us any "
               "more, so we stop", RETRIES);
        return 1;
    }
    w->wake_ms = wait_now_ms() + wait_env_ms("PORTLAB_RETRY_MS", RETRY_MS) * l->tries;
    return 0;
}

/* Leave politely, and say what the directory answered - if it does so in
 * GOODBYE_MS. (Killed, we could not: the closed connection tells the
 * directory just the same.) */
static void unregister(struct link *l, int fd)
{
    char request[RV_LINE_MAX + 1], shown[4 * RV_LINE_MAX + 8];
    long long end = wait_now_ms() + GOODBYE_MS;
    int got = 0;

    snprintf(request, sizeof request, "UNREGISTER %s", service_name);
    if (send_line(l, fd, request) != 0)
        return;
    l->have = 0;
    while (got == 0 && wait_for(fd, POLLIN, (long)(end - wait_now_ms())) > 0)
        got = read_line(l, fd);
    if (got > 0)
        narrate("to the directory: %s; it said: %s", request,
                narrate_safe(l->line, shown, sizeof shown)); /* text from the network */
    else if (got == 0)
        narrate("to the directory: %s; no answer within %d ms: closing the connection "
                "unregisters us just the same", request, GOODBYE_MS);
}

static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char who[ADDR_STRLEN];

    (void)ctx;
    snprintf(line, cap, "rendezvous-server %s (pid %ld): you found port %u through the "
             "directory\n", service_name, (long)getpid(), addr_port(ev->local));
    narrate("tcp %s: found us, sent it one line", addr_format(ev->peer, who, sizeof who));
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    struct link l;
    struct serve_watch w;
    socklen_t len = sizeof l.me;
    const char *dir_host = NULL, *dir_port_text = DEFAULT_DIRECTORY_PORT;
    char where[ADDR_STRLEN], request[RV_LINE_MAX + 1], why[200];
    struct rv_request check;
    const char *bad;
    unsigned dir_port;
    int tcp, rc, i, done;

    narrate_init(argv[0]);
    signals_install();
    opts_init(&o, OPTS_SERVER, "0", "[-D PORT] [-d HOST] [NAME]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(&o, argc, argv, &i))
            continue;
        if ((strcmp(argv[i], "-D") == 0 || strcmp(argv[i], "-d") == 0) && i + 1 >= argc)
            opts_usage_error(&o, "option %s needs a value", argv[i]);
        else if (strcmp(argv[i], "-D") == 0)
            dir_port_text = argv[++i];
        else if (strcmp(argv[i], "-d") == 0)
            dir_host = argv[++i];
        else if (argv[i][0] != '-' && strcmp(service_name, "hello") == 0 && argv[i][0] != '\0')
            service_name = argv[i];
        else
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(&o, "tcp");
    if (port_parse(dir_port_text, "tcp", &dir_port, why, sizeof why) != 0)
        opts_usage_error(&o, "bad directory port '%s': %s", dir_port_text, why);
    if (dir_port == 0)
        opts_usage_error(&o, "bad directory port '0': the directory needs a real port");
    snprintf(request, sizeof request, "LOOKUP %s", service_name);
    if (rv_parse_request(request, &check, &bad) != 0) /* the protocol's rules for names */
        opts_usage_error(&o, "bad name '%s': 1-32 letters, digits, '.', '_' or '-'",
                         service_name);
    if (dir_host == NULL)
        dir_host = o.family == AF_INET6 ? "::1" : "127.0.0.1";
    if (o.host == NULL && o.family == AF_UNSPEC)
        o.family = AF_INET;

    /* 1. Our own port: port 0, so the kernel chooses. No number to agree
     *    on in advance - that is what the directory is for. */
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 1, &ai) != 0)
        return EXIT_FAILED;
    tcp = socket(ai->ai_family, SOCK_STREAM, 0);
    if (tcp >= 0)
        addr_dual_stack(tcp, ai->ai_addr); /* [::]: IPv4 clients too */
    if (tcp < 0 || bind(tcp, ai->ai_addr, ai->ai_addrlen) != 0 || listen(tcp, SOMAXCONN) != 0) {
        report_sys("bind", "tcp", ai->ai_addr, errno);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    /* getsockname(): which port did we get? This is what we register. */
    getsockname(tcp, (struct sockaddr *)&l.me, &len);
    addr_format((struct sockaddr *)&l.me, where, sizeof where);
    freeaddrinfo(ai);
    narrate("bound to %s: a port nobody could have known in advance", where);
    /* Our socket is open: keep no root and no capability (common/); the
     * directory connection, now and later, needs none. */
    if (privilege_give_up(o.user, 0) < 0) {
        close(tcp);
        return EXIT_FAILED;
    }
    /* -b: one address only. The directory must then name that address,
     * not its own, to the clients that ask. */
    l.here = o.host != NULL;
    l.tries = 0;

    /* 2. The first contact needs a fixed port: the directory's. */
    if (addr_resolve(dir_host, dir_port, l.me.ss_family == AF_INET6 && l.here ? AF_INET6 :
                     l.here ? AF_INET : AF_UNSPEC, SOCK_STREAM, 0, &l.dir) != 0) {
        close(tcp);
        return EXIT_FAILED;
    }
    /* The same conversation as in the serve loop, waited for here: there
     * are no clients yet, and without a registration we have none to serve. */
    w.fd = dial(&l);
    w.wake_ms = wait_now_ms() + directory_ms();
    done = w.fd >= 0 ? 0 : -1;
    while (done == 0) {
        wait_for(w.fd, POLLIN, (long)(w.wake_ms - wait_now_ms()));
        done = converse(&l, w.fd, wait_now_ms() >= w.wake_ms);
    }
    if (done < 0) {
        if (w.fd >= 0)
            close(w.fd);
        close(tcp);
        freeaddrinfo(l.dir);
        return EXIT_FAILED;
    }
    narrate("ready on %s (tcp), registered as %s", where, service_name);

    /* 3. Serve, until stopped - watching the directory connection. */
    w.wake_ms = 0;
    w.fn = directory_event;
    w.ctx = &l;
    rc = serve_run_watching(tcp, -1, &w, o.count, reply, NULL);
    close(tcp);

    /* 4. Leave politely - if we are registered at the moment. */
    if (l.step == LINKED)
        unregister(&l, w.fd);
    freeaddrinfo(l.dir);
    if (w.fd >= 0)
        close(w.fd);
    return rc;
}
