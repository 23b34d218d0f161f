/* opts.h - the command line every portlab program shares.
 *
 * Servers:  [-4|-6] [-b ADDRESS] [-p PORT] [-n COUNT] [-u USER]
 * Clients:  [-4|-6] [-p PORT] [-t MILLISECONDS] [HOST]
 * Both:     -h prints usage and exits 0; bad usage prints one line on
 *           stderr (what was wrong, and "-h for help") and exits 2.
 * A demo loops over argv, offers each word to opts_take(), and handles the
 * words that are its own (see any demos/<name>/server.c).
 */
#ifndef PORTLAB_OPTS_H
#define PORTLAB_OPTS_H

#include "narrate.h"

enum opts_role { OPTS_SERVER, OPTS_CLIENT };

struct opts {
    enum opts_role role;
    const char *port_text;  /* -p, or the demo's default */
    const char *default_port; /* the demo's default, for the usage text */
    unsigned port;          /* set by opts_finish() */
    const char *host;       /* server: -b ADDRESS (NULL = all interfaces);
                               client: HOST (NULL = opts_finish() default) */
    int family;             /* AF_UNSPEC, or AF_INET (-4), AF_INET6 (-6) */
    long count;             /* server -n: stop after COUNT exchanges; 0 = never */
    const char *user;       /* server -u: who a server started as root becomes
                               once its sockets are open (privilege_give_up) */
    int tell_privilege;     /* server: serve_open() narrates giving privilege up
                               (a demo about privilege); others do it quietly */
    long timeout_ms;        /* client -t: how long to wait for a reply */
    const char *synopsis;   /* the demo's own options, for the usage line */
    const char *help;       /* lines describing them, or NULL */
};

void opts_init(struct opts *o, enum opts_role role, const char *default_port,
               const char *synopsis, const char *help);

/* If argv[*i] is a shared option (or a client's HOST), take it, step *i
 * past its value, and return 1; otherwise return 0. */
int opts_take(struct opts *o, int argc, char **argv, int *i);

/* Parse the port for proto ("tcp", "udp" or NULL for either), fill in the
 * client's default host; exits 2 with a message on a bad value. */
void opts_finish(struct opts *o, const char *proto);

/* A whole number in [min, max] for option opt, or exit 2. */
long opts_number(const struct opts *o, const char *opt, const char *text,
                 long min, long max);

/* How bad usage ends: exit(2). A fuzz target replaces it (with one that
 * jumps back) to try the parser on many command lines in one process. */
extern void (*opts_exit)(int status);

/* Print "program: msg; -h for help" on stderr; exit 2. */
_Noreturn void opts_usage_error(const struct opts *o, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif
