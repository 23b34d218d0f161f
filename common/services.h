/* services.h - /etc/services: the system's list of port numbers and names.
 *
 * services(5) lists "name port/protocol aliases", separately for tcp and
 * udp. It is a distribution's selection from IANA's registry (Debian's
 * netbase trims entries nobody uses, e.g. most udp twins of tcp ones), and
 * it names ports that servers listen on, plus a few fixed client ports
 * (bootpc 68/udp); the ephemeral ports a kernel hands to clients are not
 * in it. portlab reads the file itself, the same on every libc (musl's
 * getservent() is a stub). Minimal containers may not have it at all
 * (Debian's netbase package provides it).
 */
#ifndef PORTLAB_SERVICES_H
#define PORTLAB_SERVICES_H

#include <stdio.h>

#define SERVICES_FILE "/etc/services"

/* Whether the file has any entry at all (missing or empty: 0). */
int services_available(void);

/* The name listed for port/proto ("tcp", "udp"), or NULL. The text
 * stays valid until the next call. */
const char *services_name(unsigned port, const char *proto);

/* The port listed for name (or an alias) and proto (NULL: either), or -1. */
int services_port(const char *name, const char *proto);

/* The sentence that says the file is missing, for error messages. */
const char *services_missing(void);

/* Reading every entry in file order. */
struct services_entry {
    char name[64];
    unsigned port;
    char proto[8];
    char aliases[192]; /* the rest of the line's names, space-separated */
};
struct services_walk {
    FILE *fp;
};
void services_walk_start(struct services_walk *w);
int services_walk_next(struct services_walk *w, struct services_entry *e); /* 1 or 0 */
void services_walk_end(struct services_walk *w);

/* Parse one line of the file; returns 1 for an entry, 0 for anything else
 * (a comment, a blank or malformed line). Fuzzed. */
int services_parse_line(const char *line, struct services_entry *e);

#endif
