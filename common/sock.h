/* sock.h - a socket's settings that no lesson is about.
 *
 * A demo waits for its peer with poll(2), for a bounded time (wait.h); the
 * recv() or accept() that follows must then never block, so its sockets
 * are made non-blocking first.
 */
#ifndef PORTLAB_SOCK_H
#define PORTLAB_SOCK_H

/* Set O_NONBLOCK on fd (fcntl(2)), keeping its other flags: a call that
 * would wait fails with EAGAIN instead (a connect(): EINPROGRESS). Returns
 * 0 or -1 (errno set). */
int sock_set_nonblocking(int fd);

#endif
