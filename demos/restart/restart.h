/* restart.h - the restart demo's own: its protocol (who hangs up first),
 * and the plumbing of its two programs.
 *
 * restart-server sends each client one line, and the line's last words
 * say which side hangs up first:
 *   restart-server pid PID: hello ADDRESS:PORT; I hang up first
 *   restart-server pid PID: hello ADDRESS:PORT; please hang up first
 * restart-client hangs up first when the line ends with
 * RESTART_CLIENT_FIRST; after any other line it waits for the server to
 * hang up. Plain words, so that the transcript shows the agreement too.
 *
 * The calls the lesson is about - bind(), SO_REUSEADDR, accept(),
 * shutdown(), close(), connect() - stay in demos/restart/server.c and
 * client.c. Here: options, the server's poll() loop, and what the kernel's
 * table (common/tcptable.h) says about a close, narrated.
 */
#ifndef PORTLAB_RESTART_H
#define PORTLAB_RESTART_H

#include "drain.h"
#include "opts.h"

#include <netdb.h>
#include <sys/socket.h>

#define RESTART_SERVER_FIRST "I hang up first"      /* the default */
#define RESTART_CLIENT_FIRST "please hang up first" /* --client-closes */

/* Whether the server's line asks the client to hang up first. */
int restart_asks_client_first(const char *line);

/* restart-server's options: the usual ones, --reuseaddr, --client-closes;
 * no -b: all IPv4 addresses (-6: all IPv6). Exits 2 on bad usage. */
void restart_server_options(struct opts *o, int argc, char **argv, int *reuseaddr,
                            int *client_closes);

/* restart-server's loop: one poll() over the stop pipe, the listener, and
 * the connections that were answered (drain.h). */
struct restart_loop {
    struct drain_set set;
    int stop, listener;
    long count, served;        /* -n, and the clients accepted so far */
    long long paused_until;    /* accept() failed: the listener rests */
    const char *why;           /* the signal that stopped us, or NULL */
    int rc;
};

/* Start the loop; hangup_fn closes a connection once its client has hung
 * up (drain.h). Returns 0, or -1 after reporting. */
int restart_loop_init(struct restart_loop *l, int listener, long count,
                      void (*hangup_fn)(int fd, const struct sockaddr *peer, void *ctx));

/* Wait. Returns 1 when the listener has a connection to accept(); 0 when
 * the loop is over (Ctrl-C, SIGTERM, -n served and seen to the end, or a
 * failure of poll() itself). With -n the last clients are seen to the end:
 * their hang-up is the moment TIME_WAIT begins. */
int restart_loop_wait(struct restart_loop *l);

/* accept() failed with err: say so once, and rest the listener a while
 * (never spin on an error). Passing errors (EAGAIN...) are ignored. */
void restart_loop_accept_failed(struct restart_loop *l, int err);

/* The closing line; close what is left. Returns the exit code. */
int restart_loop_end(struct restart_loop *l);

/* After bind() failed with err: the why: lines, read from the kernel's
 * table (what holds the port: a listener, TIME_WAIT, another connection). */
void restart_explain_bind(const struct addrinfo *ai, int err, int reuseaddr);

/* The server's side, once the client hung up too and we closed ours: me
 * (our end) and peer, as the kernel's table has them - read at most once a
 * second. */
void restart_narrate_hangup(const struct sockaddr *me, const struct sockaddr *peer,
                            int client_closes);

/* The client's side, after it hung up first and the server answered:
 * our TIME_WAIT, from the kernel's table. */
void restart_narrate_our_wait(const struct sockaddr *me, const struct sockaddr *server);

/* Wait up to ms for the peer of a TCP connection to hang up (end-of-file),
 * throwing away whatever it still sends. Returns 0 when it did, ETIMEDOUT
 * when it did not in time, or the errno of a failure (ECONNRESET...). */
int restart_wait_closed(int fd, long ms);

/* The client's figure: the close it just took part in, as a ladder, each
 * side's state from the kernel's table (waiting until deadline at most for
 * the last segments). Plain ASCII, at most 72 columns. */
void restart_draw_close(const struct sockaddr *me, const struct sockaddr *server,
                        int we_first, long long deadline);

#endif
