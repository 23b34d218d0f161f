/* privileged-server - ports below 1024 need privilege to BIND.
 *
 * WHAT IT SHOWS
 *   The primer says ports 0-1023 may be used only by root. On Linux the
 *   precise rule is: bind() of a port below net.ipv4.ip_unprivileged_port_start
 *   (1024 unless someone changed it; often 0 in containers) needs the
 *   capability CAP_NET_BIND_SERVICE. Root has it. This server tries to bind
 *   port 23 (telnet's) for TCP and UDP, and explains the outcome either way:
 *   - EACCES as an ordinary user: who we are, the capability, the threshold
 *     the kernel uses, and the ways out. Exit 1.
 *   - success: why it was allowed. As root it then DROPS root at once, shows
 *     that the ports it holds stay its own (privilege is checked only at
 *     bind time), and that a new low bind now fails. Then it serves.
 *
 * HOW TO RUN IT
 *   as yourself:  bin/privileged-server             -> EACCES, explained
 *                 bin/privileged-server -p 2323     -> fine: above the threshold
 *   as root:      sudo bin/privileged-server        -> binds 23, becomes nobody
 *   then:         bin/privileged-client 127.0.0.1   (as yourself: reaching 23 is free)
 *   or:           make demo DEMO=privileged
 *
 * PRIVILEGE
 *   The point of the demo. Granting only the one right, without root:
 *     sudo setcap cap_net_bind_service=+ep bin/privileged-server
 *
 * LESSON: docs/privileged.md    MAN PAGES: bind(2), capabilities(7), ip(7)
 *   (its owning user namespace), setuid(2), setcap(8); the threshold is in
 *   the kernel's Documentation/networking/ip-sysctl.rst
 */
#include "portlab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "23"     /* telnet's, as in the primer */

/* socket() + bind() (+ listen() for TCP). Returns the socket or -1. */
static int bind_port(const struct addrinfo *ai, int socktype)
{
    const char *proto = addr_proto(socktype);
    struct sockaddr_storage got;
    socklen_t len = sizeof got;
    char where[ADDR_STRLEN];
    int fd = socket(ai->ai_family, socktype, 0), one = 1;

    if (fd < 0) {
        report_sys("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    if (socktype == SOCK_STREAM) /* restart without waiting for TIME_WAIT */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    addr_dual_stack(fd, ai->ai_addr); /* [::]: IPv4 clients too */
    /* THE LESSON: this is where the kernel checks privilege. For a port
     * below its threshold, without CAP_NET_BIND_SERVICE: EACCES. */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) != 0)) {
        report_sys("bind", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    getsockname(fd, (struct sockaddr *)&got, &len);
    narrate("%s bound to %s", proto, addr_format((struct sockaddr *)&got, where, sizeof where));
    return fd;
}

/* After dropping root: ask for one more port below the threshold. */
static void bind_low_again(const struct addrinfo *ai)
{
    unsigned threshold = privilege_threshold(), low;
    struct sockaddr_storage sa;
    int fd;

    if (threshold == 0) {
        narrate("the threshold is 0 here: every port is open to everyone, so a "
                "new low bind would work too");
        return;
    }
    low = threshold - 1;
    memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    addr_set_port((struct sockaddr *)&sa, low);
    narrate("now a new socket asks for port %u, below the threshold:", low);
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0)
        return;
    if (bind(fd, (struct sockaddr *)&sa, ai->ai_addrlen) != 0)
        narrate_sys("bind", "tcp", (struct sockaddr *)&sa, errno);
    else
        narrate("surprise: it worked (%s)", privilege_bind_reason(low));
    close(fd);
}

/* The reply says who answered, and how the client reached us. A client
 * that came FROM a low port gets the story of rsh and rlogin. */
static void reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char who[ADDR_STRLEN];
    unsigned from = addr_port(ev->peer), to = addr_port(ev->local);
    int low = from < 1024;

    (void)ctx;
    addr_format(ev->peer, who, sizeof who);
    snprintf(line, cap, "privileged-server pid %ld, %s: you reached %s port %u from %s%s\n",
             (long)getpid(), privilege_who(), ev->proto, to, who,
             low ? " (a privileged source port)" : "");
    narrate("%s from %s to port %u: reaching a %s port needs no privilege", ev->proto,
            who, to, port_class(to));
    if (low) {
        narrate("%s came from source port %u, below 1024: old rsh/rlogin servers "
                "trusted that as proof the client program ran as root on its host", who, from);
        narrate("that proves nothing today: whoever is root on ANY machine (a laptop, "
                "a VM) can send from any port");
    }
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    const char *reason;
    char where[ADDR_STRLEN];
    int tcp, udp, rc, i, dropped;

    narrate_init(argv[0]);
    signals_install(); /* Ctrl-C or SIGTERM, even during start-up: a clean exit */
    opts_init(&o, OPTS_SERVER, DEFAULT_PORT, "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    opts_finish(&o, NULL);
    if (o.host == NULL && o.family == AF_UNSPEC)
        o.family = AF_INET;
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 1, &ai) != 0)
        return EXIT_FAILED;

    port_narrate_request(o.port);
    privilege_narrate_threshold();
    privilege_narrate();

    /* TCP first, then UDP on the same number: the privilege rule is the
     * same for both protocols, so we try both even if TCP is refused. */
    tcp = bind_port(ai, SOCK_STREAM);
    if (tcp >= 0 && o.port == 0) { /* the kernel chose: use its port for UDP */
        struct sockaddr_storage got;
        socklen_t len = sizeof got;

        getsockname(tcp, (struct sockaddr *)&got, &len);
        o.port = addr_port((struct sockaddr *)&got);
        addr_set_port(ai->ai_addr, o.port);
    }
    udp = bind_port(ai, SOCK_DGRAM);
    if (tcp < 0 || udp < 0) {
        if (tcp >= 0)
            close(tcp);
        if (udp >= 0)
            close(udp);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    reason = privilege_bind_reason(o.port);
    narrate("allowed because %s", reason != NULL ? reason : "the kernel said yes");

    /* Least privilege: the right was needed for bind() alone. Give it up
     * now, before talking to any client (common/privilege.c): root of the
     * machine becomes an ordinary user, -u USER or nobody (privilege_drop()
     * proves there is no way back, and refuses a "user" that is uid 0);
     * anyone else - a program granted the capability by setcap, uid 0 of
     * a user namespace (unshare -r) - gives up every capability it holds. */
    dropped = privilege_give_up(o.user, 1);
    if (dropped < 0) {
        close(tcp);
        close(udp);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    if (dropped > 0) {
        privilege_narrate();
        narrate("we still hold tcp and udp port %u: the kernel checks privilege at "
                "bind() time, not afterwards", o.port);
        bind_low_again(ai);
    }

    narrate("ready on %s (tcp+udp)", addr_format(ai->ai_addr, where, sizeof where));
    freeaddrinfo(ai);
    rc = serve_run(tcp, udp, o.count, reply, NULL);
    close(tcp);
    close(udp);
    return rc;
}
