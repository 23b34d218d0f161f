/* services.c - reading /etc/services. See services.h. Fuzzed by
 * tests/fuzz/services.c. */
#include "services.h"

#include <stdio.h>
#include <string.h>

static const char *const blanks = " \t\r\n";

/* Copy the next word of *p (at most cap-1 bytes) into out; 0 if none. */
static int word(const char **p, char *out, size_t cap)
{
    size_t n;

    *p += strspn(*p, blanks);
    n = strcspn(*p, blanks);
    if (n == 0 || n >= cap)
        return 0;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n;
    return 1;
}

int services_parse_line(const char *line, struct services_entry *e)
{
    char buf[512], portproto[32], alias[64], *hash, *slash, *end;
    const char *p = buf;
    unsigned long port = 0;
    size_t len;

    snprintf(buf, sizeof buf, "%s", line);
    if ((hash = strchr(buf, '#')) != NULL)
        *hash = '\0';
    if (!word(&p, e->name, sizeof e->name) || !word(&p, portproto, sizeof portproto))
        return 0;
    slash = strchr(portproto, '/');
    if (slash == NULL || slash == portproto || slash - portproto > 5)
        return 0;
    for (end = portproto; end < slash; end++) {
        if (*end < '0' || *end > '9')
            return 0;
        port = port * 10 + (unsigned long)(*end - '0');
    }
    if (port > 65535 || strlen(slash + 1) == 0 || strlen(slash + 1) >= sizeof e->proto)
        return 0;
    e->port = (unsigned)port;
    snprintf(e->proto, sizeof e->proto, "%s", slash + 1);
    e->aliases[0] = '\0';
    while (word(&p, alias, sizeof alias)) {
        len = strlen(e->aliases);
        if (len + strlen(alias) + 2 > sizeof e->aliases)
            break;
        snprintf(e->aliases + len, sizeof e->aliases - len, "%s%s", len ? " " : "", alias);
    }
    return 1;
}

void services_walk_start(struct services_walk *w)
{
    w->fp = fopen(SERVICES_FILE, "r");
}

int services_walk_next(struct services_walk *w, struct services_entry *e)
{
    char line[512];

    while (w->fp != NULL && fgets(line, sizeof line, w->fp) != NULL) {
        if (strchr(line, '\n') == NULL && !feof(w->fp)) {
            int c;

            while ((c = fgetc(w->fp)) != EOF && c != '\n')
                ; /* a line too long to be an entry: skip the rest */
            continue;
        }
        if (services_parse_line(line, e))
            return 1;
    }
    return 0;
}

void services_walk_end(struct services_walk *w)
{
    if (w->fp != NULL)
        fclose(w->fp);
    w->fp = NULL;
}

int services_available(void)
{
    struct services_walk w;
    struct services_entry e;
    int any;

    services_walk_start(&w);
    any = services_walk_next(&w, &e);
    services_walk_end(&w);
    return any;
}

static int has_alias(const char *aliases, const char *name)
{
    size_t n = strlen(name);
    const char *a = aliases;

    while ((a = strstr(a, name)) != NULL) {
        if ((a == aliases || a[-1] == ' ') && (a[n] == ' ' || a[n] == '\0'))
            return 1;
        a += n;
    }
    return 0;
}

const char *services_name(unsigned port, const char *proto)
{
    static char name[64];
    struct services_walk w;
    struct services_entry e;
    const char *found = NULL;

    services_walk_start(&w);
    while (found == NULL && services_walk_next(&w, &e))
        if (e.port == port && strcmp(e.proto, proto) == 0) {
            snprintf(name, sizeof name, "%s", e.name);
            found = name;
        }
    services_walk_end(&w);
    return found;
}

int services_port(const char *name, const char *proto)
{
    struct services_walk w;
    struct services_entry e;
    int port = -1;

    services_walk_start(&w);
    while (port < 0 && services_walk_next(&w, &e))
        if ((proto == NULL || strcmp(e.proto, proto) == 0) &&
            (strcmp(e.name, name) == 0 || has_alias(e.aliases, name)))
            port = (int)e.port;
    services_walk_end(&w);
    return port;
}

const char *services_missing(void)
{
    return SERVICES_FILE " is missing or empty, so no service names can be looked up "
           "(minimal containers lack it: on Debian it comes with the netbase package)";
}
