/* nobind - run a command that may not bind any TCP port, whatever the port:
 * a Landlock rule set (Linux 6.7+, ABI 4) that handles "bind TCP" and
 * allows none. For the test that an EACCES from bind() above the kernel's
 * low-port threshold is not blamed on that rule. Not a lesson.
 *   nobind COMMAND ARGS...   exit 3 if Landlock cannot do this here
 * The constants are the kernel's (linux/landlock.h), spelled out because
 * older headers lack the network part. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_LANDLOCK_CREATE_RULESET 444
#define SYS_LANDLOCK_RESTRICT_SELF 446
#define LANDLOCK_CREATE_RULESET_VERSION 1u
#define LANDLOCK_ACCESS_NET_BIND_TCP 1ull

struct ruleset_attr {
    uint64_t handled_access_fs; /* cppcheck-suppress unusedStructMember ; the kernel reads it */
    uint64_t handled_access_net;
};

int main(int argc, char **argv)
{
    struct ruleset_attr attr;
    long abi;
    int fd;

    if (argc < 2) {
        fprintf(stderr, "usage: nobind COMMAND ARGS...\n");
        return 2;
    }
    abi = syscall(SYS_LANDLOCK_CREATE_RULESET, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 4) {
        fprintf(stderr, "nobind: Landlock network rules are not available here (ABI %ld)\n", abi);
        return 3;
    }
    memset(&attr, 0, sizeof attr);
    attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
    fd = (int)syscall(SYS_LANDLOCK_CREATE_RULESET, &attr, sizeof attr, 0);
    if (fd < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_LANDLOCK_RESTRICT_SELF, fd, 0) != 0) {
        fprintf(stderr, "nobind: %s\n", strerror(errno));
        return 3;
    }
    close(fd);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "nobind: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
