/* poke - a badly behaved (or very busy) client, for the hardening tests and
 * the load benchmark. Not a lesson: it exists to make the servers' lives hard.
 *
 *   poke hold N HOST PORT          open N TCP connections, say "holding N",
 *                                  keep them idle until SIGTERM
 *   poke send KIND HOST PORT       one TCP client misbehaving as KIND:
 *        random:BYTES    that many random bytes, then read the reply
 *        line:BYTES      one line of that length with no newline
 *        lines:COUNT     that many short lines at once
 *        reset           connect, then reset (SO_LINGER 0) before reading
 *        halfclose       shut down our sending side first, then read
 *   poke udp BYTES HOST PORT       one datagram of BYTES (0-65507), wait 1 s
 *   poke mute HOST                 a server that never answers: TCP and UDP on one
 *                                  port (printed as "ready on HOST:PORT"); each TCP
 *                                  connection is closed at once, datagrams ignored
 *   poke silent|partial|evil|trickle HOST [PORT]  servers like mute that accept and
 *                                  hold TCP connections (PORT: that one, reused at
 *                                  once; each connection is said, "accepted
 *                                  tcp"): silent says nothing, partial sends
 *                                  "hel" and no end of line, evil answers TCP and
 *                                  UDP with a line of terminal escape sequences
 *   poke badsum HOST               a server like evil, IPv4 only, needing CAP_NET_RAW:
 *                                  each datagram is answered first by one with a
 *                                  wrong UDP checksum (a raw socket), then, once the
 *                                  kernel has counted it dropped (InCsumErrors in
 *                                  /proc/net/snmp, per network namespace), by a good
 *                                  one; TCP connections get a line and are closed
 *   poke forge SPEC[,SPEC...] COUNT HOST PORT  UDP datagrams with forged
 *                                  sources, IPv4 only, written through a raw socket
 *                                  (needs CAP_NET_RAW): COUNT rounds, 5 ms apart, of
 *                                  one datagram from each source of each SPEC,
 *                                  [ADDR[+N]:]PORT[-LAST]: from port PORT (or each of
 *                                  PORT..LAST in turn), at ADDR (one of this host's;
 *                                  +N: each of N addresses from ADDR in turn; none:
 *                                  the kernel's choice). The forged sources that
 *                                  start loops and floods
 *   poke bcast HOST PORT           one datagram on an unconnected socket that may
 *                                  broadcast (SO_BROADCAST): "reply from A:P" for
 *                                  each answer within 1 s (any sender), then
 *                                  "replies: N"
 *   poke relay MS HOST APORT BPORT  a slow path between two UDP servers: two
 *                                  sockets, X (facing A) and Y (facing B), printed as
 *                                  "relay X Y"; a datagram to X goes on from Y to
 *                                  HOST BPORT, one to Y from X to HOST APORT, each MS
 *                                  milliseconds later (at most 64 waiting); 60 s or
 *                                  SIGTERM; then "relayed N"
 *   poke blast MS HOST PORT        UDP datagrams to HOST PORT, as fast as it can,
 *                                  for MS milliseconds: a busy wire ("blasting"
 *                                  once the first is sent)
 *   poke bench TOTAL CONC HOST PORT   TOTAL connections, CONC at a time: each
 *                                  connects and reads one line; prints the rate
 *                                  and the worst latency
 * Every wait is bounded. Output: one result line. Exit 0, 1 on failure,
 * 2 on bad usage.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>

#define WAIT_MS 5000

static long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct addrinfo *resolve(const char *host, const char *port, int type)
{
    struct addrinfo hints, *res;

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = type;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        fprintf(stderr, "poke: cannot resolve %s %s\n", host, port);
        exit(1);
    }
    return res;
}

/* A connected TCP socket, or exit 1. */
static int dial(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);

    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        fprintf(stderr, "poke: connect: %s\n", strerror(errno));
        exit(1);
    }
    return fd;
}

