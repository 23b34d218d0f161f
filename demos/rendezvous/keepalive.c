/* keepalive.c - finding a peer whose host vanished. See keepalive.h.
 * TCP_KEEPIDLE and friends are not POSIX: glibc shows them with
 * _DEFAULT_SOURCE (Linux; the BSDs and macOS have their own spellings). */
#define _DEFAULT_SOURCE
#include "keepalive.h"
#include "explain.h"
#include "narrate.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

/* A connection that owns names is watched: a FIN or a reset ends it at
 * once, but a host that crashes or is cut off sends neither, and a
 * registration would live for ever. TCP keepalive probes the silent peer:
 * after KEEPALIVE_IDLE s of silence, every KEEPALIVE_INTVL s, and
 * KEEPALIVE_CNT unanswered probes end the connection (ETIMEDOUT). Without
 * SO_KEEPALIVE a silent connection is never probed; with it but Linux's
 * defaults, the first probe waits net.ipv4.tcp_keepalive_time (two hours).
 * PORTLAB_KEEPALIVE="IDLE,INTVL,CNT" (seconds)
 * changes it, for tests. */
#define KEEPALIVE_IDLE 10
#define KEEPALIVE_INTVL 5
#define KEEPALIVE_CNT 3

void keepalive_watch(int fd, const char *who)
{
#if defined(TCP_KEEPIDLE) && defined(TCP_KEEPINTVL) && defined(TCP_KEEPCNT)
    int one = 1, v[3] = {KEEPALIVE_IDLE, KEEPALIVE_INTVL, KEEPALIVE_CNT}, k;
    const char *env = getenv("PORTLAB_KEEPALIVE");
    char *end = NULL;
    long n;

    /* "IDLE,INTVL,CNT", each 1-600; anything else leaves the defaults. */
    for (k = 0; env != NULL && k < 3; k++, env = end + 1) {
        n = strtol(env, &end, 10);
        if (end == env || n < 1 || n > 600 || *end != (k < 2 ? ',' : '\0'))
            break;
        v[k] = (int)n;
    }
    if (k != 3 && getenv("PORTLAB_KEEPALIVE") != NULL) {
        v[0] = KEEPALIVE_IDLE;
        v[1] = KEEPALIVE_INTVL;
        v[2] = KEEPALIVE_CNT;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v[0], sizeof v[0]) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v[1], sizeof v[1]) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v[2], sizeof v[2]) != 0) {
        explain_report("setsockopt SO_KEEPALIVE", "tcp", NULL, errno);
        return;
    }
#ifdef TCP_USER_TIMEOUT
    /* The same bound when our own reply is what goes unacknowledged (then
     * TCP retransmits, for up to 15 minutes, instead of probing). */
    {
        unsigned ms = (unsigned)(v[0] + v[1] * v[2]) * 1000;

        setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
    }
#endif
    narrate("tcp %s: keepalive on: after %d s of silence a probe every %d s; %d unanswered "
            "and its names go (at most %d s after its host vanished)", who, v[0], v[1], v[2],
            v[0] + v[1] * v[2]);
#else
    (void)fd;
    narrate("tcp %s: this system has no keepalive timers to set: if its host vanishes "
            "without a word, its names stay until the directory stops", who);
#endif
}

