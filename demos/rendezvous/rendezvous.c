/* rendezvous.c - strict parsing of the rendezvous protocol. See
 * rendezvous.h. Fuzzed by tests/fuzz/rendezvous.c. */
#include "rendezvous.h"
#include "narrate.h"

#include <stdio.h>
#include <string.h>

/* Copy the next space-separated word of *p into out (cap bytes with its
 * NUL); step *p past it and one space. Returns its length, or -1 if it is
 * empty or too long. */
static int next_word(const char **p, char *out, size_t cap)
{
    size_t n = strcspn(*p, " ");

    if (n == 0 || n >= cap)
        return -1;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n;
    if (**p == ' ')
        (*p)++;
    return (int)n;
}

static int valid_name(const char *name)
{
    const char *c;

    for (c = name; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
            return 0;
    return c != name;
}

static int valid_port(const char *text, unsigned *port)
{
    unsigned long v = 0;
    const char *c;

    if (text[0] == '\0' || strlen(text) > 5 || text[0] == '0')
        return 0;
    for (c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        v = v * 10 + (unsigned long)(*c - '0');
    }
    *port = (unsigned)v;
    return v >= 1 && v <= 65535;
}

int rv_take_line(char *buf, size_t len, const char **error)
{
    size_t i;

    if (len > 0 && buf[len - 1] == '\r')
        len--; /* nc and telnet may send CR LF */
    buf[len] = '\0';
    for (i = 0; i < len; i++) {
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f) {
            *error = "only printable ASCII, please";
            return -1;
        }
    }
    if (len > RV_LINE_MAX) {
        *error = "line too long";
        return -1;
    }
    return 0;
}

/* An address as text: IPv4 or IPv6 characters only (the client checks
 * it with inet_pton before dialling). */
static int valid_addr(const char *text)
{
    size_t n = strspn(text, "0123456789abcdefABCDEF.:");

    return n > 0 && text[n] == '\0' && n < RV_ADDR_MAX;
}

/* NAME PROTO PORT, the end of a REGISTER, PORT or ENTRY line; then
 * what may follow (extra: "here" for REGISTER, "addr" for replies). */
static int name_proto_port(const char *p, struct rv_request *r, const char *extra,
                           const char **error)
{
    char portword[8];

    if (next_word(&p, r->name, sizeof r->name) < 0 || !valid_name(r->name)) {
        *error = "bad name: 1-32 letters, digits, '.', '_' or '-'";
        return -1;
    }
    if (next_word(&p, r->proto, sizeof r->proto) < 0 ||
        (strcmp(r->proto, "tcp") != 0 && strcmp(r->proto, "udp") != 0)) {
        *error = "bad protocol: tcp or udp";
        return -1;
    }
    if (next_word(&p, portword, sizeof portword) < 0 || !valid_port(portword, &r->port)) {
        *error = "bad port: 1-65535";
        return -1;
    }
    if (*p != '\0' && strcmp(extra, "here") == 0 && strcmp(p, "here") == 0) {
        r->here = 1;
        return 0;
    }
    if (*p != '\0' && strcmp(extra, "addr") == 0) {
        if (next_word(&p, r->addr, sizeof r->addr) < 0 || !valid_addr(r->addr) || *p != '\0') {
            *error = "bad address";
            return -1;
        }
        return 0;
    }
    if (*p != '\0') {
        *error = "too many words";
        return -1;
    }
    return 0;
}

int rv_parse_request(const char *line, struct rv_request *req, const char **error)
{
    const char *p = line;
    char verb[12];
    size_t i;

    memset(req, 0, sizeof *req);
    for (i = 0; line[i] != '\0'; i++) {
        if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f) {
            *error = "only printable ASCII, please";
            return -1;
        }
    }
    if (i > RV_LINE_MAX) {
        *error = "line too long";
        return -1;
    }
    if (next_word(&p, verb, sizeof verb) < 0) {
        *error = "empty request: try LIST";
        return -1;
    }
    if (strcmp(verb, "REGISTER") == 0) {
        req->verb = RV_REGISTER;
        return name_proto_port(p, req, "here", error);
    }
    if (strcmp(verb, "UNREGISTER") == 0 || strcmp(verb, "LOOKUP") == 0) {
        req->verb = verb[0] == 'U' ? RV_UNREGISTER : RV_LOOKUP;
        if (next_word(&p, req->name, sizeof req->name) < 0 || !valid_name(req->name)) {
            *error = "bad name: 1-32 letters, digits, '.', '_' or '-'";
            return -1;
        }
    } else if (strcmp(verb, "LIST") == 0) {
        req->verb = RV_LIST;
    } else if (strcmp(verb, "QUIT") == 0) {
        req->verb = RV_QUIT;
    } else {
        *error = "unknown command: REGISTER, UNREGISTER, LOOKUP, LIST or QUIT";
        return -1;
    }
    if (*p != '\0') {
        *error = "too many words";
        return -1;
    }
    return 0;
}

int rv_parse_entry(const char *line, const char *keyword, struct rv_request *entry)
{
    size_t k = strlen(keyword);
    const char *error;

    memset(entry, 0, sizeof *entry);
    if (strncmp(line, keyword, k) != 0 || line[k] != ' ' || strlen(line) > RV_LINE_MAX)
        return -1;
    return name_proto_port(line + k + 1, entry, "addr", &error);
}

/* The directory's table: see rendezvous.h. */
static void entry_line(char *out, size_t cap, const char *keyword, const struct rv_request *r)
{
    snprintf(out, cap, "%s %s %s %u%s%s\n", keyword, r->name, r->proto, r->port,
             r->addr[0] ? " " : "", r->addr);
}

