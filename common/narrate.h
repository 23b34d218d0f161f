/* narrate.h - how every portlab program talks.
 *
 * stdout: the story, one event a line, line-buffered so that a reader (a
 *         person, a pipe, a test) sees each line the moment it happens.
 * stderr: errors, always in one shape:
 *           program: call(proto addr:port): ENAME (text)
 *         then, where it helps, one more line that says what it means:
 *           program: why: ...
 * Exit codes: 0 all went well, 1 an operation failed, 2 bad usage.
 * Failed system calls, with the why: line, are explain.h's.
 *
 * The screen: every line, on both streams, is wrapped to the terminal's
 * width - COLUMNS when it is a number from 20 to 1000, else 80 (into a pipe
 * or a file too: what a class sees is what a test reads) - at spaces, never
 * inside a word, each continuation line indented 4 spaces:
 *   program: why: another socket already holds this TCP port, and the two
 *       do not share it:
 *       on Linux TCP sockets share a port only when ...
 * A '\n' in the text starts a continuation line there: a why: says its
 * cause in one plain sentence, and its detail follows on continuation lines
 * (always shown; not behind -v). A figure's line (one that begins with a
 * space and is at most NARRATE_FIGURE_MAX long: figures are drawn to fit)
 * and a readiness line ("ready on ADDR:PORT ...") are never wrapped. The
 * tour (demos/tour.sh) gives the programs its own width less its 12-column
 * label, so a figure meant for the tour is drawn within 60 columns.
 */
#ifndef PORTLAB_NARRATE_H
#define PORTLAB_NARRATE_H

#include <stddef.h>
#include <sys/socket.h>

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Call first in main(): remembers the program name, makes stdout
 * line-buffered. */
void narrate_init(const char *argv0);

/* The program's name, as used at the start of every error line. */
const char *narrate_program_name(void);

/* The program as it was started (argv[0]), e.g. bin/privileged-server. */
const char *narrate_program_path(void);

/* One line of narration on stdout (the newline is added), written whole
 * or not at all: a stdout nobody reads never blocks the program (lines are
 * dropped, and that is said once on stderr; how many, on stdout once it is
 * read again, or at exit). At most NARRATE_LINE_MAX.
 * Every program, clients too: a client's story is a few lines, far less
 * than a pipe holds, so it loses lines only when the reader has stopped (a
 * terminal stopped with Ctrl-S loses them all) or reads nothing. */
#define NARRATE_LINE_MAX 1024
void narrate(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* The width lines are wrapped to (see the top): COLUMNS when it is a number
 * from NARRATE_COLUMNS_MIN to NARRATE_COLUMNS_MAX, else NARRATE_COLUMNS. */
#define NARRATE_COLUMNS 80
#define NARRATE_COLUMNS_MIN 20
#define NARRATE_COLUMNS_MAX 1000
#define NARRATE_INDENT 4 /* a continuation line's hanging indent */
#define NARRATE_FIGURE_MAX 72 /* a figure's widest line */
#define NARRATE_WRAPPED_MAX (2 * NARRATE_LINE_MAX) /* one line, wrapped, indents and all */

/* Whether to draw a live figure (restart-client's close, wire-client's
 * header): yes, unless PORTLAB_NO_FIGURE is set and not empty. A figure is
 * narrated like any line: plain ASCII, each of its lines beginning with a
 * space, at most NARRATE_FIGURE_MAX columns (never wrapped: see the top). */
#define NARRATE_FIGURE_OFF "PORTLAB_NO_FIGURE"
int narrate_figure_wanted(void);

/* A server's closing line: "stopping on SIGTERM after 3 exchanges" (why:
 * the signal's name, from signals_which()), or, why NULL, "stopping after
 * 1 exchange, as asked with -n". unit: the singular ("exchange"). */
void narrate_stopping(const char *why, long n, const char *unit);

/* "EADDRINUSE" for EADDRINUSE, and so on. */
const char *narrate_errno_name(int err);

/* "Address already in use": the same words on every libc. */
const char *narrate_errno_text(int err);

/* Text that came from the network, made safe to print: the first line of
 * in[0..len-1], control and non-ASCII bytes shown as \xNN (a backslash as
 * \\), always terminated within out[0..cap-1]. Every byte a peer sent
 * goes through here before it reaches the terminal. */
void narrate_printable(const char *in, size_t len, char *out, size_t cap);

/* The same for a NUL-terminated string; returns out. */
char *narrate_safe(const char *in, char *out, size_t cap);

/* An error with no errno: program: <message>, on stderr. Like narrate():
 * whole or not at all, never waiting for a reader (a full pipe, a terminal
 * stopped with Ctrl-S); what was dropped is counted, and said with the
 * next line that fits, or at exit. */
void report(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Reports of one kind (kind: a name for it, e.g. "sendto(udp): EPERM")
 * repeated: at most NARRATE_REPORT_BURST of a kind a second are said. Returns 1
 * when this one may be said (then say it, and its why: lines), 0 when it
 * is held back; how many were, is said with the next one of the kind that
 * is said, or at exit. */
#define NARRATE_REPORT_BURST 3
int narrate_report_ok(const char *kind);

#endif
