/* privileged.c - the privileged demo's plumbing. See privileged.h. */
#include "privileged.h"

#include <errno.h>
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

/* IANA's three classes of port numbers (RFC 6335). */
static const char *iana_class(unsigned port)
{
    if (port <= 1023)
        return "system";
    if (port <= 49151)
        return "registered";
    return "dynamic";
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
            who, to, iana_class(to));
    if (low) {
        narrate("%s came from source port %u, below 1024: old rsh/rlogin servers "
                "trusted that as proof the client program ran as root on its host", who, from);
        narrate("that proves nothing today: whoever is root on ANY machine (a laptop, "
                "a VM) can send from any port");
    }
}

void privileged_narrate_who(void)
{
    struct privilege_cap cap = privilege_cap_state();

    switch (cap.state) {
    case PRIV_CAP_UNKNOWN:
        narrate("we run as %s (whether we hold CAP_NET_BIND_SERVICE is %s)",
                privilege_who(), cap.source);
        break;
    case PRIV_CAP_HELD_ELSEWHERE:
        narrate("we run as %s, holding CAP_NET_BIND_SERVICE (read from %s) - but in a user "
                "namespace that neither owns this network namespace nor is an ancestor of its "
                "owner, so it does not count here", privilege_who(), cap.source);
        break;
    default:
        narrate("we run as %s, %s CAP_NET_BIND_SERVICE (read from %s)", privilege_who(),
                cap.state == PRIV_CAP_HELD ? "holding" : "without", cap.source);
        break;
    }
}

void privileged_narrate_threshold(void)
{
    struct kernel_fact t = kernel_unprivileged_port_start();

    if (t.known)
        narrate("the kernel's rule here: binding a port below %ld needs privilege "
                "(net.ipv4.ip_unprivileged_port_start, read from %s)", t.value[0], t.source);
    else
        narrate("the kernel's threshold is %s; the classic rule is: ports below "
                "1024 need privilege", t.source);
}

int privileged_refusal_expected(unsigned port, int err)
{
    return err == EACCES && port != 0 && privilege_bind_reason(port) == NULL;
}

void privileged_narrate_refusal(const char *proto, const struct sockaddr *sa, int err)
{
    struct kernel_fact t = kernel_unprivileged_port_start();
    struct privilege_cap cap = privilege_cap_state();
    unsigned port = addr_port(sa);
    char where[ADDR_STRLEN];

    narrate("as expected, the kernel refused: bind(%s %s): %s (%s)", proto,
            addr_format(sa, where, sizeof where), narrate_errno_name(err), narrate_errno_text(err));
    if (t.known)
        narrate("why: port %u is below %u, the kernel's threshold: binding it needs "
                "privilege.\n(The threshold is net.ipv4.ip_unprivileged_port_start, read "
                "from %s.)", port, privilege_threshold(), t.source);
    else
        narrate("why: port %u is below 1024, the classic threshold (this system does not "
                "say its own), and binding it needs privilege", port);
    if (cap.state == PRIV_CAP_HELD_ELSEWHERE)
        narrate("why: our CAP_NET_BIND_SERVICE (read from %s) is held in a user namespace "
                "that does not count for this network namespace", cap.source);
    else if (cap.state == PRIV_CAP_NOT_HELD)
        narrate("why: we run as %s, without CAP_NET_BIND_SERVICE (read from %s)",
                privilege_who(), cap.source);
    else
        narrate("why: we run as %s, not root (whether we hold CAP_NET_BIND_SERVICE is %s)",
                privilege_who(), cap.source);
}
