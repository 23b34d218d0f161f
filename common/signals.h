/* signals.h - stopping cleanly on Ctrl-C (SIGINT) or SIGTERM.
 *
 * A signal handler may do almost nothing safely (signal-safety(7)): no
 * printf, no malloc. So ours writes the signal number into a pipe - the
 * "self-pipe trick" - and the server's poll() loop sees the pipe become
 * readable, then says goodbye and exits with ordinary code.
 * SIGPIPE is ignored: a client that leaves mid-reply must give us an EPIPE
 * error to handle, not kill the whole server.
 */
#ifndef PORTLAB_SIGNALS_H
#define PORTLAB_SIGNALS_H

/* Install the handlers; returns the fd to poll for POLLIN, or -1. Servers
 * call it first thing, so a signal during start-up still ends cleanly;
 * calling it again returns the same fd. */
int signals_install(void);

/* After the fd polled readable: which signal arrived ("SIGINT"...). */
const char *signals_which(int fd);

#endif
