/* services-server - a port number is a convention, not a law.
 *
 * WHAT IT SHOWS
 *   IANA registers which service belongs on which port (telnet on TCP 23),
 *   and /etc/services is the system's copy of that list. But the kernel
 *   does not care: any program may serve anything on any port it may bind.
 *   This server serves its own tiny "protocol" - one banner line saying
 *   what it really is - on a port that /etc/services gives to something
 *   else: 23 (telnet's) when it may bind it, otherwise a registered port
 *   that belongs to another service. It says which, and why.
 *
 * HOW TO RUN IT
 *   terminal 1:  sudo bin/services-server          (port 23: not telnet at all)
 *                bin/services-server               (as yourself: a registered port)
 *   terminal 2:  bin/services-client -r 1-1024     (a polite scan: guess vs banner)
 *                bin/services-client lookup telnet 23 2000
 *   or:          make demo DEMO=services
 *
 * PRIVILEGE
 *   Only for port 23; without it the server picks a registered port instead.
 *
 * LESSON: docs/services.md    MAN PAGES: services(5), getservbyport(3),
 *   getservent(3), bind(2)
 */
#include "portlab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char default_port[] = "23"; /* telnet's: the primer's example */
#define FIRST_REGISTERED 1024
#define LAST_REGISTERED 49151

static int try_port(const struct opts *o, unsigned port);
static unsigned choose_port(const struct opts *o);
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);

int main(int argc, char **argv)
{
    struct opts o;
    const char *tcp_name, *udp_name;
    int tcp, udp, rc, i;

    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    opts_init(&o, OPTS_SERVER, default_port, "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, NULL);
    if (o.host == NULL && o.family == AF_UNSPEC)
        o.family = AF_INET;
    /* 1. The port: -p, or telnet's when we may bind it, else a port the
     *    registry gives to some other service. */
    if (o.port_text == default_port) /* no -p given: choose */
        o.port = choose_port(&o);

    /* 2. THE LESSON: what the registry says about the port we are about
     *    to serve on - and what really answers there. */
    if (o.port != 0) {
        tcp_name = services_name(o.port, "tcp");
        narrate("%s says port %u/tcp is %s", SERVICES_FILE, o.port,
                tcp_name != NULL ? tcp_name : "nobody's (no entry)");
        udp_name = services_name(o.port, "udp");
        narrate("%s says port %u/udp is %s", SERVICES_FILE, o.port,
                udp_name != NULL ? udp_name : "nobody's (no entry)");
        narrate("what really answers here: a one-line banner, nothing else - the number "
                "is a convention, not a law");
    }
    /* 3. Bind and serve: the kernel checks privilege and whether the port
     *    is free, never what /etc/services says (common/serve.c). */
    if (serve_open(&o, &tcp, &udp) != 0)
        return EXIT_FAILED;
    rc = serve_run(tcp, udp, o.count, reply, NULL);
    close(tcp);
    close(udp);
    return rc;
}

/* May we bind this TCP and UDP port on the address? A bind() that we undo.
 * Returns 0 if both worked, else the errno of the one that failed. */
static int try_port(const struct opts *o, unsigned port)
{
    struct addrinfo *ai;
    int fd, err = 0;

    if (addr_resolve(o->host, port, o->family, SOCK_STREAM, 1, &ai) != 0)
        return EINVAL;
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    /* THE LESSON: bind() asks only "free?" and "allowed?"; whose port the
     * registry says it is, the kernel never asks. */
    err = fd < 0 ? errno : bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (fd >= 0)
        close(fd);
    if (err == 0) {
        fd = socket(ai->ai_family, SOCK_DGRAM, 0);
        err = fd < 0 ? errno : bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
        if (fd >= 0)
            close(fd);
    }
    freeaddrinfo(ai);
    return err;
}

/* With no -p: telnet's port when we may bind it, else the first free
 * registered port that /etc/services gives to some other service. */
static unsigned choose_port(const struct opts *o)
{
    struct services_entry e;
    struct services_walk w;
    unsigned port = 0;
    int err = try_port(o, 23);

    if (err == 0) {
        narrate("choosing port 23: we may bind it (%s)",
                privilege_bind_reason(23) != NULL ? privilege_bind_reason(23)
                                                  : "the kernel said yes");
        return 23;
    }
    /* Say why from what the kernel answered, not from a guess. */
    if (err == EADDRINUSE)
        narrate("not port 23: it is already taken (EADDRINUSE)");
    else if (err == EACCES && privilege_threshold() > 23 &&
             privilege_cap_state().state == PRIV_CAP_HELD)
        narrate("not port 23: refused (EACCES) although we hold CAP_NET_BIND_SERVICE, so "
                "not by the low-port rule: by a security module or a seccomp filter; which "
                "one, this program cannot tell");
    else if (err == EACCES && privilege_threshold() > 23)
        narrate("not port 23: binding it needs privilege we do not have (EACCES)");
    else
        narrate("not port 23: the kernel refused it (%s)", narrate_errno_name(err));
    if (!services_available()) {
        narrate("%s; letting the kernel choose instead", services_missing());
        return 0;
    }
    /* Walk the registry in file order, tcp entries only. */
    services_walk_start(&w);
    while (services_walk_next(&w, &e)) {
        if (strcmp(e.proto, "tcp") == 0 && e.port >= FIRST_REGISTERED &&
            e.port <= LAST_REGISTERED && try_port(o, e.port) == 0) {
            port = e.port;
            break;
        }
    }
    services_walk_end(&w);
    if (port != 0)
        narrate("choosing port %u instead: the first free registered port in %s", port,
                SERVICES_FILE);
    return port;
}

/* Every client gets the banner: the only honest statement of what this is. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char who[ADDR_STRLEN];

    (void)ctx;
    snprintf(line, cap, "portlab services-server (pid %ld): just a banner, whatever "
             "%s says about this port\n", (long)getpid(), SERVICES_FILE);
    narrate("%s %s: sent the banner", ev->proto, addr_format(ev->peer, who, sizeof who));
}
