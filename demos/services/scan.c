/* scan.c - services-client's plumbing. See scan.h. */
#include "scan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_RANGE "1-1024"

static const char *const HELP =
    "  lookup NAME|PORT...  look names and numbers up in /etc/services, tcp and udp\n"
    "  scan (the default)   connect to each port of -r on HOST, compare the\n"
    "                       /etc/services guess with the banner\n"
    "  -r LOW-HIGH          ports to scan (default 1-1024, at most 4096)\n";

/* What a few services say first, so that a banner can be checked against
 * the registry's guess. Most services send nothing until spoken to. */
static const struct {
    const char *service, *greeting;
} greetings[] = {
    {"ssh", "SSH-"}, {"ftp", "220"}, {"smtp", "220"}, {"pop3", "+OK"},
    {"imap2", "* OK"}, {"telnet", "\xff"}, /* telnet starts negotiating: IAC */
};

/* "1-1024" -> 1, 1024; exits 2 on anything else. */
static void parse_range(const struct opts *o, const char *text, unsigned *lo, unsigned *hi)
{
    char low[16], why[200];
    size_t n = strcspn(text, "-"); /* the length of LOW */
    const char *dash = text + n;

    if (*dash != '-' || n == 0 || n >= sizeof low) {
        opts_usage_error(o, "bad range '%s': write LOW-HIGH, e.g. 1-1024", text);
        return; /* not reached: opts_usage_error() exits */
    }
    memcpy(low, text, n);
    low[n] = '\0';
    if (!isdigit((unsigned char)low[0]) || !isdigit((unsigned char)dash[1]) ||
        port_parse(low, "tcp", lo, why, sizeof why) != 0 ||
        port_parse(dash + 1, "tcp", hi, why, sizeof why) != 0)
        opts_usage_error(o, "bad range '%s': both ends must be port numbers 1-65535", text);
    if (*lo == 0 || *lo > *hi)
        opts_usage_error(o, "bad range '%s': LOW must be at least 1 and not above HIGH", text);
    if (*hi - *lo + 1 > SCAN_MAX_PORTS)
        opts_usage_error(o, "bad range '%s': at most %d ports at a time (a polite scan)",
                         text, SCAN_MAX_PORTS);
}

void scan_options(struct opts *o, struct scan_request *r, int argc, char **argv)
{
    const char *range_text = DEFAULT_RANGE;
    int i;

    memset(r, 0, sizeof *r);
    opts_init(o, OPTS_CLIENT, "1", "[-r LOW-HIGH] [lookup NAME|PORT... | scan] ", HELP);
    o->default_port = "none: the range -r is scanned; -p scans just this port";
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "lookup") == 0 && !r->lookup && r->nwords == 0 && o->host == NULL)
            r->lookup = 1;
        else if (strcmp(argv[i], "scan") == 0 && !r->lookup && o->host == NULL)
            continue;
        else if (r->lookup && argv[i][0] != '-' && r->nwords < SCAN_MAX_WORDS)
            r->words[r->nwords++] = argv[i];
        else if (strcmp(argv[i], "-r") == 0 && i + 1 >= argc)
            opts_usage_error(o, "option -r needs a value");
        else if (strcmp(argv[i], "-r") == 0)
            range_text = argv[++i];
        else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            range_text = NULL; /* just this one port */
            o->port_text = argv[++i];
        }
        else if (!opts_take(o, argc, argv, &i))
            opts_usage_error(o, "unknown argument '%s'", argv[i]);
    }
    opts_finish(o, "tcp");
    if (r->lookup && r->nwords == 0)
        opts_usage_error(o, "lookup needs a service name or a port number");
    if (r->lookup)
        return;
    if (range_text != NULL)
        parse_range(o, range_text, &r->lo, &r->hi);
    else
        r->lo = r->hi = o->port;
    if (r->lo == 0)
        opts_usage_error(o, "port 0 cannot be scanned: nothing listens on it");
}