int rv_table_answer(struct rv_table *t, const char *line, const struct rv_asker *a,
                    char *reply, size_t cap, int *owned)
{
    struct rv_request req;
    const char *error;
    size_t i, n = 0;
    int count = 0, free_slot = -1, found = -1, mine = 0, users = 0;

    *owned = 0;
    if (rv_parse_request(line, &req, &error) != 0) {
        narrate("%s: bad request: %s", a->who, error);
        snprintf(reply, cap, "ERR %s\n", error);
        return -1;
    }
    for (i = 0; i < RV_ENTRIES_MAX; i++) {
        if (!t->e[i].used && free_slot < 0)
            free_slot = (int)i;
        if (t->e[i].used && strcmp(t->e[i].r.name, req.name) == 0)
            found = (int)i;
        if (t->e[i].used && t->e[i].owner == a->owner)
            mine++;
        if (t->e[i].used && a->user != NULL && strcmp(t->e[i].user, a->user) == 0)
            users++;
    }
    switch (req.verb) {
    case RV_REGISTER:
        if (a->owner < 0)
            snprintf(reply, cap, "ERR register over tcp: a registration lasts as long as "
                     "its connection\n");
        else if (a->refuse != NULL) {
            narrate("%s: refused a registration of %s: %s", a->who, req.name, a->refuse);
            snprintf(reply, cap, "ERR not from here: %s\n", a->refuse);
        } else if (found >= 0)
            snprintf(reply, cap, "ERR name taken: %s is %s %u\n", req.name,
                     t->e[found].r.proto, t->e[found].r.port);
        else if (mine >= RV_NAMES_PER_OWNER) {
            narrate("%s: refused a registration of %s: it holds %d names already, the most "
                    "one connection may", a->who, req.name, mine);
            snprintf(reply, cap, "ERR too many names: at most %d per connection\n",
                     RV_NAMES_PER_OWNER);
        } else if (users >= RV_NAMES_PER_USER) {
            narrate("%s: refused a registration of %s: %s holds %d names already, the most "
                    "one user or host may (the rest stay free for others)", a->who, req.name,
                    a->user, users);
            snprintf(reply, cap, "ERR too many names: at most %d per user or host\n",
                     RV_NAMES_PER_USER);
        } else if (free_slot < 0)
            snprintf(reply, cap, "ERR directory full: at most %d names\n", RV_ENTRIES_MAX);
        else {
            t->e[free_slot].used = 1;
            t->e[free_slot].owner = a->owner;
            t->e[free_slot].r = req;
            snprintf(t->e[free_slot].user, sizeof t->e[free_slot].user, "%s",
                     a->user != NULL ? a->user : "");
            if (req.here) /* the address it came from, never one it claims */
                snprintf(t->e[free_slot].r.addr, sizeof t->e[free_slot].r.addr, "%s",
                         a->addr != NULL ? a->addr : "");
            *owned = 1;
            narrate("registered %s -> %s port %u%s%s, for as long as %s stays connected",
                    req.name, req.proto, req.port, req.here ? " on " : "",
                    req.here ? t->e[free_slot].r.addr : "", a->who);
            snprintf(reply, cap, "OK registered %s %s %u\n", req.name, req.proto, req.port);
        }
        return 0;
    case RV_UNREGISTER:
        if (found < 0)
            snprintf(reply, cap, "ERR no such name: %s\n", req.name);
        else if (t->e[found].owner != a->owner)
            snprintf(reply, cap, "ERR not yours: only the connection that registered %s "
                     "may remove it\n", req.name);
        else {
            t->e[found].used = 0;
            *owned = -1;
            narrate("unregistered %s, as %s asked", req.name, a->who);
            snprintf(reply, cap, "OK unregistered %s\n", req.name);
        }
        return 0;
    case RV_LOOKUP:
        if (found < 0) {
            narrate("%s looked up %s: no such name", a->who, req.name);
            snprintf(reply, cap, "ERR no such name: %s\n", req.name);
        } else {
            narrate("%s looked up %s: %s port %u%s%s", a->who, req.name, t->e[found].r.proto,
                    t->e[found].r.port, t->e[found].r.addr[0] ? " on " : "",
                    t->e[found].r.addr);
            entry_line(reply, cap, "PORT", &t->e[found].r);
        }
        return 0;
    case RV_LIST:
        if (a->owner < 0) {
            /* A 4-byte question must not draw a 3 KB answer to a forged source. */
            narrate("%s asked for the list over udp: pointed it to tcp", a->who);
            snprintf(reply, cap, "ERR list over tcp: a udp answer stays small\n");
            return 0;
        }
        for (i = 0; i < RV_ENTRIES_MAX && n < cap; i++) {
            if (!t->e[i].used)
                continue;
            entry_line(reply + n, cap - n, "ENTRY", &t->e[i].r);
            n += strlen(reply + n);
            count++;
        }
        if (n < cap)
            snprintf(reply + n, cap - n, "END %d\n", count);
        narrate("%s asked for the list: %d entr%s", a->who, count, count == 1 ? "y" : "ies");
        return 0;
    case RV_QUIT:
        snprintf(reply, cap, "OK bye\n");
        return 1;
    }
    return 0;
}


void rv_table_drop_owner(struct rv_table *t, int owner, const char *why)
{
    size_t i;

    for (i = 0; i < RV_ENTRIES_MAX; i++) {
        if (t->e[i].used && t->e[i].owner == owner) {
            t->e[i].used = 0;
            narrate("dropped %s: %s", t->e[i].r.name, why);
        }
    }
}
