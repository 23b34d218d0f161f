/* wire-client - a source port is two bytes the sender writes.
 *
 * WHAT IT SHOWS
 *   Three messages to wire-server, which prints each packet's ports:
 *   1. a TCP connection and 2. a UDP datagram from ordinary sockets: the
 *      KERNEL writes their source port (one it gave us, or -l PORT);
 *   3. a UDP datagram whose 8-byte header WE write, through a raw socket,
 *      with any source port we like (-s, default 23): a port we never
 *      bound, one another program holds, one we could never bind. The
 *      server sees it, and answers it - to that port. The raw socket is
 *      handed a copy of that reply all the same (raw(7)), and shows it.
 *   The kernel writes honest source ports for ordinary sockets; a port
 *   number in a packet proves nothing about who sent it (the rsh story in
 *   docs/privileged.md).
 *
 * HOW TO RUN IT
 *   terminal 1:  sudo bin/wire-server
 *   terminal 2:  sudo bin/wire-client -s 23 127.0.0.1     (steps 1-2 need no sudo)
 *
 * PRIVILEGE
 *   Step 3's raw socket needs CAP_NET_RAW, like the server's packet socket.
 *   The client sends only to the host it was given.
 *
 * LESSON: docs/wire.md    MAN PAGES: raw(7), udp(7), capabilities(7);
 *   RFC 768 (UDP and its checksum), RFC 8200 8.1 (IPv6's pseudo-header)
 */
#include "portlab.h"
#include "packet.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT "5000"

static const char *const HELP =
    "  -s PORT   the source port to write into step 3's UDP header (default 23)\n"
    "  -l PORT   bind this source port for steps 1 and 2 (default: the kernel's choice)\n"
    "At the end it draws step 3's UDP header, filled in; PORTLAB_NO_FIGURE=1 leaves it out.\n";

static unsigned local_port; /* -l: 0 = let the kernel choose */

