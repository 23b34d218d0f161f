/* rendezvous.h - the tiny text protocol of the rendezvous demo.
 *
 * One request per line, at most RV_LINE_MAX bytes, words separated by one
 * space, parsed strictly (a bad line gets "ERR ...", never a crash):
 *   REGISTER NAME PROTO PORT   keep NAME -> (PROTO, PORT) while this
 *                              connection stays open
 *   UNREGISTER NAME            remove it (only its registering connection may)
 *   LOOKUP NAME                answer "PORT NAME PROTO PORT", or ERR
 *   LIST                       answer "ENTRY NAME PROTO PORT" lines, "END N"
 *   QUIT                       close this connection
 * NAME: 1-32 of A-Z a-z 0-9 . _ -   PROTO: tcp or udp   PORT: 1-65535.
 * Replies: "OK ...", "PORT ...", "ENTRY ...", "END N", "ERR reason".
 * The directory, the servers and the clients all parse with this module.
 */
#ifndef PORTLAB_RENDEZVOUS_H
#define PORTLAB_RENDEZVOUS_H

#include <stddef.h>

#define RV_LINE_MAX 128 /* a request or reply line, without its newline */
#define RV_NAME_MAX 32
#define RV_ENTRIES_MAX 64 /* a directory holds at most this many names */

enum rv_verb { RV_REGISTER, RV_UNREGISTER, RV_LOOKUP, RV_LIST, RV_QUIT };

struct rv_request {
    enum rv_verb verb;
    char name[RV_NAME_MAX + 1];
    char proto[4];
    unsigned port;
};

/* Parse one request line (no newline). Returns 0, or -1 with *error set to
 * a short reason for the "ERR" reply. */
int rv_parse_request(const char *line, struct rv_request *req, const char **error);

/* Parse a reply line "KEYWORD NAME PROTO PORT" (KEYWORD is PORT or ENTRY)
 * into req (verb unused). Returns 0 or -1. */
int rv_parse_entry(const char *line, const char *keyword, struct rv_request *entry);

/* The directory's table of registrations: each name owned by the
 * connection (its fd) that registered it. */
struct rv_entry {
    int used, owner;
    struct rv_request r;
};
struct rv_table {
    struct rv_entry e[RV_ENTRIES_MAX];
};

/* Answer one request line into reply (with its newline), narrating what
 * was done. owner: the asking connection's fd, or -1 for UDP (which may
 * only ask). *owned is set to +1 when owner registered a name, -1 when it
 * unregistered one, else 0. Returns 1 if the connection asked to QUIT. */
int rv_table_answer(struct rv_table *t, const char *line, int owner, const char *who,
                    char *reply, size_t cap, int *owned);

/* owner's connection has ended: drop its names, narrating "dropped NAME: why". */
void rv_table_drop_owner(struct rv_table *t, int owner, const char *why);

#endif