/* Read until newline, EOF or timeout; print what came. */
static int read_reply(int fd)
{
    char buf[1024];
    size_t have = 0;
    ssize_t got;
    struct pollfd p = {fd, POLLIN, 0};

    while (have < sizeof buf - 1 && poll(&p, 1, WAIT_MS) == 1) {
        got = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (got <= 0) {
            if (got < 0 && have == 0) {
                printf("no reply: %s\n", strerror(errno));
                return 1;
            }
            break;
        }
        have += (size_t)got;
        buf[have] = '\0';
        if (strchr(buf, '\n') != NULL)
            break;
    }
    buf[have] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (have == 0) {
        printf("no reply\n");
        return 1;
    }
    printf("reply: %s\n", buf);
    return 0;
}

/* Write all of buf, ignoring a peer that stops reading (bounded). */
static void send_all(int fd, const char *buf, size_t len)
{
    struct pollfd p = {fd, POLLOUT, 0};
    ssize_t put;

    while (len > 0 && poll(&p, 1, WAIT_MS) == 1) {
        put = send(fd, buf, len, 0);
        if (put <= 0)
            return;
        buf += put;
        len -= (size_t)put;
    }
}

static int cmd_send(const char *kind, const struct addrinfo *ai)
{
    int fd = dial(ai);
    size_t n, i;
    char *buf;

    if (strncmp(kind, "random:", 7) == 0 || strncmp(kind, "line:", 5) == 0) {
        n = strtoul(strchr(kind, ':') + 1, NULL, 10);
        buf = malloc(n + 1);
        for (i = 0; i < n; i++)
            buf[i] = kind[0] == 'r' ? (char)(rand() & 0xff) : 'x';
        send_all(fd, buf, n);
        free(buf);
    } else if (strncmp(kind, "lines:", 6) == 0) {
        n = strtoul(kind + 6, NULL, 10);
        for (i = 0; i < n; i++)
            send_all(fd, "GET / HTTP/1.0\r\n", 16);
    } else if (strcmp(kind, "reset") == 0) {
        struct linger lg = {1, 0};

        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
        printf("reset sent\n");
        return 0;
    } else if (strcmp(kind, "halfclose") == 0) {
        shutdown(fd, SHUT_WR);
    } else {
        fprintf(stderr, "poke: unknown kind %s\n", kind);
        return 2;
    }
    i = (size_t)read_reply(fd);
    close(fd);
    return (int)i;
}

static int cmd_udp(size_t size, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
    char *buf = calloc(size + 1, 1);
    char reply[1024];
    struct pollfd p;
    ssize_t got;

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 || send(fd, buf, size, 0) < 0) {
        printf("send failed: %s\n", strerror(errno));
        free(buf);
        return 1;
    }
    free(buf);
    p.fd = fd;
    p.events = POLLIN;
    if (poll(&p, 1, 1000) != 1 || (got = recv(fd, reply, sizeof reply - 1, 0)) < 0) {
        printf("no reply\n");
        return 1;
    }
    reply[got] = '\0';
    reply[strcspn(reply, "\n")] = '\0';
    printf("reply: %s\n", reply);
    return 0;
}

static volatile sig_atomic_t stop;

/* A server that says nothing: the clients' "no reply" cases. */
/* The network namespace's count of UDP datagrams dropped for a bad
 * checksum (the "Udp:" lines of /proc/net/snmp), or -1. */
static long udp_csum_errors(void)
{
    char names[512], values[512], *n, *v, *sn, *sv;
    FILE *f = fopen("/proc/net/snmp", "r");
    long found = -1;

    if (f == NULL)
        return -1;
    while (fgets(names, sizeof names, f) != NULL) {
        if (strncmp(names, "Udp:", 4) != 0 || fgets(values, sizeof values, f) == NULL)
            continue;
        for (n = strtok_r(names, " \n", &sn), v = strtok_r(values, " \n", &sv);
             n != NULL && v != NULL;
             n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
            if (strcmp(n, "InCsumErrors") == 0)
                found = strtol(v, NULL, 10);
        break;
    }
    fclose(f);
    return found;
}

static unsigned sum16(const unsigned char *b, size_t n, unsigned long acc)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        acc += (unsigned long)(b[i] << 8 | b[i + 1]);
    if (n % 2)
        acc += (unsigned long)(b[n - 1] << 8);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (unsigned)acc;
}

/* Send peer, from me, a UDP datagram whose checksum is wrong (never 0,
 * which would mean "no checksum"), through the raw socket raw. */
