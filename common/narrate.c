/* narrate.c - narration, errno names and error reports. See narrate.h.
 * The bottom layer of common/: it uses no other module. */
#include "narrate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "portlab";
static const char *progpath = "portlab";

/* Both streams, stdout (the story) and stderr (the errors), are written
 * the same way: a whole line, or nothing, never waiting for a reader. A
 * server must keep serving and keep hearing its signals even when nobody
 * reads what it says: a pipe into a program that stopped reading, a
 * terminal stopped with Ctrl-S. (O_NONBLOCK is not an answer: it belongs
 * to the open file, shared with the shell and whoever else writes there.)
 * What does not fit is dropped, counted, and said once it fits again. */
struct stream {
    int fd;
    long dropped; /* lines dropped since the last one that went out */
};
static struct stream out_stream = {STDOUT_FILENO, 0};
static struct stream err_stream = {STDERR_FILENO, 0};
static int summary_at_exit;

/* A terminal: POLLOUT there means some room, not room for a whole line,
 * and a write() into a terminal nobody reads (a stalled SSH session)
 * would wait for ever. So write through an open file of our own on the
 * same terminal (Linux: /proc/self/fd/N opens it anew), non-blocking:
 * O_NONBLOCK there is ours alone, not the shell's. Elsewhere, or if that
 * fails, the descriptor as it is. */
static void stream_own_terminal(struct stream *s)
{
    char path[32];
    int fd;

    if (!isatty(s->fd))
        return;
    snprintf(path, sizeof path, "/proc/self/fd/%d", s->fd);
    fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0)
        s->fd = fd;
}

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
    stream_own_terminal(&out_stream);
    stream_own_terminal(&err_stream);
}

const char *narrate_program_name(void)
{
    return progname;
}

const char *narrate_program_path(void)
{
    return progpath;
}

/* POLLOUT on a pipe means room for at least one page: a line of at most
 * NARRATE_LINE_MAX bytes then goes in whole, without waiting. A terminal
 * stopped with Ctrl-S has no room at all; one nobody reads may have room
 * for part of a line: our own non-blocking file (stream_own_terminal())
 * takes that part, and the line counts as dropped. Returns 0 if the line
 * went, -1 if it was dropped. */
static int write_now(struct stream *s, const char *line, size_t len)
{
    struct pollfd p;

    p.fd = s->fd;
    p.events = POLLOUT;
    p.revents = 0;
    if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) &&
        !(p.revents & (POLLERR | POLLNVAL)) &&
        write(s->fd, line, len) == (ssize_t)len)
        return 0;
    return -1;
}

/* prefix and the formatted text into line (cap bytes, NUL-terminated,
 * cut short if need be); returns its length. */
static size_t vformat(char *line, size_t cap, const char *prefix, const char *fmt, va_list ap)
{
    int p = snprintf(line, cap, "%s", prefix);
    int n = p < 0 ? -1 : vsnprintf(line + p, cap - (size_t)p, fmt, ap);
    size_t l = n < 0 ? (size_t)(p < 0 ? 0 : p) : (size_t)p + (size_t)n;

    if (l > cap - 1)
        l = cap - 1;
    line[l] = '\0';
    return l;
}

static int narrate_columns(void)
{
    const char *c = getenv("COLUMNS");
    char *end;
    long n;

    if (c == NULL || c[0] == '\0')
        return NARRATE_COLUMNS;
    n = strtol(c, &end, 10);
    if (*end != '\0' || n < NARRATE_COLUMNS_MIN || n > NARRATE_COLUMNS_MAX)
        return NARRATE_COLUMNS;
    return (int)n;
}

/* Lay text[0..len-1] out in lines of at most width columns, each ending
 * in a newline, into out (cap bytes; what does not fit is cut): broken at
 * spaces, never inside a word (a word longer than a line gets a line of its
 * own, whole); continuation lines start with NARRATE_INDENT spaces; a '\n'
 * in the text starts a continuation line. A figure's line (one that begins
 * with a space, at most NARRATE_FIGURE_MAX long) and a readiness line
 * ("ready on ADDR:PORT ...", which scripts and tests read) go out as they
 * are; another line that begins with spaces keeps them, and its
 * continuation lines are indented NARRATE_INDENT (or, when it begins with
 * that many spaces or more, as much again). Returns the length. */
static size_t wrap(const char *text, size_t len, char *out, size_t cap, size_t width)
{
    size_t used = 0, at = 0, indent = 0, hang = NARRATE_INDENT, room, end, brk, i;
    int whole = (len > 0 && text[0] == ' ' && len <= NARRATE_FIGURE_MAX) ||
                strncmp(text, "ready on ", 9) == 0;

    for (i = 0; i < len && text[i] == ' '; i++)
        ;
    if (i >= NARRATE_INDENT)
        hang = i + NARRATE_INDENT; /* an indented line: indented as much again */

    while (at < len || used == 0) {
        room = width > indent + 10 ? width - indent : 10;
        for (end = at; end < len && text[end] != '\n'; end++)
            ;
        if (end - at <= room || whole) {
            brk = end;
        } else {
            for (brk = at + room; brk > at && text[brk] != ' '; brk--)
                ; /* the last space that leaves the line within room */
            if (brk == at) /* a word longer than the line: whole */
                for (brk = at; brk < end && text[brk] != ' '; brk++)
                    ;
        }
        if (used + indent + (brk - at) + 1 >= cap)
            break;
        for (i = 0; i < indent; i++)
            out[used++] = ' ';
        i = brk;
        while (i > at && text[i - 1] == ' ')
            i--; /* no trailing spaces */
        memcpy(out + used, text + at, i - at);
        used += i - at;
        out[used++] = '\n';
        at = brk;
        if (at < len && text[at] == '\n')
            at++;
        while (at < len && text[at] == ' ')
            at++;
        indent = hang;
    }
    return used;
}

