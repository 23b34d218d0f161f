/* privileged.h - the privileged demo's plumbing, shared by its server and
 * client: their command lines, and the server's reply. The lesson's
 * calls (bind, setgroups/setgid/setuid, connect) stay in server.c and
 * client.c.
 */
#ifndef PORTLAB_PRIVILEGED_H
#define PORTLAB_PRIVILEGED_H

#include "portlab.h"

/* privileged-server's command line: the shared server options (-p -b -4
 * -6 -n -u; no -b: every IPv4 address). Exits 2 on bad usage. */
void privileged_server_options(struct opts *o, int argc, char **argv);

/* privileged-client's: the shared client options, and -s PORT, the
 * source port step 2 binds (default 1023). Exits 2 on bad usage. */
void privileged_client_options(struct opts *o, int argc, char **argv, unsigned *source);

/* The server's reply: who answered, and how the client reached us; a
 * client that came FROM a low port gets the story of rsh and rlogin. */
void privileged_reply(const struct serve_event *ev, char *line, size_t cap, void *ctx);

#endif