static int send_badsum(int raw, const struct sockaddr_in *me, const struct sockaddr_in *peer)
{
    /* Longer than the kernel's CHECKSUM_BREAK (76 bytes): a short datagram
     * has its checksum checked on arrival and is dropped at once; a longer
     * one is queued, wakes the reader, and is checked only by its recv(). */
    static const char text[] = "this datagram's checksum is wrong, and it is long enough "
                               "to be checked only when the client reads it\n";
    unsigned char pkt[8 + sizeof text - 1], pseudo[12];
    unsigned good, bad;

    memcpy(pkt, &me->sin_port, 2);
    memcpy(pkt + 2, &peer->sin_port, 2);
    pkt[4] = (unsigned char)(sizeof pkt >> 8);
    pkt[5] = (unsigned char)(sizeof pkt & 0xff);
    pkt[6] = pkt[7] = 0;
    memcpy(pkt + 8, text, sizeof text - 1);
    memcpy(pseudo, &me->sin_addr, 4);
    memcpy(pseudo + 4, &peer->sin_addr, 4);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_UDP;
    pseudo[10] = pkt[4];
    pseudo[11] = pkt[5];
    good = ~sum16(pkt, sizeof pkt, sum16(pseudo, sizeof pseudo, 0)) & 0xffff;
    if (good == 0)
        good = 0xffff;
    bad = good ^ 0x00ff;
    pkt[6] = (unsigned char)(bad >> 8);
    pkt[7] = (unsigned char)(bad & 0xff);
    return sendto(raw, pkt, sizeof pkt, 0, (const struct sockaddr *)peer, sizeof *peer) ==
                   (ssize_t)sizeof pkt ? 0 : -1;
}

/* COUNT datagrams to ai whose UDP header says source port sport: the
 * header is ours to write on a raw socket (checksum 0: "none", RFC 768). */
/* One forged datagram, from src (an address of this host; 0: the
 * kernel's choice) and port sport, to `to`. Returns 0, or 1 (said). */
static int forge_one(struct in_addr src, unsigned sport, const struct sockaddr_in *to)
{
    static const char text[] = "forged\n";
    unsigned char pkt[8 + sizeof text - 1];
    struct sockaddr_in me, dst = *to;
    int raw = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);

    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_addr = src;
    /* A raw socket's bind() sets the source address it sends from. */
    if (raw < 0 || (src.s_addr != 0 && bind(raw, (struct sockaddr *)&me, sizeof me) != 0)) {
        fprintf(stderr, "poke: forge: IPv4 only, and needs CAP_NET_RAW: %s\n", strerror(errno));
        if (raw >= 0)
            close(raw);
        return 1;
    }
    pkt[0] = (unsigned char)(sport >> 8);
    pkt[1] = (unsigned char)(sport & 0xff);
    memcpy(pkt + 2, &dst.sin_port, 2);
    pkt[4] = 0;
    pkt[5] = (unsigned char)sizeof pkt;
    pkt[6] = pkt[7] = 0;
    memcpy(pkt + 8, text, sizeof text - 1);
    dst.sin_port = 0; /* a raw socket takes no port: the header holds it */
    if (sendto(raw, pkt, sizeof pkt, 0, (struct sockaddr *)&dst, sizeof dst) != (ssize_t)sizeof pkt) {
        fprintf(stderr, "poke: forge: sendto: %s\n", strerror(errno));
        close(raw);
        return 1;
    }
    close(raw);
    return 0;
}

/* COUNT rounds; each round, for each comma-separated SPEC of `specs`
 * ([ADDR[+N]:]PORT[-LAST]), one datagram from each of its sources: the
 * j-th from ADDR + j % N, port PORT + j % (LAST - PORT + 1), for j below
 * the larger of N and the number of ports. Rounds are 5 ms apart, so that
 * a server's receive buffer is not simply overrun. */
