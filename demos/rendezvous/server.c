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

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_DIRECTORY_PORT "8111"
#define DIRECTORY_MS 3000 /* how long the directory may take to answer */
#define RETRIES 5         /* registering again: attempts, 1 s apart, then 2 s... */
#define RETRY_MS 1000

static const char *const HELP =
    "  NAME        the name to register (default hello)\n"
    "  -D PORT     the directory's port (default 8111)\n"
    "  -d HOST     the directory's host (default 127.0.0.1, or ::1 with -6)\n";

static const char *service_name = "hello";

/* Our link to the directory: what we registered, and how to do it again. */
struct link {
    struct addrinfo *dir;      /* the directory's address */
    struct sockaddr_storage me; /* our listening address and port */
    int here;                  /* we listen on one address only: register "here" */
    int tries;                 /* attempts since the connection dropped */
};

/* Send one request line to the directory and read its one-line answer. */
static int ask(int fd, const struct sockaddr *dir, const char *request, char *answer,
               size_t cap)
{
    char line[RV_LINE_MAX + 2];

    snprintf(line, sizeof line, "%s\n", request);
    if (send(fd, line, strlen(line), 0) < 0) {
        report_sys("send", "tcp", dir, errno);
        return -1;
    }
    return wait_read_line(fd, "tcp", dir, DIRECTORY_MS, answer, cap);
}

/* Connect to the directory and register our port. Returns the connection
 * (the registration lasts as long as it stays open), or -1 after saying
 * why. */
static int register_with(const struct link *l)
{
    const struct sockaddr *dir = l->dir->ai_addr;
    struct sockaddr_storage from;
    char request[RV_LINE_MAX + 1], answer[RV_LINE_MAX + 2], where[ADDR_STRLEN];
    char shown[4 * RV_LINE_MAX + 8];
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
    wait_nonblocking(d); /* a silent host costs DIRECTORY_MS, not minutes */
    err = connect(d, dir, l->dir->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS)
        err = wait_connected(d, DIRECTORY_MS);
    if (err != 0) {
        report_sys("connect", "tcp", dir, err);
        if (err == ECONNREFUSED)
            report("why: is the directory running there? start it first: "
                   "bin/rendezvous-directory");
        close(d);
        return -1;
    }
    if (wait_read_line(d, "tcp", dir, DIRECTORY_MS, answer, sizeof answer) != 0) {
        close(d);
        return -1;
    }
    snprintf(request, sizeof request, "REGISTER %s tcp %u%s", service_name,
             addr_port((const struct sockaddr *)&l->me), l->here ? " here" : "");
    narrate("to the directory at %s: %s", addr_format(dir, where, sizeof where), request);
    if (ask(d, dir, request, answer, sizeof answer) != 0 || strncmp(answer, "OK ", 3) != 0) {
        report("the directory said: %s", narrate_safe(answer, shown, sizeof shown));
        close(d);
        return -1;
    }
    narrate("the directory said: %s - for as long as this connection stays open",
            narrate_safe(answer, shown, sizeof shown));
    return d;
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

    if (w->wake_ms == 0) {
        got = recv(w->fd, junk, sizeof junk, 0);
        if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)))
            return 0; /* words we did not ask for: ignored */
        narrate("the directory closed our connection (%s): our registration went with it",
                got == 0 ? "end of file" : errno_name(errno));
        close(w->fd);
        w->fd = -1;
        l->tries = 0;
        w->wake_ms = wait_now_ms(); /* at once */
        return 0;
    }
    l->tries++;
    narrate("registering again, attempt %d of %d", l->tries, RETRIES);
    w->fd = register_with(l);
    if (w->fd >= 0) {
        w->wake_ms = 0;
        return 0;
    }
    if (l->tries >= RETRIES) {
        report("no directory to register with after %d attempts: nobody can find us any "
               "more, so we stop", RETRIES);
        return 1;
    }
    w->wake_ms = wait_now_ms() + wait_env_ms("PORTLAB_RETRY_MS", RETRY_MS) * l->tries;
    return 0;
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
    char where[ADDR_STRLEN], request[RV_LINE_MAX + 1], answer[RV_LINE_MAX + 2], why[200];
    char shown[4 * RV_LINE_MAX + 8];
    struct rv_request check;
    const char *bad;
    unsigned dir_port;
    int tcp, rc, i;

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
    w.fd = register_with(&l);
    if (w.fd < 0) {
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

    /* 4. Leave politely. (Killed, we could not: the closed connection
     *    tells the directory just the same.) */
    snprintf(request, sizeof request, "UNREGISTER %s", service_name);
    if (w.fd >= 0 && ask(w.fd, l.dir->ai_addr, request, answer, sizeof answer) == 0)
        narrate("to the directory: %s; it said: %s", request,
                narrate_safe(answer, shown, sizeof shown)); /* text from the network */
    freeaddrinfo(l.dir);
    if (w.fd >= 0)
        close(w.fd);
    return rc;
}
