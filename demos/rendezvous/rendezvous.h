/* rendezvous.h - the tiny text protocol of the rendezvous demo.
 *
 * One request per line, at most RV_LINE_MAX bytes, words separated by one
 * space, parsed strictly (a bad line gets "ERR ...", never a crash):
 *   REGISTER NAME PROTO PORT [here]   keep NAME -> (PROTO, PORT) while
 *                              this connection stays open; "here": the
 *                              server listens only on the address this
 *                              connection comes from, which the directory
 *                              records (it never takes an address on trust)
 *   UNREGISTER NAME            remove it (only its registering connection may)
 *   LOOKUP NAME                answer "PORT NAME PROTO PORT [ADDRESS]", or ERR
 *   LIST                       answer "ENTRY NAME PROTO PORT [ADDRESS]" lines,
 *                              "END N" (over TCP only: UDP answers stay small)
 *   QUIT                       close this connection
 * NAME: 1-32 of A-Z a-z 0-9 . _ -   PROTO: tcp or udp   PORT: 1-65535.
 * ADDRESS: only for a "here" registration, the address it came from.
 * Replies: "OK ...", "PORT ...", "ENTRY ...", "END N", "ERR reason".
 * A line ends with LF; one CR before it is dropped (nc, telnet); any other
 * control byte, NUL included, makes it a bad request - over TCP and UDP
 * alike (rv_take_line).
 * The directory, the servers and the clients all parse with this module.
 */
#ifndef PORTLAB_RENDEZVOUS_H
#define PORTLAB_RENDEZVOUS_H

#include <stddef.h>

#define RV_LINE_MAX 128 /* a request or reply line, without its newline */
#define RV_NAME_MAX 32
#define RV_ENTRIES_MAX 64 /* a directory holds at most this many names */
#define RV_NAMES_PER_OWNER 8 /* and one connection at most this many */
#define RV_NAMES_PER_USER 16 /* one local user (uid), or one remote host, at most
                                this many: a quarter, the rest stays for others */
#define RV_USER_MAX 64       /* "uid 1000", "host 10.77.0.2" */
#define RV_UDP_REPLY_MAX 200 /* the largest UDP answer: one LOOKUP line fits */
#define RV_ADDR_MAX 46   /* an IPv6 address as text, with its NUL */

/* The directory's greeting, on every new connection. */
#define RV_HELLO "rendezvous-directory: REGISTER NAME tcp|udp PORT, UNREGISTER NAME, " \
                 "LOOKUP NAME, LIST, QUIT\n"

enum rv_verb { RV_REGISTER, RV_UNREGISTER, RV_LOOKUP, RV_LIST, RV_QUIT };

struct rv_request {
    enum rv_verb verb;
    char name[RV_NAME_MAX + 1];
    char proto[4];
    unsigned port;
    int here;               /* REGISTER ... here */
    char addr[RV_ADDR_MAX]; /* PORT/ENTRY replies: the address, or "" */
};

/* One received line, len bytes without its LF: drop one trailing CR and
 * end it with a NUL (buf has room for it). Returns 0, or -1 with *error
 * set when it holds a control byte (NUL included) or is too long. */
int rv_take_line(char *buf, size_t len, const char **error);

/* Parse one request line (no newline). Returns 0, or -1 with *error set to
 * a short reason for the "ERR" reply. */
int rv_parse_request(const char *line, struct rv_request *req, const char **error);

/* Parse a reply line "KEYWORD NAME PROTO PORT [ADDRESS]" (KEYWORD is PORT
 * or ENTRY) into req (verb unused). Returns 0 or -1. */
int rv_parse_entry(const char *line, const char *keyword, struct rv_request *entry);

/* The directory's table of registrations: each name owned by the
 * connection (its fd) that registered it. */
struct rv_entry {
    int used, owner;
    char user[RV_USER_MAX]; /* who registered it: rv_asker.user */
    struct rv_request r; /* r.addr: the source address of a "here" registration */
};
struct rv_table {
    struct rv_entry e[RV_ENTRIES_MAX];
};

/* Who asks: a TCP connection (owner = its fd) or a UDP datagram (-1). */
struct rv_asker {
    int owner;
    const char *who;     /* "127.0.0.1:40000", for the narration */
    const char *addr;    /* its source address alone, "127.0.0.1" */
    const char *refuse;  /* NULL, or why it may not register ("not this host") */
    const char *user;    /* whose names count together: "uid 1000" (a local
                            connection's owner, from /proc/net/tcp) or
                            "host ADDRESS"; NULL: no such limit */
};

/* Answer one request line into reply (with its newline), narrating what
 * was done. A UDP asker may only ask, and gets no LIST. *owned is set to
 * +1 when owner registered a name, -1 when it unregistered one, else 0.
 * Returns 1 if the connection asked to QUIT, -1 for a bad request. */
int rv_table_answer(struct rv_table *t, const char *line, const struct rv_asker *a,
                    char *reply, size_t cap, int *owned);

/* owner's connection has ended: drop its names, narrating "dropped NAME: why". */
void rv_table_drop_owner(struct rv_table *t, int owner, const char *why);

#endif