static int cmd_forge(const char *specs, long count, const struct addrinfo *ai)
{
    struct sockaddr_in to;
    char copy[512], *spec, *save, *colon, *end, host[64];
    unsigned first, last, naddr;
    struct in_addr base, src;
    long round, j, sources, sent = 0;

    if (ai->ai_family != AF_INET) {
        fprintf(stderr, "poke: forge: IPv4 only\n");
        return 1;
    }
    memcpy(&to, ai->ai_addr, sizeof to);
    for (round = 0; round < count; round++) {
        if (round > 0)
            poll(NULL, 0, 5);
        snprintf(copy, sizeof copy, "%s", specs);
        for (spec = strtok_r(copy, ",", &save); spec != NULL; spec = strtok_r(NULL, ",", &save)) {
            base.s_addr = 0;
            naddr = 1;
            if ((colon = strrchr(spec, ':')) != NULL) {
                char *plus;

                snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
                if ((plus = strchr(host, '+')) != NULL) {
                    *plus = '\0';
                    naddr = (unsigned)strtoul(plus + 1, NULL, 10);
                }
                if (inet_pton(AF_INET, host, &base) != 1 || naddr == 0) {
                    fprintf(stderr, "poke: forge: bad source '%s'\n", spec);
                    return 2;
                }
                spec = colon + 1;
            }
            first = last = (unsigned)strtoul(spec, &end, 10);
            if (*end == '-')
                last = (unsigned)strtoul(end + 1, NULL, 10);
            if (last < first || last > 65535) {
                fprintf(stderr, "poke: forge: bad ports '%s'\n", spec);
                return 2;
            }
            sources = (long)last - (long)first + 1 > (long)naddr ? (long)last - (long)first + 1 : (long)naddr;
            for (j = 0; j < sources; j++) {
                src.s_addr = base.s_addr == 0 ? 0 : htonl(ntohl(base.s_addr) + (unsigned)(j % naddr));
                if (forge_one(src, first + (unsigned)(j % (long)(last - first + 1)), &to) != 0)
                    return 1;
                sent++;
            }
        }
    }
    printf("forged %ld datagram%s from %s\n", sent, sent == 1 ? "" : "s", specs);
    return 0;
}

static int cmd_bcast(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, SOCK_DGRAM, 0), one = 1, n = 0;
    long long end = now_us() + 1000000;
    struct sockaddr_storage from;
    socklen_t len;
    char host[64], port[16], buf[512];
    struct pollfd p;

    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    if (sendto(fd, "who is there?\n", 14, 0, ai->ai_addr, ai->ai_addrlen) < 0) {
        printf("send failed: %s\n", strerror(errno));
        return 1;
    }
    p.fd = fd;
    p.events = POLLIN;
    while (now_us() < end && poll(&p, 1, (int)((end - now_us()) / 1000) + 1) == 1) {
        len = sizeof from;
        if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) < 0)
            break;
        getnameinfo((struct sockaddr *)&from, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV);
        printf("reply from %s:%s\n", host, port);
        n++;
    }
    printf("replies: %d\n", n);
    return 0;
}

/* The slow path: see the top of this file. */
struct held { long long due; int out; size_t len; char data[512]; };

static int cmd_relay(long ms, const char *host, const char *aport, const char *bport)
{
    struct addrinfo *a = resolve(host, aport, SOCK_DGRAM), *b = resolve(host, bport, SOCK_DGRAM);
    struct sockaddr_storage me;
    socklen_t len;
    static struct held q[64];
    size_t n = 0, i;
    int s[2], k, wait_ms;
    long relayed = 0;
    long long end = now_us() + 60000000LL, next;
    struct pollfd p[2];
    unsigned port[2];
    ssize_t got;

    for (k = 0; k < 2; k++) {
        s[k] = socket(a->ai_family, SOCK_DGRAM, 0);
        memcpy(&me, a->ai_addr, a->ai_addrlen);
        ((struct sockaddr_in *)&me)->sin_port = 0;
        len = a->ai_addrlen;
        if (s[k] < 0 || bind(s[k], (struct sockaddr *)&me, len) != 0 ||
            getsockname(s[k], (struct sockaddr *)&me, &len) != 0) {
            fprintf(stderr, "poke: relay: %s\n", strerror(errno));
            return 1;
        }
        port[k] = ntohs(((struct sockaddr_in *)&me)->sin_port);
        p[k].fd = s[k];
        p[k].events = POLLIN;
    }
    printf("relay %u %u\n", port[0], port[1]);
    fflush(stdout);
    while (!stop && now_us() < end) {
        next = end;
        for (i = 0; i < n; i++)
            if (q[i].due < next)
                next = q[i].due;
        wait_ms = (int)((next - now_us()) / 1000) + 1;
        if (poll(p, 2, wait_ms < 0 ? 0 : wait_ms) < 0 && errno != EINTR)
            break;
        for (k = 0; k < 2; k++) /* X's datagrams leave from Y, and Y's from X */
            if ((p[k].revents & POLLIN) &&
                (got = recv(s[k], n < 64 ? q[n].data : (char[512]){0}, 512, 0)) >= 0 && n < 64) {
                q[n].due = now_us() + ms * 1000LL;
                q[n].out = 1 - k;
                q[n].len = (size_t)got;
                n++;
            }
        for (i = 0; i < n;) {
            if (q[i].due > now_us()) {
                i++;
                continue;
            }
            const struct addrinfo *to = q[i].out == 1 ? b : a;
            if (sendto(s[q[i].out], q[i].data, q[i].len, 0, to->ai_addr, to->ai_addrlen) >= 0)
                relayed++;
            q[i] = q[--n];
        }
    }
    printf("relayed %ld\n", relayed);
    return 0;
}

