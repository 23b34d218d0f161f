/* wait.h - bounded waiting: no demo ever hangs on a silent peer.
 *
 * A blocking connect() to a host that does not answer can take minutes,
 * and a recv() on a UDP socket whose datagram was lost waits for ever.
 * The demos set their sockets non-blocking (sock.h) and wait with poll(2),
 * for at most the client's -t milliseconds (clock.h's clock).
 */
#ifndef PORTLAB_WAIT_H
#define PORTLAB_WAIT_H

#include <stddef.h>
#include <sys/socket.h>

/* How long a server lets an idle client stay, in ms: PORTLAB_IDLE_MS from
 * the environment when it holds a sane number, else fallback. */
long wait_idle_ms(long fallback);

/* The same for any such setting: the environment variable name, in ms
 * (1 to 3600000), else fallback. For tests that cannot wait seconds. */
long wait_env_ms(const char *name, long fallback);

/* Wait up to ms for fd to be readable (POLLIN) or writable (POLLOUT).
 * Returns 1 ready, 0 timed out, -1 error (errno set). */
int wait_for(int fd, short events, long ms);

/* After a non-blocking connect() said EINPROGRESS: wait up to ms for the
 * outcome. Returns 0 when connected, else the errno of the failure
 * (ETIMEDOUT when no answer came in time). */
int wait_connected(int fd, long ms);

/* The rest of a non-blocking connect(), which stays in the demo's own
 * line:  err = connect(fd, to, len) == 0 ? 0 : errno;
 *        if ((err = wait_connect_report(fd, err, "tcp", to, ms)) != 0) ...
 * err EINPROGRESS: wait up to ms for the outcome (wait_connected). A
 * failure is reported as connect(proto to): ENAME (text). Returns 0 when
 * connected, else the errno of the failure. */
int wait_connect_report(int fd, int err, const char *proto, const struct sockaddr *to,
                        long ms);

/* Wait up to ms for a reply on a connected socket and read it into buf
 * as one line (the newline removed). On timeout or error, report it as
 * recv(proto to): ... and return -1. */
int wait_read_line(int fd, const char *proto, const struct sockaddr *to, long ms,
                   char *buf, size_t cap);

/* One deadline for a whole exchange of several lines (a client's -t,
 * which bounds the exchange, not each line): when it ends, on
 * clock_now_ms()'s clock, and the budget it was set from (for the report).
 * Set it with wait_deadline_in(); wait_left_ms() says what is left. */
struct wait_deadline {
    long long end;
    long ms;
};
struct wait_deadline wait_deadline_in(long ms);
long wait_left_ms(const struct wait_deadline *d); /* 0 once it has passed */

/* wait_read_line() within such a deadline: a line of the exchange. A
 * timeout is reported as the whole exchange's (-t, for all of it). */
int wait_read_line_by(int fd, const char *proto, const struct sockaddr *to,
                      const struct wait_deadline *d, char *buf, size_t cap);

#endif
