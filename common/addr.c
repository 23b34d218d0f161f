/* addr.c - address resolution and formatting. See addr.h. */
#include "addr.h"
#include "narrate.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

char *addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN + 16]; /* room for an IPv6 scope such as %eth0 */
    char serv[8];
    int rc;
    socklen_t salen;

    if (sa->sa_family == AF_INET)
        salen = sizeof(struct sockaddr_in);
    else if (sa->sa_family == AF_INET6)
        salen = sizeof(struct sockaddr_in6);
    else {
        snprintf(buf, len, "(address family %d)", sa->sa_family);
        return buf;
    }
    /* NUMERIC: show the address and port themselves, never a name. */
    rc = getnameinfo(sa, salen, host, sizeof host, serv, sizeof serv,
                     NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0)
        snprintf(buf, len, "(unprintable address: %s)", gai_strerror(rc));
    else if (sa->sa_family == AF_INET6)
        snprintf(buf, len, "[%s]:%s", host, serv);
    else
        snprintf(buf, len, "%s:%s", host, serv);
    return buf;
}

unsigned addr_port(const struct sockaddr *sa)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    /* memcpy, not a cast: the caller's storage may be a plain sockaddr. */
    if (sa->sa_family == AF_INET) {
        memcpy(&sin, sa, sizeof sin);
        return ntohs(sin.sin_port);
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(&sin6, sa, sizeof sin6);
        return ntohs(sin6.sin6_port);
    }
    return 0;
}

void addr_set_port(struct sockaddr *sa, unsigned port)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    /* Ports travel in network byte order (big-endian): htons(). */
    if (sa->sa_family == AF_INET) {
        memcpy(&sin, sa, sizeof sin);
        sin.sin_port = htons((unsigned short)port);
        memcpy(sa, &sin, sizeof sin);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(&sin6, sa, sizeof sin6);
        sin6.sin6_port = htons((unsigned short)port);
        memcpy(sa, &sin6, sizeof sin6);
    }
}

int addr_port_after(const char *text, const char *marker, unsigned *port)
{
    const char *start = strstr(text, marker), *end, *colon = NULL, *p;
    unsigned long value = 0;

    if (start == NULL)
        return -1;
    start += strlen(marker);
    end = start + strcspn(start, " \r\n");
    for (p = start; p < end; p++)
        if (*p == ':')
            colon = p;
    if (colon == NULL || colon + 1 == end || end - colon > 6)
        return -1; /* no port, or more than five digits */
    for (p = colon + 1; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        value = value * 10 + (unsigned long)(*p - '0');
    }
    if (value > 65535)
        return -1;
    *port = (unsigned)value;
    return 0;
}

int addr_dual_stack(int fd, const struct sockaddr *sa)
{
    static int told;
    struct sockaddr_in6 sin6;
    int off = 0;

    if (sa->sa_family != AF_INET6)
        return 0;
    memcpy(&sin6, sa, sizeof sin6);
    if (memcmp(&sin6.sin6_addr, &in6addr_any, sizeof in6addr_any) != 0)
        return 0;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0)
        return 0;
    if (!told)
        narrate("dual-stack: IPV6_V6ONLY is off (set explicitly), so IPv4 clients reach "
                "this [::] socket too, as [::ffff:a.b.c.d], and IPv4 cannot have the same "
                "port separately");
    told = 1;
    return 1;
}

const char *addr_proto(int socktype)
{
    return socktype == SOCK_DGRAM ? "udp" : "tcp";
}

static const char *gai_name(int rc)
{
    switch (rc) {
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_BADFLAGS: return "EAI_BADFLAGS";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_MEMORY: return "EAI_MEMORY";
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_SERVICE: return "EAI_SERVICE";
    case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
    case EAI_SYSTEM: return "EAI_SYSTEM";
    default: return "EAI_?";
    }
}

/* A getaddrinfo() failure: program: getaddrinfo(proto host): EAI_NONAME (...),
 * and a why: where one helps. */
