/* signals.c - the self-pipe trick. See signals.h. */
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int pipe_fds[2] = {-1, -1};

static void on_signal(int signo)
{
    unsigned char b = (unsigned char)signo;
    int saved = errno; /* write() may change errno under the main code */

    if (write(pipe_fds[1], &b, 1) < 0) {
        /* The pipe is full: a stop is already pending. Nothing to do. */
    }
    errno = saved;
}

int signals_install(void)
{
    struct sigaction sa;
    int i;

    if (pipe_fds[0] >= 0)
        return pipe_fds[0]; /* already installed */
    if (pipe(pipe_fds) != 0)
        return -1;
    for (i = 0; i < 2; i++) {
        fcntl(pipe_fds[i], F_SETFL, fcntl(pipe_fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(pipe_fds[i], F_SETFD, FD_CLOEXEC);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    return pipe_fds[0];
}

const char *signals_which(int fd)
{
    unsigned char b = 0;

    if (read(fd, &b, 1) != 1)
        return "a signal";
    return b == SIGINT ? "SIGINT" : b == SIGTERM ? "SIGTERM" : "a signal";
}