/* How many lines of s were dropped, said on s itself before its next line
 * (so the count sits where the gap is). 0 if said (or none), -1 if not. */
static int say_dropped(struct stream *s)
{
    char note[200], out[400];
    int n;

    if (s->dropped == 0)
        return 0;
    if (s == &out_stream)
        n = snprintf(note, sizeof note, "%ld line%s of narration dropped here: nobody read "
                     "them, and this program does not wait\n", s->dropped,
                     s->dropped == 1 ? "" : "s");
    else
        n = snprintf(note, sizeof note, "%s: %ld error line%s dropped here: nobody read "
                     "them, and this program does not wait\n", progname, s->dropped,
                     s->dropped == 1 ? "" : "s");
    if (n < 0 || (size_t)n >= sizeof note)
        return -1;
    n = (int)wrap(note, (size_t)n - 1, out, sizeof out, (size_t)narrate_columns());
    if (write_now(s, out, (size_t)n) != 0)
        return -1;
    s->dropped = 0;
    return 0;
}

static void note_exit(void);

static void say_line(struct stream *s, const char *line, size_t len)
{
    if (say_dropped(s) == 0 && write_now(s, line, len) == 0)
        return;
    if (s->dropped++ == 0 && s == &out_stream)
        report("stdout is not being read: dropping narration lines until it is (this "
               "program keeps working)");
    if (!summary_at_exit) {
        summary_at_exit = 1;
        atexit(note_exit);
    }
}

/* One logical line (prefix and text), wrapped, on s: in one write. */
static void say_wrapped(struct stream *s, const char *prefix, const char *fmt, va_list ap)
{
    char line[NARRATE_LINE_MAX], out[NARRATE_WRAPPED_MAX];
    size_t len;

    fflush(stdout); /* anything printed with stdio first, in order */
    len = vformat(line, sizeof line, prefix, fmt, ap);
    len = wrap(line, len, out, sizeof out, (size_t)narrate_columns());
    say_line(s, out, len);
}

static void vnarrate(const char *fmt, va_list ap)
{
    say_wrapped(&out_stream, "", fmt, ap);
}

void narrate_stopping(const char *why, long n, const char *unit)
{
    if (why != NULL)
        narrate("stopping on %s after %ld %s%s", why, n, unit, n == 1 ? "" : "s");
    else
        narrate("stopping after %ld %s%s, as asked with -n", n, unit, n == 1 ? "" : "s");
}

void narrate(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vnarrate(fmt, ap);
    va_end(ap);
}

int narrate_figure_wanted(void)
{
    const char *off = getenv(NARRATE_FIGURE_OFF);

    return off == NULL || off[0] == '\0';
}

void report(const char *fmt, ...)
{
    char prefix[64];
    va_list ap;

    snprintf(prefix, sizeof prefix, "%s: ", progname);
    va_start(ap, fmt);
    say_wrapped(&err_stream, prefix, fmt, ap);
    va_end(ap);
}

/* Reports of one kind: a few slots, the oldest reused. */
#define REPORT_KINDS 8
static struct report_kind {
    char name[64];
    long long since; /* this second began (ms) */
    int said;        /* said in it */
    long held;       /* held back since the last said */
} kinds[REPORT_KINDS];

static long long now_ms(void)
{
    struct timespec t;

    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0;
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void say_held(struct report_kind *k)
{
    if (k->held == 0)
        return;
    report("%ld more report%s of %s held back (at most %d of a kind a second)", k->held,
           k->held == 1 ? "" : "s", k->name, NARRATE_REPORT_BURST);
    k->held = 0;
}

int narrate_report_ok(const char *kind)
{
    long long now = now_ms();
    struct report_kind *k = NULL;
    size_t i;

    for (i = 0; i < REPORT_KINDS && k == NULL; i++)
        if (strncmp(kinds[i].name, kind, sizeof kinds[i].name - 1) == 0)
            k = &kinds[i];
    if (k == NULL) { /* new: the slot unused longest */
        k = &kinds[0];
        for (i = 1; i < REPORT_KINDS; i++)
            if (kinds[i].since < k->since)
                k = &kinds[i];
        say_held(k);
        snprintf(k->name, sizeof k->name, "%s", kind);
        k->since = now;
        k->said = 0;
    }
    if (now - k->since >= 1000) {
        k->since = now;
        k->said = 0;
    }
    if (k->said >= NARRATE_REPORT_BURST) {
        if (k->held++ == 0 && !summary_at_exit) {
            summary_at_exit = 1;
            atexit(note_exit);
        }
        return 0;
    }
    k->said++;
    say_held(k);
    return 1;
}

/* At exit, what is still owed: reports held back, lines dropped (if
 * there is room for them now; if not, they are lost too). */
static void note_exit(void)
{
    size_t i;

    for (i = 0; i < REPORT_KINDS; i++)
        say_held(&kinds[i]);
    say_dropped(&out_stream);
    say_dropped(&err_stream);
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

const char *narrate_errno_name(int err)
{
    size_t i;

    for (i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
        if (errnames[i].err == err)
            return errnames[i].name;
    return "E?";
}

const char *narrate_errno_text(int err)
{
    size_t i;

    for (i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
        if (errnames[i].err == err)
            return errnames[i].text;
    return strerror(err);
}
