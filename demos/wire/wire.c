/* wire.c - the wire demo's plumbing. See wire.h. */
#include "wire.h"
#include "portlab.h"

#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DEFAULT_PORT "5000"

static const char *const HELP =
    "  -s PORT   the source port to write into step 3's UDP header (default 23)\n"
    "  -l PORT   bind this source port for steps 1 and 2 (default: the kernel's choice)\n"
    "At the end it draws step 3's UDP header, filled in; PORTLAB_NO_FIGURE=1 leaves it out.\n";

void wire_client_options(int argc, char **argv, struct opts *o, unsigned *forge_port,
                         unsigned *local_port)
{
    const char *forge_text = "23";
    int i;

    *local_port = 0;
    opts_init(o, OPTS_CLIENT, DEFAULT_PORT, "[-s PORT] [-l PORT]", HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            forge_text = argv[++i];
        else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            *local_port = (unsigned)opts_number(o, "-l", argv[++i], 1, 65535);
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, NULL);
    if (port_parse(forge_text, "udp", forge_port, NULL, 0) != 0)
        opts_usage_error(o, "-s: '%s' is not a port (0-65535)", forge_text);
}

int wire_is_ours(const struct wire_watch *w, int version, const unsigned char *addr,
                 unsigned port)
{
    const struct sockaddr *me = (const struct sockaddr *)&w->me;
    struct sockaddr_storage them;

    if (port != addr_port(me))
        return 0;
    if (addr_is_wildcard(me)) /* 0.0.0.0 takes IPv4 only; [::] both (dual-stack) */
        return me->sa_family == AF_INET6 || version == 4;
    memset(&them, 0, sizeof them);
    if (version == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)&them;

        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, addr, 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&them;

        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, addr, 16);
    }
    return addr_same_host(me, (struct sockaddr *)&them);
}

const unsigned char *wire_address_bytes(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr;
    return (const unsigned char *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
}

/* The reply travels to the forged port, yet a raw socket of protocol UDP
 * bound to our address is handed a copy of every UDP packet to that address
 * (raw(7)), whatever its ports: show the one from the server's port to the
 * forged one. */
void wire_catch_copy(int fd, int family, unsigned from_port, unsigned to_port, long ms)
{
    unsigned char buf[2048];
    long long end = clock_now_ms() + ms;
    long left;
    ssize_t n;
    size_t at;

    while ((left = (long)(end - clock_now_ms())) > 0 && wait_for(fd, POLLIN, left) == 1) {
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
                "[%02x %02x] = source port %u, destination port %u\n(a raw socket of protocol "
                "UDP bound to our address is handed a copy of every UDP datagram to that "
                "address, raw(7))", buf[at],
                buf[at + 1], buf[at + 2], buf[at + 3], from_port, to_port);
        narrate("raw udp: the UDP layer gives the reply itself only to a UDP socket bound to "
                "port %u; if there is none, it drops it and answers the sender (the server) "
                "with ICMP port-unreachable", to_port);
        return;
    }
    narrate("raw udp: no reply to port %u reached our raw socket within %ld ms", to_port, ms);
}

/* The UDP header just sent, its 8 real bytes in the layout of RFC 768
 * (the lesson's own figure, docs/wire.md, shows it empty). Plain ASCII,
 * every line within 60 columns and beginning with 1 to 3 spaces (narrate.h: a
 * figure's line, never wrapped). */
void wire_draw_header(const unsigned char *h, unsigned sport, unsigned dport, size_t len,
                      unsigned sum)
{
    narrate("figure: step 3's UDP header, as sent");
    narrate("  0  1   2  3   4  5   6  7   (bytes)");
    narrate(" +------+------+------+------+");
    narrate(" |%02x %02x |%02x %02x |%02x %02x |%02x %02x |", h[0], h[1], h[2], h[3], h[4],
            h[5], h[6], h[7]);
    narrate(" +------+------+------+------+");
    narrate("   |      |      |      +-- checksum %04x", sum);
    narrate("   |      |      +--------- length %zu: 8 header + %zu data", len, len - 8);
    narrate("   |      +---------------- destination port %u", dport);
    narrate("   +----------------------- source port %u, written by us", sport);
}

void wire_need_linux(const char *what)
{
#ifdef __linux__
    (void)what;
#else
    report("needs Linux, for %s", what);
    exit(EXIT_FAILED);
#endif
}

int wire_keep_nothing(void)
{
    int root = privilege_is_uid0(), rc = privilege_give_up("nobody", 0);

    if (rc > 0)
        narrate("raw udp: socket open, so we gave up %s: sending needs none",
                root && !privilege_is_uid0() ? "root and every capability" : "every capability");
    return rc < 0 ? -1 : 0;
}
