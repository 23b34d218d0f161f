/* steal - take another process's descriptor and see what it is worth: for
 * the test that wire-server's packet socket, once narrowed, hears nothing
 * but its own port. Not a lesson. Needs the right to trace PID (root).
 *   steal PID FD MS   pidfd_getfd(2) PID's FD; try to take its filter off
 *                     (SO_DETACH_FILTER): "detach: ok" or "detach: ENAME";
 *                     then for MS ms, one line per packet it hands over:
 *                     "packet: PROTO SPORT -> DPORT" (IPv4 TCP/UDP, else
 *                     "packet: other"). Exit 1 if it cannot take FD.
 * The system call numbers are Linux's (5.6 on), spelled out because older
 * headers lack them. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SYS_PIDFD_OPEN 434
#define SYS_PIDFD_GETFD 438
#ifndef SO_DETACH_FILTER
#define SO_DETACH_FILTER 27
#endif

static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int usage(void)
{
    fprintf(stderr, "usage: steal PID FD MS\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned char b[2048];
    long long end;
    long pidfd, fd;
    int dummy = 0;

    long pid, target, ms;
    char *e1, *e2, *e3;

    if (argc != 4)
        return usage();
    pid = strtol(argv[1], &e1, 10);
    target = strtol(argv[2], &e2, 10);
    ms = strtol(argv[3], &e3, 10);
    if (*e1 != '\0' || *e2 != '\0' || *e3 != '\0' || pid <= 0 || target < 0 || ms < 0)
        return usage();
    pidfd = syscall(SYS_PIDFD_OPEN, (int)pid, 0);
    fd = pidfd < 0 ? -1 : syscall(SYS_PIDFD_GETFD, (int)pidfd, (int)target, 0);
    if (fd < 0) {
        fprintf(stderr, "steal: cannot take fd %s of %s: %s\n", argv[2], argv[1], strerror(errno));
        return 1;
    }
    if (setsockopt((int)fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof dummy) == 0)
        printf("detach: ok\n");
    else
        printf("detach: %s\n", errno == EPERM ? "EPERM" : strerror(errno));
    fflush(stdout);
    end = now_ms() + ms;
    for (;;) {
        struct pollfd p = {(int)fd, POLLIN, 0};
        long long left = end - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) != 1)
            break;
        n = recv((int)fd, b, sizeof b, MSG_DONTWAIT);
        if (n < 28 || b[0] >> 4 != 4 || (b[9] != 6 && b[9] != 17)) {
            if (n >= 0)
                printf("packet: other\n");
            continue;
        }
        {
            size_t h = (size_t)(b[0] & 15) * 4;
            printf("packet: %s %u -> %u\n", b[9] == 6 ? "tcp" : "udp", b[h] << 8 | b[h + 1],
                   b[h + 2] << 8 | b[h + 3]);
        }
        fflush(stdout);
    }
    return 0;
}