/* socket(), bind() to -l if given, connect(): an ordinary socket. */
static int open_ordinary(const struct addrinfo *ai, int type, long ms)
{
    const char *proto = addr_proto(type);
    struct sockaddr_storage me;
    int fd = socket(ai->ai_family, type, 0), err, one = 1;

    if (fd < 0) {
        report_sys("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    if (local_port != 0) {
        /* Our choice of source port: bind() it, as any client may. */
        memset(&me, 0, sizeof me);
        me.ss_family = (sa_family_t)ai->ai_family;
        addr_set_port((struct sockaddr *)&me, local_port);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&me, ai->ai_addrlen) != 0) {
            report_sys("bind", proto, (struct sockaddr *)&me, errno);
            close(fd);
            return -1;
        }
    }
    wait_nonblocking(fd);
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (wait_connect_report(fd, err, proto, ai->ai_addr, ms) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Steps 1 and 2: the kernel writes the source port. For UDP, *me gets
 * our address (step 3 needs it for the checksum). */
static int ordinary(const struct addrinfo *ai, int type, long ms, struct sockaddr_storage *me)
{
    const char *proto = addr_proto(type);
    socklen_t len = sizeof *me;
    char line[512], shown[2048], where[ADDR_STRLEN];
    int fd = open_ordinary(ai, type, ms), rc;

    if (fd < 0)
        return -1;
    getsockname(fd, (struct sockaddr *)me, &len);
    narrate("%s: our end is %s: the kernel writes %u into the source-port field of each %s "
            "we send", proto, addr_format((struct sockaddr *)me, where, sizeof where),
            addr_port((struct sockaddr *)me), type == SOCK_STREAM ? "segment" : "datagram");
    if (type == SOCK_DGRAM && send(fd, "hello\n", 6, 0) < 0) {
        report_sys("send", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    rc = wait_read_line(fd, proto, ai->ai_addr, ms, line, sizeof line);
    if (rc == 0)
        narrate("%s reply: %s", proto, narrate_safe(line, shown, sizeof shown));
    close(fd);
    return rc;
}

/* The address part of a socket address, as bytes (4 or 16). */
static const unsigned char *address_bytes(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr;
    return (const unsigned char *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
}

/* After step 3: the reply travels to the forged port, yet a raw socket of
 * protocol UDP bound to our address is handed a copy of every UDP packet to
 * that address (raw(7)), whatever its ports: wait up to ms for the datagram from the
 * server's port to the forged one, and show its ports. */
static void watch_reply(int fd, int family, unsigned from_port, unsigned to_port, long ms)
{
    unsigned char buf[2048];
    long long end = wait_now_ms() + ms;
    long left;
    ssize_t n;
    size_t at;

    while ((left = (long)(end - wait_now_ms())) > 0 && wait_for(fd, POLLIN, left) == 1) {
        n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            break;
        /* IPv4 raw sockets hand over the IP header too (its length in the
         * low 4 bits of byte 0, in 4-byte words); IPv6 ones start at UDP. */
        at = family == AF_INET && n > 0 ? (size_t)(buf[0] & 0x0f) * 4 : 0;
        if ((size_t)n < at + 8)
            continue;
        if ((unsigned)(buf[at] << 8 | buf[at + 1]) != from_port ||
            (unsigned)(buf[at + 2] << 8 | buf[at + 3]) != to_port)
            continue; /* our own datagram, arriving, or another program's */
        narrate("raw udp: a copy of the reply reached our raw socket: header [%02x %02x] "
                "[%02x %02x] = source port %u, destination port %u (a raw socket of protocol "
                "UDP bound to our address is handed a copy of every UDP datagram to that "
                "address, raw(7))", buf[at],
                buf[at + 1], buf[at + 2], buf[at + 3], from_port, to_port);
        narrate("raw udp: the UDP layer gives the reply itself only to a UDP socket bound to "
                "port %u; if there is none, it drops it and answers the sender (the server) with "
                "ICMP port-unreachable", to_port);
        return;
    }
    narrate("raw udp: no reply to port %u reached our raw socket within %ld ms", to_port, ms);
}

/* The figure: the UDP header we just sent, its 8 real bytes in the
 * layout of RFC 768 (the lesson's own figure, docs/wire.md, shows it
 * empty), each field decoded below it. Plain ASCII, at most 72 columns.
 * PORTLAB_NO_FIGURE=1: none. */
static void draw_header(const unsigned char *h, unsigned sport, unsigned dport, size_t len,
                        unsigned sum)
{
    narrate("figure: step 3's UDP header, as sent (PORTLAB_NO_FIGURE=1: none)");
    narrate(" byte   0  1    2  3    4  5    6  7");
    narrate("      +-------+-------+-------+-------+");
    narrate("      | %02x %02x | %02x %02x | %02x %02x | %02x %02x |", h[0], h[1], h[2], h[3],
            h[4], h[5], h[6], h[7]);
    narrate("      +-------+-------+-------+-------+");
    narrate("        |       |       |       +-- checksum %04x", sum);
    narrate("        |       |       +---------- length %zu: 8 of header, %zu of data", len,
            len - 8);
    narrate("        |       +------------------ destination port %u", dport);
    narrate("        +-------------------------- source port %u, written by us", sport);
}

/* Step 3: a UDP header of our own making, through a raw socket. */
static int forged(const struct addrinfo *ai, unsigned sport, const struct sockaddr_storage *me,
                  long ms)
{
    static const char text[] = "hello from a port nobody bound\n";
    unsigned char dgram[8 + sizeof text - 1];
    struct sockaddr_storage to, from;
    unsigned dport = addr_port(ai->ai_addr), sum;
    size_t len = sizeof dgram;
    int fd;

    /* THE LESSON: a raw socket of protocol UDP. The kernel still writes
     * the IP header (addresses); the UDP header is ours, all 8 bytes. */
    fd = socket(ai->ai_family, SOCK_RAW, IPPROTO_UDP);
    if (fd < 0) {
        report_sys("socket", "raw udp", ai->ai_addr, errno);
        return -1;
    }
    /* From the same address as step 2's socket: the checksum covers it. */
    memcpy(&from, me, sizeof from);
    addr_set_port((struct sockaddr *)&from, 0);
    if (bind(fd, (struct sockaddr *)&from, ai->ai_addrlen) != 0) {
        report_sys("bind", "raw udp", (struct sockaddr *)&from, errno);
        close(fd);
        return -1;
    }
    dgram[0] = (unsigned char)(sport >> 8); /* source port, high byte first */
    dgram[1] = (unsigned char)sport;
    dgram[2] = (unsigned char)(dport >> 8); /* destination port */
    dgram[3] = (unsigned char)dport;
    dgram[4] = (unsigned char)(len >> 8);   /* length: header and data */
    dgram[5] = (unsigned char)len;
    dgram[6] = dgram[7] = 0;                /* checksum: computed next */
    memcpy(dgram + 8, text, sizeof text - 1);
    memcpy(&to, ai->ai_addr, ai->ai_addrlen);
    sum = packet_udp_checksum(ai->ai_family == AF_INET ? 4 : 6, address_bytes(me),
                              address_bytes(&to), dgram, len);
    dgram[6] = (unsigned char)(sum >> 8);
    dgram[7] = (unsigned char)sum;
    narrate("raw udp: our own header: [%02x %02x] [%02x %02x] %02x %02x %02x %02x = source port "
            "%u (written by us, bound by nobody), destination port %u, length %zu, checksum "
            "%04x", dgram[0], dgram[1], dgram[2], dgram[3], dgram[4], dgram[5], dgram[6],
            dgram[7], sport, dport, len, sum);
    /* A raw socket's "port" is its protocol: 0 here, or IPv6 refuses it. */
    addr_set_port((struct sockaddr *)&to, 0);
    if (sendto(fd, dgram, len, 0, (struct sockaddr *)&to, ai->ai_addrlen) < 0) {
        report_sys("sendto", "raw udp", ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    /* Our source address is the server's host's own: it would be its own port. */
    if (sport == dport && (addr_is_loopback(ai->ai_addr) ||
                           addr_same_host((const struct sockaddr *)me, ai->ai_addr))) {
        narrate("raw udp: sent; from the server's own port: portlab's servers do not answer "
                "it (the answer would go to that port, the server's own, and could loop)");
    } else {
        narrate("raw udp: sent; the server's reply goes to port %u, the one our header "
                "claims", sport);
        watch_reply(fd, ai->ai_family, dport, sport, ms);
    }
    close(fd);
    if (narrate_figure_wanted())
        draw_header(dgram, sport, dport, len, sum);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *tcp_ai, *udp_ai;
    struct sockaddr_storage me;
    const char *forge_text = "23";
    unsigned forge_port;
    int i, ok = 1;

    narrate_init(argv[0]);
    opts_init(&o, OPTS_CLIENT, DEFAULT_PORT, "[-s PORT] [-l PORT]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(&o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            forge_text = argv[++i];
        else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            local_port = (unsigned)opts_number(&o, "-l", argv[++i], 1, 65535);
        else
            opts_usage_error(&o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(&o, NULL);
    if (port_parse(forge_text, "udp", &forge_port, NULL, 0) != 0)
        opts_usage_error(&o, "-s: '%s' is not a port (0-65535)", forge_text);

    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 0, &tcp_ai) != 0)
        return EXIT_FAILED;
    if (addr_resolve(o.host, o.port, tcp_ai->ai_family, SOCK_DGRAM, 0, &udp_ai) != 0) {
        freeaddrinfo(tcp_ai);
        return EXIT_FAILED;
    }
    narrate("1. tcp, an ordinary socket:");
    if (ordinary(tcp_ai, SOCK_STREAM, o.timeout_ms, &me) != 0)
        ok = 0;
    narrate("2. udp, an ordinary socket:");
    if (ordinary(udp_ai, SOCK_DGRAM, o.timeout_ms, &me) != 0) {
        ok = 0;
    } else {
        narrate("3. udp again, with a header we write ourselves:");
        if (forged(udp_ai, forge_port, &me, o.timeout_ms) != 0)
            ok = 0;
    }
    freeaddrinfo(tcp_ai);
    freeaddrinfo(udp_ai);
    return ok ? EXIT_OK : EXIT_FAILED;
}
