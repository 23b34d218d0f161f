/* narrate.h - how every portlab program talks.
 *
 * stdout: the story, one event a line, line-buffered so that a reader (a
 *         person, a pipe, a test) sees each line the moment it happens.
 * stderr: errors, always in one shape:
 *           program: call(proto addr:port): ENAME (text)
 *         then, where it helps, one more line that says what it means:
 *           program: why: ...
 * Exit codes: 0 all went well, 1 an operation failed, 2 bad usage.
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
const char *program_name(void);

/* The program as it was started (argv[0]), e.g. bin/privileged-server. */
const char *program_path(void);

/* One line of narration on stdout (the newline is added). */
void narrate(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* "EADDRINUSE" for EADDRINUSE, and so on. */
const char *errno_name(int err);

/* A failed system call on a socket address (sa may be NULL):
 *   program: bind(tcp 127.0.0.1:2000): EADDRINUSE (Address already in use)
 *   program: why: <the lesson, when there is one>                      */
void report_sys(const char *call, const char *proto,
                const struct sockaddr *sa, int err);

/* The same, but on stdout as part of the story: for a failure the demo
 * provokes on purpose (the lesson is that it fails). */
void narrate_sys(const char *call, const char *proto,
                 const struct sockaddr *sa, int err);

/* A getaddrinfo() failure: program: getaddrinfo(host): EAI_NONAME (...). */
void report_gai(const char *host, const char *proto, int rc);

/* The explanation line for an errno from a call, or NULL if none. */
const char *explain(const char *call, const char *proto, int err);

/* Text that came from the network, made safe to print: the first line of
 * in[0..len-1], control and non-ASCII bytes shown as \xNN, always
 * terminated within out[0..cap-1]. */
void narrate_printable(const char *in, size_t len, char *out, size_t cap);

/* An error with no errno: program: <message>. */
void report(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
