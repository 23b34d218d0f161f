/* nat-client - our four-tuple as our kernel sees it, and as the server saw it.
 *
 * WHAT IT SHOWS
 *   It connects (TCP, or with -u one UDP datagram on a connected socket),
 *   prints its own end and the server's as its kernel sees them
 *   (getsockname, getpeername), reads the server's answer - the address and
 *   port the server saw us come from, and the one we reached - and says
 *   what changed on the way. Behind a NAT the source address is always
 *   rewritten, and the source port sometimes; through a port forward, the
 *   destination is. -s PORT binds our source port first, so that two hosts
 *   can choose the same one. -w MS (with -u) waits MS more for a late
 *   second answer (nat-server -l): a reply that comes after the router
 *   forgot us does not arrive.
 *
 * HOW TO RUN IT
 *   make demo DEMO=nat
 *   terminal 1: bin/nat-server -b 127.0.0.1 -p 7100
 *   terminal 2: bin/nat-client -p 7100 127.0.0.1
 *
 * PRIVILEGE
 *   None (-s with a port below net.ipv4.ip_unprivileged_port_start: root).
 *
 * LESSON: docs/nat.md    MAN PAGES: bind(2), connect(2), getsockname(2)
 */
#include "portlab.h"
#include "natview.h" /* comparing two views of an end: plumbing */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT "7100"

static const char *const HELP =
    "  -s PORT   bind this source port before connecting (default: the kernel's pick)\n"
    "  -u        UDP: one datagram on a connected socket (default: TCP)\n"
    "  -w MS     with -u: wait MS more for a late second answer (nat-server -l)\n";

static int open_connected(const struct addrinfo *ai, unsigned source, const char *proto, long ms);
static int ask_server(int fd, const struct addrinfo *ai, const char *proto, int udp, long ms);
static int late_answer(int fd, long long end);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    const char *source_text = "0", *proto;
    char why[200];
    unsigned source;
    long late_ms = 0;
    int i, fd, rc, udp = 0, type;

    /* 1. Options: HOST, -p PORT, -s PORT, -u, -w MS. */
    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, DEFAULT_PORT, "[-s PORT] [-u] [-w MS] ", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(&o, argc, argv, &i))
            continue;
        if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "-w") == 0) && i + 1 >= argc)
            opts_usage_error(&o, "option %s needs a value", argv[i]);
        if (strcmp(argv[i], "-s") == 0)
            source_text = argv[++i];
        else if (strcmp(argv[i], "-w") == 0)
            late_ms = opts_number(&o, "-w", argv[++i], 1, 600000);
        else if (strcmp(argv[i], "-u") == 0)
            udp = 1;
        else
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    type = udp ? SOCK_DGRAM : SOCK_STREAM;
    proto = addr_proto(type);
    opts_finish(&o, proto);
    if (port_parse(source_text, proto, &source, why, sizeof why) != 0)
        opts_usage_error(&o, "bad source port '%s': %s", source_text, why);
    if (late_ms > 0 && !udp)
        opts_usage_error(&o, "-w waits for a late UDP answer: give -u too");
    if (addr_resolve(o.host, o.port, o.family, type, 0, &ai) != 0)
        return EXIT_FAILED;

    /* 2. Connect (with -s, from our own choice of source port). */
    fd = open_connected(ai, source, proto, o.timeout_ms);
    /* 3. Our four-tuple as our kernel sees it, and as the server saw it. */
    rc = fd < 0 ? EXIT_FAILED : ask_server(fd, ai, proto, udp, o.timeout_ms);
    /* 4. With -w: does a late answer still find its way back? */
    if (rc == EXIT_OK && late_ms > 0) {
        /* Only the mapping the router still holds turns a reply back
         * to us: a datagram to a forgotten one never arrives. */
        if (late_answer(fd, clock_now_ms() + late_ms))
            narrate("udp: a late answer arrived (the way back was still open)");
        else
            narrate("udp: no late answer within %ld ms (nothing reached this socket)", late_ms);
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return rc;
}

