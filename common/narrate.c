/* narrate.c - narration, errno names and error reports. See narrate.h.
 * The bottom layer of common/: it uses no other module. */
#include "narrate.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *progname = "portlab";
static const char *progpath = "portlab";

void narrate_init(const char *argv0)
{
    const char *slash;
    int fd;

    if (argv0 != NULL && argv0[0] != '\0') {
        progpath = argv0;
        slash = strrchr(argv0, '/');
        progname = slash != NULL ? slash + 1 : argv0;
    }
    /* Started with stdin, stdout or stderr closed (>&-), the first socket
     * would become fd 0, 1 or 2, and the narration would be sent to the
     * peer as data. Fill the gaps with /dev/null first. */
    for (fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
            open("/dev/null", O_RDWR) < 0)
            break;
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

/* One whole line to stdout, without ever blocking: if nobody reads it (a
 * full pipe), the line is dropped - a server must keep serving and keep
 * hearing its signals - and that is said once, on stderr. */
static void narrate_line(const char *line, size_t len)
{
    static int dropping;
    struct pollfd p;

    p.fd = STDOUT_FILENO;
    p.events = POLLOUT;
    p.revents = 0;
    fflush(stdout); /* anything printed with stdio first, in order */
    /* POLLOUT on a pipe means room for at least one page: a line of at
     * most NARRATE_LINE_MAX bytes then goes in whole, without waiting. */
    if (poll(&p, 1, 0) == 1 && !(p.revents & (POLLERR | POLLNVAL))) {
        if (write(STDOUT_FILENO, line, len) == (ssize_t)len) {
            if (dropping)
                dropping = 0;
            return;
        }
    }
    if (!dropping)
        fprintf(stderr, "%s: stdout is not being read: dropping narration lines "
                "until it is (this program keeps working)\n", progname);
    dropping = 1;
}

static void vnarrate(const char *fmt, va_list ap)
{
    char line[NARRATE_LINE_MAX];
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    size_t len;

    if (n < 0)
        return;
    len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    line[len++] = '\n';
    narrate_line(line, len);
}

void narrate(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vnarrate(fmt, ap);
    va_end(ap);
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
    /* Every byte is shown as itself only if it is printable ASCII: an
     * escape sequence from a peer (ESC [ 2 J clears a screen) must not
     * reach the terminal. A backslash is doubled, so that "\x1B" can only
     * mean the byte. */
    for (i = 0; i < len && in[i] != '\n' && in[i] != '\r' && n + 5 <= cap - 1; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c == '\\') {
            out[n++] = '\\';
            out[n++] = '\\';
        } else if (c >= 0x20 && c < 0x7f) {
            out[n++] = (char)c;
        } else {
            n += (size_t)snprintf(out + n, cap - n, "\\x%02X", c);
        }
    }
    out[n] = '\0';
}

char *narrate_safe(const char *in, char *out, size_t cap)
{
    narrate_printable(in, strlen(in), out, cap);
    return out;
}

struct errname {
    int err;
    const char *name, *text;
};

/* The errors a socket program meets, by name (names are what you search
 * for in man pages: bind(2) lists EACCES and EADDRINUSE) and with one text
 * for every libc (glibc's words; musl and the BSDs word some otherwise),
 * so that what a lesson shows is what every system prints. */
static const struct errname errnames[] = {
    {EACCES, "EACCES", "Permission denied"},
    {EADDRINUSE, "EADDRINUSE", "Address already in use"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address"},
    {EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol"},
    {EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
    {EALREADY, "EALREADY", "Operation already in progress"},
    {EBADF, "EBADF", "Bad file descriptor"},
    {ECONNABORTED, "ECONNABORTED", "Software caused connection abort"},
    {ECONNREFUSED, "ECONNREFUSED", "Connection refused"},
    {ECONNRESET, "ECONNRESET", "Connection reset by peer"},
    {EDESTADDRREQ, "EDESTADDRREQ", "Destination address required"},
    {EFAULT, "EFAULT", "Bad address"},
    {EHOSTUNREACH, "EHOSTUNREACH", "No route to host"},
    {EINPROGRESS, "EINPROGRESS", "Operation now in progress"},
    {EINTR, "EINTR", "Interrupted system call"},
    {EINVAL, "EINVAL", "Invalid argument"},
    {EISCONN, "EISCONN", "Transport endpoint is already connected"},
    {EMFILE, "EMFILE", "Too many open files"},
    {EMSGSIZE, "EMSGSIZE", "Message too long"},
    {ENETDOWN, "ENETDOWN", "Network is down"},
    {ENETUNREACH, "ENETUNREACH", "Network is unreachable"},
    {ENFILE, "ENFILE", "Too many open files in system"},
    {ENOBUFS, "ENOBUFS", "No buffer space available"},
    {ENOENT, "ENOENT", "No such file or directory"},
    {ENOMEM, "ENOMEM", "Cannot allocate memory"},
    {ENOTCONN, "ENOTCONN", "Transport endpoint is not connected"},
    {ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket"},
    {EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"},
    {EPERM, "EPERM", "Operation not permitted"},
    {EPIPE, "EPIPE", "Broken pipe"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported"},
    {ETIMEDOUT, "ETIMEDOUT", "Connection timed out"},
};

const char *errno_name(int err)
{
    size_t i;

    for (i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
        if (errnames[i].err == err)
            return errnames[i].name;
    return "E?";
}

const char *errno_text(int err)
{
    size_t i;

    for (i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
        if (errnames[i].err == err)
            return errnames[i].text;
    return strerror(err);
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

int narrate_limit_ok(struct narrate_limit *l, long long now)
{
    if (now < l->next) {
        l->more++;
        return 0;
    }
    l->next = now + 1000;
    return 1;
}
