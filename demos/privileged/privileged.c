/* privileged.c - the privileged demo's plumbing. See privileged.h. */
#include "privileged.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT "23"          /* telnet's, as in the primer */
#define DEFAULT_SOURCE_PORT "1023" /* the highest privileged port, as rsh used */

static const char *const CLIENT_HELP =
    "  -s PORT     step 2: the source port to bind before connecting (default 1023)\n";

void privileged_server_options(struct opts *o, int argc, char **argv)
{
    int i;

    opts_init(o, OPTS_SERVER, DEFAULT_PORT, "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(o, argc, argv, &i))
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    opts_finish(o, NULL);
    if (o->host == NULL && o->family == AF_UNSPEC)
        o->family = AF_INET;
}

void privileged_client_options(struct opts *o, int argc, char **argv, unsigned *source)
{
    const char *source_text = DEFAULT_SOURCE_PORT;
    char why[200];
    int i;

    opts_init(o, OPTS_CLIENT, DEFAULT_PORT, "[-s PORT] ", CLIENT_HELP);
    for (i = 1; i < argc; i++) {
        if (opts_take(o, argc, argv, &i))
            continue;
        if (strcmp(argv[i], "-s") == 0 && i + 1 >= argc)
            opts_usage_error(o, "option -s needs a value");
        else if (strcmp(argv[i], "-s") == 0)
            source_text = argv[++i];
        else
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, "tcp");
    if (port_parse(source_text, "tcp", source, why, sizeof why) != 0)
        opts_usage_error(o, "bad source port '%s': %s", source_text, why);
}

void privileged_reply(const struct serve_event *ev, char *line, size_t cap, void *ctx)
{
    char who[ADDR_STRLEN];
    unsigned from = addr_port(ev->peer), to = addr_port(ev->local);
    int low = from < 1024;

    (void)ctx;
    addr_format(ev->peer, who, sizeof who);
    snprintf(line, cap, "privileged-server pid %ld, %s: you reached %s port %u from %s%s\n",
             (long)getpid(), privilege_who(), ev->proto, to, who,
             low ? " (a privileged source port)" : "");
    narrate("%s from %s to port %u: reaching a %s port needs no privilege", ev->proto,
            who, to, port_class(to));
    if (low) {
        narrate("%s came from source port %u, below 1024: old rsh/rlogin servers "
                "trusted that as proof the client program ran as root on its host", who, from);
        narrate("that proves nothing today: whoever is root on ANY machine (a laptop, "
                "a VM) can send from any port");
    }
}