void scan_pace(long long start, unsigned n)
{
    long long due = start + (long long)n * 1000 / SCAN_ATTEMPTS_PER_SECOND;

    if (due > clock_now_ms())
        wait_for(-1, 0, due - clock_now_ms());
}

void scan_verdict(unsigned port, const char *guess, const char *banner, size_t len)
{
    size_t i;
    char lower[512];

    if (guess == NULL) {
        narrate("  %u: %s has no entry for it: only what answers can tell", port,
                SERVICES_FILE);
        return;
    }
    if (len == 0) {
        narrate("  %u: no banner: %s's clients may have to speak first; the number alone "
                "suggests %s", port, guess, guess);
        return;
    }
    for (i = 0; i < sizeof greetings / sizeof greetings[0]; i++) {
        if (strcmp(greetings[i].service, guess) != 0)
            continue;
        if (strncmp(banner, greetings[i].greeting, strlen(greetings[i].greeting)) == 0)
            narrate("  %u: it greets like %s: the registry's guess fits (a greeting can be "
                    "imitated, so this too is a guess)", port, guess);
        else
            narrate("  %u: that is not how %s greets: convention, not law - the port "
                    "number only suggested %s", port, guess, guess);
        return;
    }
    for (i = 0; i < len && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)banner[i]);
    lower[i] = '\0';
    if (strstr(lower, guess) != NULL)
        narrate("  %u: the banner mentions %s", port, guess);
    else
        narrate("  %u: the banner does not say %s: convention, not law - only the "
                "registry says it is %s", port, guess, guess);
}

void scan_count(struct scan_tally *t, unsigned port, int err, long ms)
{
    enum knock_why why;
    const char *verdict = knock_errno_verdict(&(struct knock){.tcp = 1, .err = err}, &why);

    if (err == 0) {
        t->open++;
        return;
    }
    if ((size_t)why < sizeof t->why_err / sizeof t->why_err[0] && t->why_err[why] == 0)
        t->why_err[why] = err; /* the summary says what it means, once */
    t->refused += err == ECONNREFUSED;
    t->silent += err == ETIMEDOUT;
    t->other += err != ECONNREFUSED && err != ETIMEDOUT;
    if (err == ETIMEDOUT)
        narrate("%u/tcp %s: no answer within %ld ms", port, verdict, ms);
    else
        narrate("%u/tcp %s: %s (%s)", port, verdict, narrate_errno_name(err), narrate_errno_text(err));
}

void scan_summary(const struct scan_tally *t, const struct scan_request *r, const char *host)
{
    char other[32] = "", text[600];
    size_t w;

    /* refused: a reset or an ICMP port unreachable came back (usually
     * nothing listens; a firewall's reject looks the same); silent: nothing
     * came back in time (a dropping firewall, or an absent host); other: an
     * error that is neither. */
    if (t->other > 0)
        snprintf(other, sizeof other, ", %d other", t->other);
    if (t->open == 0)
        narrate("nothing open in %u-%u on %s (%d refused, %d silent%s)", r->lo, r->hi, host,
                t->refused, t->silent, other);
    else
        narrate("%d open, %d refused, %d silent%s in %u-%u on %s", t->open, t->refused,
                t->silent, other, r->lo, r->hi, host);
    /* What each verdict given means, once: the classifier firewall-client
     * uses too (common/knock.c). */
    for (w = 0; w < sizeof t->why_err / sizeof t->why_err[0]; w++)
        if (t->why_err[w] != 0)
            narrate("%s: %s", t->why_err[w] == ECONNREFUSED ? "refused"
                              : t->why_err[w] == ETIMEDOUT ? "silent" : narrate_errno_name(t->why_err[w]),
                    knock_verdict_text(&(struct knock){.tcp = 1, .err = t->why_err[w]}, text,
                                       sizeof text));
}
