/* nosocket - run a command whose every socket() call fails with EMFILE ("too
 * many open files"), as it would for a process out of file descriptors: a
 * seccomp filter on the socket system call. For the test that a scan counts
 * no port "closed" when the failure was its own. Not a lesson.
 *   nosocket COMMAND ARGS...   exit 3 if seccomp cannot do this here
 * The constants are the kernel's (linux/filter.h, linux/seccomp.h), spelled
 * out so that no kernel header is needed. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BPF_LD_W_ABS 0x20     /* load 32 bits at an offset of the call's data */
#define BPF_JEQ_K 0x15        /* jump if equal to a constant */
#define BPF_RET_K 0x06        /* return a constant */
#define SECCOMP_MODE_FILTER 2
#define SECCOMP_RET_ALLOW 0x7fff0000u
#define SECCOMP_RET_ERRNO 0x00050000u

/* The kernel reads these; this program only fills them in. */
struct filter_insn {
    uint16_t code;             /* cppcheck-suppress unusedStructMember */
    uint8_t jt;                /* cppcheck-suppress unusedStructMember */
    uint8_t jf;                /* cppcheck-suppress unusedStructMember */
    uint32_t k;                /* cppcheck-suppress unusedStructMember */
};

struct filter_prog {
    unsigned short len;        /* cppcheck-suppress unusedStructMember */
    const struct filter_insn *insns; /* cppcheck-suppress unusedStructMember */
};

int main(int argc, char **argv)
{
    /* The system call's number is at offset 0 of struct seccomp_data. */
    static const struct filter_insn insns[] = {
        {BPF_LD_W_ABS, 0, 0, 0},
        {BPF_JEQ_K, 0, 1, SYS_socket},
        {BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EMFILE},
        {BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW},
    };
    struct filter_prog prog = {sizeof insns / sizeof insns[0], insns};

    if (argc < 2) {
        fprintf(stderr, "usage: nosocket COMMAND ARGS...\n");
        return 2;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
        fprintf(stderr, "nosocket: %s\n", strerror(errno));
        return 3;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "nosocket: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
