/* narrate.c - narration, errno names and error reports. See narrate.h. */
#include "narrate.h"
#include "addr.h"
#include "privilege.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *progname = "portlab";
static const char *progpath = "portlab";

void narrate_init(const char *argv0)
{
    const char *slash;

    if (argv0 != NULL && argv0[0] != '\0') {
        progpath = argv0;
        slash = strrchr(argv0, '/');
        progname = slash != NULL ? slash + 1 : argv0;
    }
    /* Line-buffered even into a pipe or file: each event shows at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);
}

const char *program_name(void)
{
    return progname;
}

const char *program_path(void)
{
    return progpath;
}

void narrate(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

void report(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void narrate_printable(const char *in, size_t len, char *out, size_t cap)
{
    size_t i, n = 0;

    if (cap == 0)
        return;
    for (i = 0; i < len && in[i] != '\n' && in[i] != '\r' && n + 5 <= cap - 1; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c >= 0x20 && c < 0x7f)
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, cap - n, "\\x%02X", c);
    }
    out[n] = '\0';
}

struct errname {
    int err;
    const char *name;
};

/* The errors a socket program meets, by name: names are what you search
 * for in man pages (bind(2) lists EACCES and EADDRINUSE, for example). */
static const struct errname errnames[] = {
    {EACCES, "EACCES"},           {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EAGAIN, "EAGAIN"},           {EALREADY, "EALREADY"},
    {EBADF, "EBADF"},             {ECONNABORTED, "ECONNABORTED"},
    {ECONNREFUSED, "ECONNREFUSED"}, {ECONNRESET, "ECONNRESET"},
    {EDESTADDRREQ, "EDESTADDRREQ"}, {EFAULT, "EFAULT"},
    {EHOSTUNREACH, "EHOSTUNREACH"}, {EINPROGRESS, "EINPROGRESS"},
    {EINTR, "EINTR"},             {EINVAL, "EINVAL"},
    {EISCONN, "EISCONN"},         {EMFILE, "EMFILE"},
    {EMSGSIZE, "EMSGSIZE"},       {ENETDOWN, "ENETDOWN"},
    {ENETUNREACH, "ENETUNREACH"}, {ENFILE, "ENFILE"},
    {ENOBUFS, "ENOBUFS"},         {ENOENT, "ENOENT"},
    {ENOMEM, "ENOMEM"},           {ENOTCONN, "ENOTCONN"},
    {ENOTSOCK, "ENOTSOCK"},       {EOPNOTSUPP, "EOPNOTSUPP"},
    {EPERM, "EPERM"},             {EPIPE, "EPIPE"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"}, {ETIMEDOUT, "ETIMEDOUT"},
};

const char *errno_name(int err)
{
    size_t i;

    for (i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
        if (errnames[i].err == err)
            return errnames[i].name;
    return "E?";
}

const char *explain(const char *call, const char *proto, int err)
{
    int is_udp = proto != NULL && strcmp(proto, "udp") == 0;

    switch (err) {
    case EACCES: /* for bind(), privilege_explain_eacces() says more */
        return "permission denied by the kernel or a firewall rule";
    case EADDRINUSE:
        if (strcmp(call, "bind") == 0)
            return is_udp
                ? "another socket already holds this UDP port on this address; "
                  "one UDP port, one owner (TCP ports are a separate set)"
                : "another socket already holds this TCP port on this address; "
                  "one TCP port, one listener (UDP ports are a separate set)";
        return "that address and port are already in use";
    case EADDRNOTAVAIL:
        if (strcmp(call, "bind") == 0)
            return "that address does not belong to this machine: bind only "
                   "to one of its own addresses, or to the wildcard";
        return "the kernel had no free local port (or address) for this "
               "connection";
    case ECONNREFUSED:
        return is_udp
            ? "nothing listens on that UDP port: the other host answered with "
              "an ICMP 'port unreachable', which the kernel turned into this "
              "error on our connected UDP socket"
            : "nothing listens on that TCP port: the other host's kernel "
              "answered the connection request with a reset (RST)";
    case ETIMEDOUT:
        return is_udp
            ? "no reply came: UDP has no connection and no acknowledgement, so "
              "a lost datagram or an absent server just means silence"
            : "no answer at all: the host may be down, or a firewall drops "
              "the packets";
    case ENETUNREACH:
        return "this machine has no route to that network";
    case EHOSTUNREACH:
        return "the host could not be reached (no route, or it is down)";
    case EAFNOSUPPORT:
        return "this machine does not support that address family (IPv6 "
               "disabled?)";
    case EMFILE:
    case ENFILE:
        return "out of file descriptors: every socket is one";
    default:
        return NULL;
    }
}

static void write_sys(FILE *out, const char *call, const char *proto,
                      const struct sockaddr *sa, int err)
{
    char addr[ADDR_STRLEN];
    const char *why = explain(call, proto, err);
    const char *text = err == ETIMEDOUT && proto != NULL && strcmp(proto, "udp") == 0
                           ? "no reply in time" : strerror(err);

    if (sa != NULL)
        fprintf(out, "%s: %s(%s %s): %s (%s)\n", progname, call, proto,
                addr_format(sa, addr, sizeof addr), errno_name(err), text);
    else
        fprintf(out, "%s: %s(%s): %s (%s)\n", progname, call, proto,
                errno_name(err), text);
    if (err == EACCES && strcmp(call, "bind") == 0 && sa != NULL)
        privilege_explain_eacces(out, addr_port(sa));
    else if (why != NULL)
        fprintf(out, "%s: why: %s\n", progname, why);
}

void report_sys(const char *call, const char *proto,
                const struct sockaddr *sa, int err)
{
    fflush(stdout);
    write_sys(stderr, call, proto, sa, err);
}

void narrate_sys(const char *call, const char *proto,
                 const struct sockaddr *sa, int err)
{
    write_sys(stdout, call, proto, sa, err);
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

void report_gai(const char *host, const char *proto, int rc)
{
    fflush(stdout);
    fprintf(stderr, "%s: getaddrinfo(%s %s): %s (%s)\n", progname, proto, host,
            gai_name(rc), gai_strerror(rc));
    if (rc == EAI_NONAME || rc == EAI_FAIL || rc == EAI_AGAIN)
        fprintf(stderr, "%s: why: the name could not be turned into an "
                "address: check the spelling, or give a numeric address "
                "such as 127.0.0.1 or ::1\n", progname);
    else if (rc == EAI_FAMILY
#ifdef EAI_ADDRFAMILY
             || rc == EAI_ADDRFAMILY
#endif
    )
        fprintf(stderr, "%s: why: that host has no address of the family "
                "asked for (-4 is IPv4, -6 is IPv6)\n", progname);
}