/* socket(), bind() with -s, connect(): returns the connected socket, or
 * -1 (said on stderr). */
static int open_connected(const struct addrinfo *ai, unsigned source, const char *proto, long ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, 0), err;

    if (fd < 0) {
        explain_report("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    if (source != 0) {
        /* THE LESSON (-s): our own source port, bound before connect(). Two
         * home hosts may choose the same one: each is free on its own host. */
        struct sockaddr_storage src;
        int one = 1;

        memset(&src, 0, sizeof src);
        src.ss_family = (sa_family_t)ai->ai_family; /* any address of ours */
        addr_set_port((struct sockaddr *)&src, source);
        /* A last run's connection from this port may wait in TIME_WAIT. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&src, ai->ai_addrlen) != 0) {
            explain_report("bind", proto, (struct sockaddr *)&src, errno);
            close(fd);
            return -1;
        }
    }
    /* THE LESSON: connect(): TCP's handshake; for UDP only the kernel's
     * note of the peer (and the choice of our address and, unbound, our
     * port). Either way our kernel now knows our four-tuple. */
    sock_set_nonblocking(fd);
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (wait_connect_report(fd, err, proto, ai->ai_addr, ms) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One end of our socket as text: getsockname() (ours), getpeername(). */
static void end_of(int fd, int peer, char *buf, size_t cap)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;

    memset(&sa, 0, sizeof sa);
    /* THE LESSON: getsockname() and getpeername() ask OUR kernel for the
     * two ends of the socket: it knows nothing of what a router wrote. */
    if (peer)
        getpeername(fd, (struct sockaddr *)&sa, &len);
    else
        getsockname(fd, (struct sockaddr *)&sa, &len);
    addr_format((struct sockaddr *)&sa, buf, cap);
}

/* Our four-tuple as OUR kernel sees it, then the server's answer: the same
 * four-tuple as the SERVER's kernel saw it, and what changed on the way. */
static int ask_server(int fd, const struct addrinfo *ai, const char *proto, int udp, long ms)
{
    char me[ADDR_STRLEN], them[ADDR_STRLEN], saw[ADDR_STRLEN], reached[ADDR_STRLEN];
    char line[512], shown[200];

    end_of(fd, 0, me, sizeof me);
    end_of(fd, 1, them, sizeof them);
    narrate("%s: our end %s, the server's %s (as our kernel sees them)", proto, me, them);
    if (udp && send(fd, "which address am I?\n", 20, 0) < 0) {
        explain_report("send", proto, ai->ai_addr, errno);
        return EXIT_FAILED;
    }
    if (wait_read_line(fd, proto, ai->ai_addr, ms, line, sizeof line) != 0)
        return EXIT_FAILED;
    if (natview_after(line, "saw you as ", saw, sizeof saw) != 0 ||
        natview_after(line, "you reached ", reached, sizeof reached) != 0) {
        narrate("%s: the reply did not say what the server saw: %s", proto,
                narrate_safe(line, shown, sizeof shown));
        return EXIT_FAILED;
    }
    narrate("%s: the server saw us as %s, and itself as %s", proto, saw, reached);
    narrate("%s: our %s arrived as %s: %s", proto, me, saw, natview_changed(me, saw));
    narrate("%s: we sent to %s and reached %s: %s", proto, them, reached,
            natview_changed(them, reached));
    return EXIT_OK;
}

/* Wait until end (clock_now_ms()'s clock) for the server's late answer:
 * a datagram that starts "nat-server again". Returns 1 if it came. */
static int late_answer(int fd, long long end)
{
    static const char again[] = "nat-server again";
    char buf[512];
    long long now;
    ssize_t got;

    while ((now = clock_now_ms()) < end) {
        if (wait_for(fd, POLLIN, (long)(end - now)) <= 0)
            return 0;
        got = recv(fd, buf, sizeof buf, 0);
        if (got >= (ssize_t)(sizeof again - 1) && memcmp(buf, again, sizeof again - 1) == 0)
            return 1;
    }
    return 0;
}
