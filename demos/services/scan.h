/* scan.h - services-client's plumbing: its command line, the polite pace
 * of a scan, the greetings it knows, and the summary. The look-up and the
 * connect() of each port stay in client.c.
 */
#ifndef PORTLAB_SCAN_H
#define PORTLAB_SCAN_H

#include "portlab.h"

#define SCAN_MAX_PORTS 4096       /* a polite scan is a small one */
#define SCAN_ATTEMPTS_PER_SECOND 200
#define SCAN_MAX_WORDS 64

/* What the command line asked for: look-ups, or a scan of lo-hi. */
struct scan_request {
    int lookup;                       /* 1: look the words up; 0: scan */
    const char *words[SCAN_MAX_WORDS];
    int nwords;
    unsigned lo, hi;                  /* the scan's range (-r, or -p alone) */
};

/* Parse the command line into o and r; exits 2 on bad usage. */
void scan_options(struct opts *o, struct scan_request *r, int argc, char **argv);

/* Wait, if need be, so that the scan never makes more than
 * SCAN_ATTEMPTS_PER_SECOND attempts a second. start: clock_now_ms() when the
 * scan began; n: how many attempts came before this one. */
void scan_pace(long long start, unsigned n);

/* What each port gave: probe()'s results, counted; why_err: for each
 * knock_why (common/knock.h) a port's verdict had, the errno that gave it. */
struct scan_tally {
    int open, refused, silent, other;
    int why_err[KNOCK_WHY_UNKNOWN + 1];
};

/* One port's result (err: 0 open, said already by probe(); else the errno
 * of its connect(), ETIMEDOUT for no answer within ms): counted, and for
 * any but open, its verdict line, "7002/tcp closed|filtered: ECONNREFUSED
 * (Connection refused)" - common/knock.c's verdict, firewall-client's too. */
void scan_count(struct scan_tally *t, unsigned port, int err, long ms);

/* Compare the registry's guess (NULL: no entry) with what the service
 * said first (banner[0..len-1]), and say what the comparison shows. */
void scan_verdict(unsigned port, const char *guess, const char *banner, size_t len);

/* The closing lines: the counts, and what each verdict given means, once
 * (common/knock.c's words, which firewall-client uses too). */
void scan_summary(const struct scan_tally *t, const struct scan_request *r, const char *host);

#endif