static int cmd_blast(long ms, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
    long long end = now_us() + ms * 1000LL;
    long n = 0;

    if (sendto(fd, "x", 1, 0, ai->ai_addr, ai->ai_addrlen) == 1)
        n++;
    printf("blasting\n");
    fflush(stdout);
    while (now_us() < end)
        if (sendto(fd, "x", 1, 0, ai->ai_addr, ai->ai_addrlen) == 1)
            n++;
    printf("blasted %ld datagrams\n", n);
    return 0;
}

/* The badsum answer to one datagram from peer: see the top of this file. */
static void answer_badsum(int udp, int raw, const struct sockaddr_storage *me,
                          const struct sockaddr_storage *peer, socklen_t plen)
{
    static const char good[] = "the good reply, after a bad checksum\n";
    long before = udp_csum_errors(), after;
    long long end = now_us() + WAIT_MS * 1000LL;

    if (send_badsum(raw, (const struct sockaddr_in *)me, (const struct sockaddr_in *)peer) != 0) {
        fprintf(stderr, "poke: badsum: sendto(raw): %s\n", strerror(errno));
        return;
    }
    /* Bounded: poll every 5 ms until the peer's kernel has thrown it away. */
    for (;;) {
        after = udp_csum_errors();
        if (before < 0 || after != before || now_us() >= end)
            break;
        poll(NULL, 0, 5);
    }
    printf("badsum: bad checksum sent, counted dropped: %s (InCsumErrors %ld -> %ld)\n",
           after > before ? "yes" : "no", before, after);
    sendto(udp, good, sizeof good - 1, 0, (const struct sockaddr *)peer, plen);
}

/* A server that misbehaves as mode: "mute" closes each TCP connection at
 * once and ignores datagrams; "silent" accepts and holds connections but
 * says nothing; "partial" sends 3 bytes with no end of line, then holds;
 * "evil" answers TCP and UDP with a line full of terminal escapes;
 * "trickle" sends every connection a well-formed line every 100 ms, for
 * ever (a client's -t must bound the whole exchange, not each line). */
