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
 *   Plumbing (the figure, the watch for the reply's copy): wire.c.
 */
#include "portlab.h"
#include "packet.h"
#include "wire.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int ordinary(const struct addrinfo *ai, int type, unsigned local_port, long ms,
                    struct sockaddr_storage *me);
static int forged(const struct addrinfo *ai, unsigned sport, const struct sockaddr_storage *me,
                  long ms);

int main(int argc, char **argv)
{
    struct opts o;
    struct addrinfo *tcp_ai, *udp_ai;
    struct sockaddr_storage me;
    unsigned forge_port, local_port; /* -s, and -l (0: the kernel chooses) */
    int ok = 1;

    /* 0. Options: the server's host and port, -s and -l (wire.c). */
    narrate_init(argv[0]);
    wire_client_options(argc, argv, &o, &forge_port, &local_port);
    if (addr_resolve(o.host, o.port, o.family, SOCK_STREAM, 0, &tcp_ai) != 0)
        return EXIT_FAILED;
    if (addr_resolve(o.host, o.port, tcp_ai->ai_family, SOCK_DGRAM, 0, &udp_ai) != 0) {
        freeaddrinfo(tcp_ai);
        return EXIT_FAILED;
    }

    /* 1. TCP, an ordinary socket: the kernel writes our source port. */
    narrate("1. tcp, an ordinary socket:");
    if (ordinary(tcp_ai, SOCK_STREAM, local_port, o.timeout_ms, &me) != 0)
        ok = 0;
    /* 2. UDP, an ordinary socket: the same. */
    narrate("2. udp, an ordinary socket:");
    if (ordinary(udp_ai, SOCK_DGRAM, local_port, o.timeout_ms, &me) != 0) {
        ok = 0;
    } else {
        /* 3. UDP again, through a raw socket: we write the source port. */
        narrate("3. udp again, with a header we write ourselves:");
        if (forged(udp_ai, forge_port, &me, o.timeout_ms) != 0)
            ok = 0;
    }
    freeaddrinfo(tcp_ai);
    freeaddrinfo(udp_ai);
    return ok ? EXIT_OK : EXIT_FAILED;
}

/* Steps 1 and 2: an ordinary socket, whose source port the kernel writes.
 * *me gets our address and port (step 3 needs the address for the
 * checksum). */
static int ordinary(const struct addrinfo *ai, int type, unsigned local_port, long ms,
                    struct sockaddr_storage *me)
{
    const char *proto = addr_proto(type);
    socklen_t len = sizeof *me;
    char line[512], shown[2048], where[ADDR_STRLEN];
    int fd = socket(ai->ai_family, type, 0), err, one = 1, rc;

    if (fd < 0) {
        explain_report("socket", proto, ai->ai_addr, errno);
        return -1;
    }
    if (local_port != 0) {
        /* THE LESSON: our choice of source port, bind()ed as any client may. */
        memset(me, 0, sizeof *me);
        me->ss_family = (sa_family_t)ai->ai_family;
        addr_set_port((struct sockaddr *)me, local_port);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)me, ai->ai_addrlen) != 0) {
            explain_report("bind", proto, (struct sockaddr *)me, errno);
            close(fd);
            return -1;
        }
    }
    sock_set_nonblocking(fd); /* connect() within the client's -t */
    err = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (wait_connect_report(fd, err, proto, ai->ai_addr, ms) != 0) {
        close(fd);
        return -1;
    }
    /* THE LESSON: the port the kernel wrote (or the one we bound). */
    getsockname(fd, (struct sockaddr *)me, &len);
    narrate("%s: our end is %s: the kernel writes %u into the source-port field of each %s "
            "we send", proto, addr_format((struct sockaddr *)me, where, sizeof where),
            addr_port((struct sockaddr *)me), type == SOCK_STREAM ? "segment" : "datagram");
    if (type == SOCK_DGRAM && send(fd, "hello\n", 6, 0) < 0) {
        explain_report("send", proto, ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    rc = wait_read_line(fd, proto, ai->ai_addr, ms, line, sizeof line);
    if (rc == 0)
        narrate("%s reply: %s", proto, narrate_safe(line, shown, sizeof shown));
    close(fd);
    return rc;
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
    /* THE LESSON: a raw socket of protocol UDP. The kernel still writes
     * the IP header (addresses); the UDP header is ours, all 8 bytes. */
    int fd = socket(ai->ai_family, SOCK_RAW, IPPROTO_UDP);

    if (fd < 0) {
        explain_report("socket", "raw udp", ai->ai_addr, errno);
        return -1;
    }
    if (wire_keep_nothing() < 0) { /* open: keep no root, no capability */
        close(fd);
        return -1;
    }
    /* From the same address as step 2's socket: the checksum covers it. */
    memcpy(&from, me, sizeof from);
    addr_set_port((struct sockaddr *)&from, 0);
    if (bind(fd, (struct sockaddr *)&from, ai->ai_addrlen) != 0) {
        explain_report("bind", "raw udp", (struct sockaddr *)&from, errno);
        close(fd);
        return -1;
    }
    /* THE LESSON: the ports are two bytes each, high byte first - any we like. */
    dgram[0] = (unsigned char)(sport >> 8); /* source port */
    dgram[1] = (unsigned char)sport;
    dgram[2] = (unsigned char)(dport >> 8); /* destination port */
    dgram[3] = (unsigned char)dport;
    dgram[4] = (unsigned char)(len >> 8);   /* length: header and data */
    dgram[5] = (unsigned char)len;
    dgram[6] = dgram[7] = 0;                /* checksum: computed next */
    memcpy(dgram + 8, text, sizeof text - 1);
    memcpy(&to, ai->ai_addr, ai->ai_addrlen);
    sum = packet_udp_checksum(ai->ai_family == AF_INET ? 4 : 6, wire_address_bytes(me),
                              wire_address_bytes(&to), dgram, len);
    dgram[6] = (unsigned char)(sum >> 8);
    dgram[7] = (unsigned char)sum;
    narrate("raw udp: our own header: [%02x %02x] [%02x %02x] %02x %02x %02x %02x = source port "
            "%u (written by us, bound by nobody), destination port %u, length %zu, checksum "
            "%04x", dgram[0], dgram[1], dgram[2], dgram[3], dgram[4], dgram[5], dgram[6],
            dgram[7], sport, dport, len, sum);
    /* A raw socket's "port" is its protocol: 0 here, or IPv6 refuses it. */
    addr_set_port((struct sockaddr *)&to, 0);
    if (sendto(fd, dgram, len, 0, (struct sockaddr *)&to, ai->ai_addrlen) < 0) {
        explain_report("sendto", "raw udp", ai->ai_addr, errno);
        close(fd);
        return -1;
    }
    /* Our source address is the server's host's own: it would be its own port. */
    if (sport == dport && (addr_is_loopback(ai->ai_addr) ||
                           addr_same_host((const struct sockaddr *)me, ai->ai_addr))) {
        narrate("raw udp: sent; from the server's own port: portlab's servers do not answer "
                "it\n(the answer would go to that port, the server's own, and could loop)");
    } else {
        narrate("raw udp: sent; the server's reply goes to port %u, the one our header "
                "claims", sport);
        wire_catch_copy(fd, ai->ai_family, dport, sport, ms);
    }
    close(fd);
    if (narrate_figure_wanted())
        wire_draw_header(dgram, sport, dport, len, sum);
    return 0;
}
