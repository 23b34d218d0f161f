/* opts.c - shared command-line handling. See opts.h. */
#include "opts.h"
#include "explain.h"
#include "privilege.h"
#include "port.h"
#include "version.h" /* PORTLAB_VERSION, written by the Makefile */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>

/* Longer than TCP's first retransmission of a lost SYN (1 s, RFC 6298):
 * one lost packet must not fail a client. */
#define DEFAULT_TIMEOUT_MS 3000

void (*opts_exit)(int status) = exit;

void opts_init(struct opts *o, enum opts_role role, const char *default_port,
               const char *synopsis, const char *help)
{
    privilege_note_inherited(); /* closed before privilege is given up */
    memset(o, 0, sizeof *o);
    o->role = role;
    explain_for_server(role == OPTS_SERVER); /* its advice on a taken port */
    o->port_text = default_port;
    o->default_port = default_port;
    o->family = AF_UNSPEC;
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
    o->user = "nobody";
    o->synopsis = synopsis;
    o->help = help;
}

static void print_usage(const struct opts *o, FILE *out)
{
    if (o->role == OPTS_SERVER)
        fprintf(out, "usage: %s [-4|-6] [-b ADDRESS] [-p PORT] [-n COUNT] [-u USER] %s\n"
                "  -p PORT     port number 0-65535 or service name (default %s; "
                "0 = let the kernel choose)\n"
                "  -b ADDRESS  address to bind (default: all IPv4 interfaces, "
                "or all IPv6 with -6)\n"
                "  -n COUNT    stop after COUNT exchanges (default: run until "
                "Ctrl-C)\n"
                "  -u USER     started as root: the user to become once the ports are "
                "open (default nobody)\n",
                narrate_program_name(), o->synopsis, o->default_port);
    else
        fprintf(out, "usage: %s [-4|-6] [-p PORT] [-t MS] %s%s\n"
                "  HOST        server name or address (default 127.0.0.1, "
                "or ::1 with -6)\n"
                "  -p PORT     server port 1-65535 or service name (default %s)\n"
                "  -t MS       how long to wait for a reply, in milliseconds "
                "(default %d)\n",
                narrate_program_name(), o->synopsis,
                strstr(o->synopsis, "HOST") != NULL ? "" : "[HOST]", o->default_port,
                DEFAULT_TIMEOUT_MS);
    if (o->role == OPTS_SERVER)
        fprintf(out, "  -4, -6      IPv4, or IPv6 (-6 with no -b binds [::], dual-stack: "
                     "IPv4 clients too)\n");
    else
        fprintf(out, "  -4, -6      IPv4 only, IPv6 only\n");
    fprintf(out, "  -h          this help\n"
                 "  --version   the portlab version this program belongs to\n");
    if (o->help != NULL)
        fputs(o->help, out);
}

_Noreturn void opts_usage_error(const struct opts *o, const char *fmt, ...)
{
    va_list ap;

    (void)o; /* the usage it describes is printed by -h */
    fflush(stdout);
    fprintf(stderr, "%s: ", narrate_program_name());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    /* One line: what was wrong. The whole usage is one -h away. */
    fputs("; -h for help\n", stderr);
    opts_exit(EXIT_USAGE);
    exit(EXIT_USAGE); /* opts_exit must not return; make sure */
}

long opts_number(const struct opts *o, const char *opt, const char *text,
                 long min, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    /* strtol accepts leading blanks and signs; a count should be digits. */
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno == ERANGE ||
        v < min || v > max)
        opts_usage_error(o, "bad value '%s' for %s: give a whole number %ld-%ld",
                         text, opt, min, max);
    return v;
}

static const char *value_of(const struct opts *o, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        opts_usage_error(o, "option %s needs a value", argv[*i]);
    *i += 1;
    return argv[*i];
}

int opts_take(struct opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];

    if (strcmp(a, "--version") == 0) {
        printf("%s (portlab) %s\n", narrate_program_name(), PORTLAB_VERSION);
        opts_exit(EXIT_OK);
        exit(EXIT_OK);
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        print_usage(o, stdout);
        opts_exit(EXIT_OK);
        exit(EXIT_OK);
    } else if (strcmp(a, "-4") == 0 || strcmp(a, "-6") == 0) {
        int family = a[1] == '4' ? AF_INET : AF_INET6;

        if (o->family != AF_UNSPEC && o->family != family)
            opts_usage_error(o, "-4 and -6 exclude each other: give one of them, or neither");
        o->family = family;
    } else if (strcmp(a, "-p") == 0) {
        o->port_text = value_of(o, argc, argv, i);
    } else if (o->role == OPTS_SERVER && strcmp(a, "-b") == 0) {
        o->host = value_of(o, argc, argv, i);
    } else if (o->role == OPTS_SERVER && strcmp(a, "-u") == 0) {
        o->user = value_of(o, argc, argv, i);
        /* Checked now, before anything is bound: a user this system does
         * not know is a bad option, not a failure after bind(). */
        if (getpwnam(o->user) == NULL)
            opts_usage_error(o, "bad user '%s' for -u: this system has no such user", o->user);
    } else if (o->role == OPTS_SERVER && strcmp(a, "-n") == 0) {
        o->count = opts_number(o, "-n", value_of(o, argc, argv, i), 1, LONG_MAX);
    } else if (o->role == OPTS_CLIENT && strcmp(a, "-t") == 0) {
        o->timeout_ms = opts_number(o, "-t", value_of(o, argc, argv, i), 1, 600000);
    } else if (o->role == OPTS_CLIENT && a[0] != '-' && o->host == NULL) {
        o->host = a;
    } else {
        return 0;
    }
    return 1;
}

void opts_finish(struct opts *o, const char *proto)
{
    char why[256];

    if (port_parse(o->port_text, proto, &o->port, why, sizeof why) != 0)
        opts_usage_error(o, "bad port '%s': %s", o->port_text, why);
    if (o->role == OPTS_CLIENT && o->port == 0)
        opts_usage_error(o, "bad port '%s': a client connects to a server's port, 1-65535 "
                         "(no socket holds port 0: given to bind(), 0 makes the kernel "
                         "choose a port)", o->port_text);
    if (o->host != NULL && o->host[0] == '\0')
        opts_usage_error(o, "empty %s", o->role == OPTS_SERVER ? "bind address" : "host");
    if (o->role == OPTS_CLIENT && o->host == NULL)
        o->host = o->family == AF_INET6 ? "::1" : "127.0.0.1";
}
