/* privileged.h - the privileged demo's plumbing, shared by its server and
 * client: their command lines, the server's reply, and what they narrate
 * about privilege (who we are, the kernel's threshold, the refusal they
 * provoke on purpose; the facts are common/privilege.h's). The lesson's
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

/* Narrate who we are (privilege_who()) and whether we hold
 * CAP_NET_BIND_SERVICE. */
void privileged_narrate_who(void);

/* Narrate the kernel's threshold and where it was read. */
void privileged_narrate_threshold(void);

/* A bind() that failed with err: 1 when these facts predicted it (EACCES
 * for a port below the threshold, without the capability that counts
 * here) - a refusal a demo provokes on purpose - else 0. */
int privileged_refusal_expected(unsigned port, int err);

/* Narrate such a planned refusal on stdout, as the expected result:
 *   as expected, the kernel refused: bind(tcp 0.0.0.0:1023): EACCES (...)
 *   why: port 1023 is below 1024, the threshold (read from ...) ...
 * (A real failure goes to explain_report(), explain.h, on stderr.) */
void privileged_narrate_refusal(const char *proto, const struct sockaddr *sa, int err);

#endif