#define EVIL_LINE "\x1b[2J\x1b]0;pwned\x07\x1b[31mevil\r\x1b[0m reply\n"
static int cmd_serve(const char *mode, const char *host, const char *port)
{
    struct addrinfo *ai = resolve(host, port, SOCK_STREAM);
    struct sockaddr_storage me, peer;
    socklen_t len = sizeof me, plen;
    char h[64], s[16], junk[2048];
    int tcp = socket(ai->ai_family, SOCK_STREAM, 0), udp = socket(ai->ai_family, SOCK_DGRAM, 0);
    int held[64], nheld = 0, fd, raw = -1;
    int badsum = strcmp(mode, "badsum") == 0;
    struct pollfd p[3];
    ssize_t got;

    if (badsum && (ai->ai_family != AF_INET ||
                   (raw = socket(AF_INET, SOCK_RAW, IPPROTO_UDP)) < 0 ||
                   bind(raw, ai->ai_addr, ai->ai_addrlen) != 0)) {
        fprintf(stderr, "poke: badsum: IPv4 only, and needs CAP_NET_RAW: %s\n",
                ai->ai_family != AF_INET ? "not IPv4" : strerror(errno));
        return 1;
    }
    if (strcmp(port, "0") != 0) /* a port just left by another server */
        setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
    if (bind(tcp, ai->ai_addr, ai->ai_addrlen) != 0 || listen(tcp, 16) != 0 ||
        getsockname(tcp, (struct sockaddr *)&me, &len) != 0 ||
        bind(udp, (struct sockaddr *)&me, len) != 0) {
        fprintf(stderr, "poke: %s: %s\n", mode, strerror(errno));
        return 1;
    }
    getnameinfo((struct sockaddr *)&me, len, h, sizeof h, s, sizeof s,
                NI_NUMERICHOST | NI_NUMERICSERV);
    printf("ready on %s%s%s:%s (%s)\n", ai->ai_family == AF_INET6 ? "[" : "", h,
           ai->ai_family == AF_INET6 ? "]" : "", s, mode);
    freeaddrinfo(ai);
    p[0].fd = tcp;
    p[1].fd = udp;
    p[2].fd = 0;
    p[0].events = p[1].events = p[2].events = POLLIN;
    signal(SIGTERM, SIG_DFL);
    int trickle = strcmp(mode, "trickle") == 0, i;

    while (poll(p, 3, trickle ? 100 : -1) >= 0) {
        for (i = 0; trickle && i < nheld; i++)
            if (write(held[i], "ENTRY slow tcp 1\n", 17) < 0)
                fprintf(stderr, "poke: trickle: %s\n", strerror(errno));
        if (p[0].revents) {
            fd = accept(tcp, NULL, NULL);
            if (fd >= 0 && strcmp(mode, "mute") != 0)
                printf("accepted tcp\n");
            /* Twice: a greeting, then an answer (the rendezvous clients
             * read a greeting first). */
            if (fd >= 0 && strcmp(mode, "evil") == 0 &&
                write(fd, EVIL_LINE EVIL_LINE, 2 * (sizeof EVIL_LINE - 1)) < 0)
                fprintf(stderr, "poke: evil: %s\n", strerror(errno));
            if (fd >= 0 && badsum && write(fd, "badsum tcp reply\n", 17) < 0)
                fprintf(stderr, "poke: badsum: %s\n", strerror(errno));
            if (fd >= 0 && strcmp(mode, "partial") == 0 && write(fd, "hel", 3) < 0)
                fprintf(stderr, "poke: partial: %s\n", strerror(errno));
            if (fd >= 0 && strcmp(mode, "mute") != 0 && !badsum && nheld < 64)
                held[nheld++] = fd;
            else if (fd >= 0)
                close(fd);
        }
        if (p[1].revents) {
            plen = sizeof peer;
            got = recvfrom(udp, junk, sizeof junk, 0, (struct sockaddr *)&peer, &plen);
            if (got >= 0 && strcmp(mode, "evil") == 0)
                sendto(udp, EVIL_LINE, sizeof EVIL_LINE - 1, 0, (struct sockaddr *)&peer, plen);
            if (got >= 0 && badsum)
                answer_badsum(udp, raw, &me, &peer, plen);
        }
        if (p[2].revents && read(0, junk, sizeof junk) <= 0)
            p[2].fd = -1;
    }
    while (nheld > 0)
        close(held[--nheld]);
    if (raw >= 0)
        close(raw);
    return 0;
}
static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static int cmd_hold(long n, const struct addrinfo *ai)
{
    int *fds = calloc((size_t)n, sizeof *fds);
    long i;

    signal(SIGTERM, on_term);
    for (i = 0; i < n; i++)
        fds[i] = dial(ai);
    printf("holding %ld connections\n", n);
    fflush(stdout);
    while (!stop)
        poll(NULL, 0, 200); /* wait for SIGTERM, idle */
    for (i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
    printf("released\n");
    return 0;
}

/* Many clients at once, each: connect (non-blocking), read one line, close. */
static int cmd_bench(long total, long conc, const struct addrinfo *ai)
{
    struct pollfd *p = calloc((size_t)conc, sizeof *p);
    long long *start = calloc((size_t)conc, sizeof *start);
    long long t0 = now_us(), worst = 0;
    long started = 0, done = 0, failed = 0, i;
    char buf[512];

    for (i = 0; i < conc; i++)
        p[i].fd = -1;
    while (done < total) {
        for (i = 0; i < conc && started < total; i++) {
            if (p[i].fd >= 0)
                continue;
            p[i].fd = socket(ai->ai_family, SOCK_STREAM, 0);
            fcntl(p[i].fd, F_SETFL, O_NONBLOCK);
            start[i] = now_us();
            if (connect(p[i].fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
                close(p[i].fd);
                p[i].fd = -1;
                failed++;
                done++;
                started++;
                continue;
            }
            p[i].events = POLLIN;
            started++;
        }
        if (poll(p, (nfds_t)conc, WAIT_MS) <= 0)
            break;
        for (i = 0; i < conc; i++) {
            ssize_t got;

            if (p[i].fd < 0 || p[i].revents == 0)
                continue;
            got = recv(p[i].fd, buf, sizeof buf, 0);
            if (got < 0 && errno == EAGAIN)
                continue;
            if (got <= 0)
                failed++;
            else if (now_us() - start[i] > worst)
                worst = now_us() - start[i];
            close(p[i].fd);
            p[i].fd = -1;
            done++;
        }
    }
    printf("connections=%ld failed=%ld seconds=%.3f per_second=%.0f worst_ms=%.2f\n", done,
           failed, (double)(now_us() - t0) / 1e6,
           (double)done / ((double)(now_us() - t0) / 1e6), (double)worst / 1000.0);
    free(p);
    free(start);
    return failed == 0 && done == total ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct addrinfo *ai;
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (argc == 5 && strcmp(argv[1], "hold") == 0) {
        ai = resolve(argv[3], argv[4], SOCK_STREAM);
        rc = cmd_hold(strtol(argv[2], NULL, 10), ai);
    } else if (argc == 5 && strcmp(argv[1], "send") == 0) {
        ai = resolve(argv[3], argv[4], SOCK_STREAM);
        rc = cmd_send(argv[2], ai);
    } else if (argc == 5 && strcmp(argv[1], "udp") == 0) {
        ai = resolve(argv[3], argv[4], SOCK_DGRAM);
        rc = cmd_udp(strtoul(argv[2], NULL, 10), ai);
    } else if ((argc == 3 || argc == 4) &&
               (strcmp(argv[1], "mute") == 0 || strcmp(argv[1], "silent") == 0 ||
                strcmp(argv[1], "partial") == 0 || strcmp(argv[1], "evil") == 0 ||
                strcmp(argv[1], "trickle") == 0 || strcmp(argv[1], "badsum") == 0)) {
        return cmd_serve(argv[1], argv[2], argc == 4 ? argv[3] : "0");
    } else if (argc == 6 && strcmp(argv[1], "forge") == 0) {
        ai = resolve(argv[4], argv[5], SOCK_DGRAM);
        rc = cmd_forge(argv[2], strtol(argv[3], NULL, 10), ai);
    } else if (argc == 4 && strcmp(argv[1], "bcast") == 0) {
        ai = resolve(argv[2], argv[3], SOCK_DGRAM);
        rc = cmd_bcast(ai);
    } else if (argc == 6 && strcmp(argv[1], "relay") == 0) {
        signal(SIGTERM, on_term);
        return cmd_relay(strtol(argv[2], NULL, 10), argv[3], argv[4], argv[5]);
    } else if (argc == 5 && strcmp(argv[1], "blast") == 0) {
        ai = resolve(argv[3], argv[4], SOCK_DGRAM);
        rc = cmd_blast(strtol(argv[2], NULL, 10), ai);
    } else if (argc == 6 && strcmp(argv[1], "bench") == 0) {
        ai = resolve(argv[4], argv[5], SOCK_STREAM);
        rc = cmd_bench(strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10), ai);
    } else {
        fprintf(stderr, "usage: poke hold N | send KIND | udp BYTES | forge SPEC[,SPEC] COUNT | bench TOTAL CONC  HOST PORT | bcast HOST PORT | blast MS HOST PORT | relay MS HOST APORT BPORT\n");
        return 2;
    }
    freeaddrinfo(ai);
    return rc;
}
