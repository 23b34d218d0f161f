/* rvclient.c - the rendezvous client's plumbing. See rvclient.h. */
#include "rvclient.h"
#include "addr.h"
#include "clock.h"
#include "narrate.h"
#include "rendezvous.h"
#include "wait.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* A numeric address ("127.0.0.3", "fd77::2") into *out, port 0. Never
 * a name lookup. Returns 0, or -1 if it is not one. */
static int from_text(const char *text, struct sockaddr_storage *out)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    memset(&sin, 0, sizeof sin);
    memset(&sin6, 0, sizeof sin6);
    if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        memset(out, 0, sizeof *out);
        memcpy(out, &sin, sizeof sin);
        return 0;
    }
    if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        memset(out, 0, sizeof *out);
        memcpy(out, &sin6, sizeof sin6);
        return 0;
    }
    return -1;
}

const char *rv_client_options(struct opts *o, int argc, char **argv, int *list)
{
    static const char *const help =
        "  NAME        the service to look up (default hello)\n"
        "  -l          list every registration instead (like rpcinfo -p)\n"
        "  (-p PORT is the directory's port)\n";
    const char *words[2], *name = "hello";
    int nwords = 0, i;

    *list = 0;
    opts_init(o, OPTS_CLIENT, "8111", "[-l] [HOST] [NAME]", help);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-l") == 0)
            *list = 1;
        else if (argv[i][0] == '\0')
            o->host = argv[i]; /* opts_finish() will say: empty host */
        else if (argv[i][0] != '-' && nwords < 2)
            words[nwords++] = argv[i];
        else if (!opts_take(o, argc, argv, &i))
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    /* One word: a NAME (or, with -l, a HOST). Two: HOST NAME. */
    if (nwords == 2 || (nwords == 1 && *list))
        o->host = words[0];
    if (nwords == 2 || (nwords == 1 && !*list))
        name = words[nwords - 1];
    opts_finish(o, "tcp");
    return name;
}

int rv_client_list(int d, const struct sockaddr *dir, const struct wait_deadline *deadline)
{
    struct rv_request entry;
    char line[RV_LINE_MAX + 2], where[ADDR_STRLEN], shown[4 * RV_LINE_MAX + 8];
    int count = 0;

    /* Like rpcinfo -p: proto, port, name; one per registration. */
    narrate("   proto   port  name");
    line[0] = '\0';
    while (wait_left_ms(deadline) > 0 &&
           wait_read_line_by(d, "tcp", dir, deadline, line, sizeof line) == 0 &&
           rv_parse_entry(line, "ENTRY", &entry) == 0) { /* parsed strictly: rendezvous.c */
        narrate("   %-5s %6u  %s%s%s", entry.proto, entry.port, entry.name,
                entry.addr[0] ? " on " : "", entry.addr);
        count++;
    }
    if (wait_left_ms(deadline) == 0) { /* lines kept coming, but no END: -t is for all of it */
        report("recv(tcp %s): the directory's answer did not end within %ld ms (-t)",
               addr_format(dir, where, sizeof where), deadline->ms);
        return EXIT_FAILED;
    }
    if (strncmp(line, "END ", 4) != 0) {
        report("the directory said: %s", narrate_safe(line, shown, sizeof shown));
        return EXIT_FAILED;
    }
    narrate("%d registered", count);
    return EXIT_OK;
}

int rv_client_answer(const char *line, const char *name, struct rv_request *entry)
{
    char shown[4 * RV_LINE_MAX + 8];

    if (rv_parse_entry(line, "PORT", entry) == 0 && strcmp(entry->proto, "tcp") == 0)
        return 0;
    report("the directory said: %s", narrate_safe(line, shown, sizeof shown));
    if (strncmp(line, "ERR no such name", 16) == 0)
        report("why: no server registered '%s': start one (bin/rendezvous-server %s), "
               "or see what is there with -l", name, name);
    return -1;
}

int rv_client_host(const struct sockaddr *dir, const struct rv_request *entry,
                   struct sockaddr_storage *svc)
{
    memset(svc, 0, sizeof *svc);
    memcpy(svc, dir, dir->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                : sizeof(struct sockaddr_in));
    if (entry->addr[0] != '\0' && from_text(entry->addr, svc) != 0) {
        report("the directory named an address we cannot use: %s", entry->addr);
        return -1;
    }
    return 0;
}
