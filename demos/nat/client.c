/* nat-client - our four-tuple as our kernel sees it, and as the server saw it.
 *
 * WHAT IT SHOWS
 *   It connects (TCP, or with -u one UDP datagram on a connected socket),
 *   prints its own end and the server's as its kernel sees them
 *   (getsockname, getpeername), reads the server's answer - the address
 *   and port the server saw us come from, and the one we reached - and
 *   says what changed on the way. Behind a NAT the source address is
 *   always rewritten, and the source port sometimes; through a port
 *   forward, the destination is.
 *   -s PORT binds our source port first, so that two hosts can choose the
 *   same one. -w MS (with -u) waits MS more for a late second answer
 *   (nat-server -l): a reply that comes after the router forgot us does
 *   not arrive.
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

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "7100"

static const char *const HELP =
    "  -s PORT   bind this source port before connecting (default: the kernel's pick)\n"
    "  -u        UDP: one datagram on a connected socket (default: TCP)\n"
    "  -w MS     with -u: wait MS more for a late second answer (nat-server -l)\n";

/* One end of our socket, as text: getsockname() (ours) or getpeername(). */
static void end_of(int fd, int peer, char *buf, size_t cap)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;

    memset(&sa, 0, sizeof sa);
    if (peer)
        getpeername(fd, (struct sockaddr *)&sa, &len);
    else
        getsockname(fd, (struct sockaddr *)&sa, &len);
    addr_format((struct sockaddr *)&sa, buf, cap);
}

/* "ADDR:PORT" after marker in the reply (text from the network), checked
 * and made safe; returns 0, or -1 if it is not there. */
static int seen_after(const char *reply, const char *marker, char *out, size_t cap)
{
    char text[ADDR_STRLEN];
    unsigned port;

    if (addr_port_after(reply, marker, &port) != 0)
        return -1;
    snprintf(text, sizeof text, "%s", strstr(reply, marker) + strlen(marker));
    text[strcspn(text, " ")] = '\0';
    narrate_safe(text, out, cap);
    return 0;
}

/* What changed between one end as we see it and as the server saw it. */
static const char *changed(const char *ours, const char *theirs)
{
    char a[ADDR_STRLEN], b[ADDR_STRLEN];
    const char *pa = strrchr(ours, ':'), *pb = strrchr(theirs, ':');
    int same_addr, same_port;

    addr_text_host(ours, a, sizeof a);
    addr_text_host(theirs, b, sizeof b);
    same_addr = strcmp(a, b) == 0;
    same_port = pa != NULL && pb != NULL && strcmp(pa, pb) == 0;
    if (same_addr && same_port)
        return "nothing was rewritten on the way";
    if (same_port)
        return "the address was rewritten on the way, the port kept";
    if (same_addr)
        return "the port was rewritten on the way, the address kept";
    return "the address and the port were rewritten on the way";
}

/* Wait until end (wait_now_ms()'s clock) for the server's late answer:
 * a datagram that starts "nat-server again". Returns 1 if it came. */
static int late_answer(int fd, long long end)
{
    static const char again[] = "nat-server again";
    char buf[512];
    long long now;
    ssize_t got;

    while ((now = wait_now_ms()) < end) {
        if (wait_for(fd, POLLIN, (long)(end - now)) <= 0)
            return 0;
        got = recv(fd, buf, sizeof buf, 0);
        if (got >= (ssize_t)(sizeof again - 1) && memcmp(buf, again, sizeof again - 1) == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *ai;
    const char *source_text = "0", *proto;
    char why[200], me[ADDR_STRLEN], them[ADDR_STRLEN], line[512], saw[ADDR_STRLEN],
        reached[ADDR_STRLEN];
    unsigned source;
    long late_ms = 0;
    int i, fd, err, udp = 0, type;

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

    fd = socket(ai->ai_family, type, 0);
    if (fd < 0) {
        report_sys("socket", proto, ai->ai_addr, errno);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    if (source != 0) {
        /* -s: our choice of source port, bound before connect(). Two
         * home hosts may well choose the same one: each is free on its
         * own host. */
        struct sockaddr_storage src;
        int one = 1;

        memset(&src, 0, sizeof src);
        src.ss_family = (sa_family_t)ai->ai_family; /* any address of ours */
        addr_set_port((struct sockaddr *)&src, source);
        /* A last run's connection from this port may wait in TIME_WAIT. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&src, ai->ai_addrlen) != 0) {
            report_sys("bind", proto, (struct sockaddr *)&src, errno);
            close(fd);
            freeaddrinfo(ai);
            return EXIT_FAILED;
        }
    }
    /* connect(): TCP's handshake; for UDP only the kernel's note of the
     * peer (and the choice of our address and, unbound, our port). */
    wait_nonblocking(fd);
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (wait_connect_report(fd, err, proto, ai->ai_addr, o.timeout_ms) != 0) {
        close(fd);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    /* Our four-tuple, as OUR kernel sees it. */
    end_of(fd, 0, me, sizeof me);
    end_of(fd, 1, them, sizeof them);
    narrate("%s: our end %s, the server's %s (as our kernel sees them)", proto, me, them);
    if (udp && send(fd, "which address am I?\n", 20, 0) < 0) {
        report_sys("send", proto, ai->ai_addr, errno);
        close(fd);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    if (wait_read_line(fd, proto, ai->ai_addr, o.timeout_ms, line, sizeof line) != 0) {
        close(fd);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    if (seen_after(line, "saw you as ", saw, sizeof saw) != 0 ||
        seen_after(line, "you reached ", reached, sizeof reached) != 0) {
        narrate("%s: the reply did not say what the server saw: %s", proto,
                narrate_safe(line, why, sizeof why));
        close(fd);
        freeaddrinfo(ai);
        return EXIT_FAILED;
    }
    /* The same four-tuple, as the SERVER's kernel saw it. */
    narrate("%s: the server saw us as %s, and itself as %s", proto, saw, reached);
    narrate("%s: our %s arrived as %s: %s", proto, me, saw, changed(me, saw));
    narrate("%s: we sent to %s and reached %s: %s", proto, them, reached,
            changed(them, reached));
    if (late_ms > 0) {
        /* Only the mapping the router still holds turns a reply back
         * to us: a datagram to a forgotten one never arrives. */
        if (late_answer(fd, wait_now_ms() + late_ms))
            narrate("udp: a late answer arrived (the way back was still open)");
        else
            narrate("udp: no late answer within %ld ms (nothing reached this socket)", late_ms);
    }
    close(fd);
    freeaddrinfo(ai);
    return EXIT_OK;
}
