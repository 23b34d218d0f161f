/* rvclient.h - the rendezvous client's plumbing: its options, and -l's
 * table. The look-up itself - connect() to the directory's fixed port,
 * "LOOKUP NAME", then connect() to the port it names - stays in
 * demos/rendezvous/client.c.
 */
#ifndef PORTLAB_RVCLIENT_H
#define PORTLAB_RVCLIENT_H

#include "opts.h"
#include "rendezvous.h"
#include "wait.h"

#include <sys/socket.h>

/* rendezvous-client's options: [-l] [HOST] [NAME] and the usual ones (-p
 * is the directory's port). Sets *list for -l; returns the name to look
 * up (default "hello"). Exits 2 on bad usage. */
const char *rv_client_options(struct opts *o, int argc, char **argv, int *list);

/* -l: read the directory's answer to LIST on d - "ENTRY ..." lines, then
 * "END N" - and show it as rpcinfo -p does: proto, port, name. The whole
 * answer must come by deadline (-t, for all of it). Returns EXIT_OK, or
 * EXIT_FAILED after saying why. */
int rv_client_list(int d, const struct sockaddr *dir, const struct wait_deadline *deadline);

/* The directory's answer to LOOKUP NAME, line: "PORT NAME tcp PORT
 * [ADDRESS]" into *entry (0); else -1 after saying what it said instead,
 * and why for "no such name". */
int rv_client_answer(const char *line, const char *name, struct rv_request *entry);

/* Where the service is: the address the directory recorded for it (a
 * "here" registration), else the directory's own host; into *svc, its
 * port not set yet. Returns 0, or -1 after saying why. */
int rv_client_host(const struct sockaddr *dir, const struct rv_request *entry,
                   struct sockaddr_storage *svc);

#endif
