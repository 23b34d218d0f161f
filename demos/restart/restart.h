/* restart.h - the restart demo's protocol: who hangs up first.
 *
 * restart-server sends each client one line, and the line's last words
 * say which side hangs up first:
 *   restart-server pid PID: hello ADDRESS:PORT; I hang up first
 *   restart-server pid PID: hello ADDRESS:PORT; please hang up first
 * restart-client hangs up first when the line ends with
 * RESTART_CLIENT_FIRST; after any other line it waits for the server to
 * hang up. Plain words, so that the transcript shows the agreement too.
 */
#ifndef PORTLAB_RESTART_H
#define PORTLAB_RESTART_H

#define RESTART_SERVER_FIRST "I hang up first"      /* the default */
#define RESTART_CLIENT_FIRST "please hang up first" /* --client-closes */

#endif