static void report_gai(const char *host, const char *proto, int rc)
{
    report("getaddrinfo(%s %s): %s (%s)", proto, host, gai_name(rc), gai_strerror(rc));
    if (rc == EAI_AGAIN)
        report("why: the look-up failed with a temporary error, not a verdict on the name: "
               "no name server answered (glibc says this when none can be reached), or one "
               "reported a temporary failure (getaddrinfo(3)); this says "
               "nothing about the name itself: check the network and the name servers in "
               "/etc/resolv.conf, try again, or give a numeric address such as 127.0.0.1 "
               "or ::1");
    else if (rc == EAI_NONAME || rc == EAI_FAIL)
        report("why: the name could not be turned into an address: check the spelling, "
               "or give a numeric address such as 127.0.0.1 or ::1");
    else if (rc == EAI_FAMILY
#ifdef EAI_ADDRFAMILY
             || rc == EAI_ADDRFAMILY
#endif
    )
        report("why: that host has no address of the family asked for (-4 is IPv4, -6 is "
               "IPv6)");
}

int addr_resolve(const char *host, unsigned port, int family, int socktype,
                 int passive, struct addrinfo **res)
{
    struct addrinfo hints;
    char portstr[8];
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    /* NUMERICSERV: the port is already a number; no /etc/services look-up. */
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    snprintf(portstr, sizeof portstr, "%u", port);

    rc = getaddrinfo(host, portstr, &hints, res);
    if (rc != 0) {
        report_gai(host != NULL ? host : "(any)", addr_proto(socktype), rc);
        return -1;
    }
    return 0;
}

/* The address as 16 bytes, IPv4 mapped into IPv6 (::ffff:a.b.c.d). */
static int as_mapped(const struct sockaddr *sa, unsigned char out[16])
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    memset(out, 0, 16);
    if (sa->sa_family == AF_INET) {
        memcpy(&sin, sa, sizeof sin);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &sin.sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(&sin6, sa, sizeof sin6);
        memcpy(out, &sin6.sin6_addr, 16);
        return 0;
    }
    return -1;
}

char *addr_host(const struct sockaddr *sa, char *buf, size_t len)
{
    unsigned char a[16];
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};

    if (as_mapped(sa, a) != 0 || len == 0) {
        if (len > 0)
            buf[0] = '\0';
        return buf;
    }
    if (memcmp(a, mapped, 12) == 0) /* IPv4, also when it reached an IPv6 socket */
        inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
    else
        inet_ntop(AF_INET6, a, buf, (socklen_t)len);
    return buf;
}

int addr_is_loopback(const struct sockaddr *sa)
{
    unsigned char a[16];
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    static const unsigned char one[16] = {[15] = 1};

    if (as_mapped(sa, a) != 0)
        return 0;
    return (memcmp(a, mapped, 12) == 0 && a[12] == 127) || memcmp(a, one, 16) == 0;
}

int addr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
    unsigned char x[16], y[16];

    return as_mapped(a, x) == 0 && as_mapped(b, y) == 0 && memcmp(x, y, 16) == 0;
}

void addr_text_host(const char *text, char *out, size_t cap)
{
    const char *colon = strrchr(text, ':');
    size_t n = colon != NULL ? (size_t)(colon - text) : strlen(text);

    if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
        text++;
        n -= 2;
    }
    if (n > 7 && strncmp(text, "::ffff:", 7) == 0 && memchr(text + 7, '.', n - 7) != NULL) {
        text += 7;
        n -= 7;
    }
    snprintf(out, cap, "%.*s", (int)n, text);
}

int addr_is_wildcard(const struct sockaddr *sa)
{
    unsigned char a[16];
    static const unsigned char any6[16], any4[16] = {[10] = 0xff, [11] = 0xff};

    return as_mapped(sa, a) == 0 && (memcmp(a, any6, 16) == 0 || memcmp(a, any4, 16) == 0);
}
