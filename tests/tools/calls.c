/* calls - the kernel's word on what a program asked of it: for the exercise
 * checkers, which must not believe a program's own story. Not a lesson.
 *   calls FD PROG [ARG...]   runs PROG (and the processes it makes) traced
 *       with ptrace(2), and writes to descriptor FD, which PROG is never
 *       given (and cannot reach through /proc: this process is not
 *       dumpable), one line for each bind(), connect(), send (sendto,
 *       sendmsg - sendmmsg: its first message's address -, a write() on a
 *       socket) and receive (recvfrom, recvmsg, a read() on a socket) as the
 *       kernel answered it; not the other ways in (readv and writev,
 *       recvmmsg, sendfile, splice, preadv2 and pwritev2). A process that
 *       uses io_uring or Linux AIO (whose ring the kernel writes at any
 *       time), makes a call of another architecture (a 32-bit call), makes
 *       a call while not dumpable (which would hide it), or is one process
 *       too many (256 at once) is ended, with a line "PID ended: WHY"; so
 *       is one that could change a call between this reading and the
 *       kernel's, or escape this trace: that starts a thread (a process
 *       that shares its memory, or its descriptors at all, and runs beside
 *       it, as the kernel compares them: kcmp), maps memory shared that
 *       its user owns or may write, or through a descriptor open for
 *       writing (mmap MAP_SHARED), maps shared memory at all (shmat,
 *       memfd_secret), uses userfaultfd, writes to another's memory
 *       (process_vm_writev), opens a /proc/PID/mem, makes a process this
 *       trace would not follow (CLONE_UNTRACED) or a namespace (clone's
 *       CLONE_NEW*, unshare, setns), or names an address this cannot read.
 *       What the program leaves running when it ends is killed with it,
 *       without a line (PTRACE_O_EXITKILL). The lines:
 *         PID CALL PROTO ADDRESS sock=INODE -> RESULT
 *       CALL bind, connect, send or recv; PROTO tcp, udp, raw, other (not
 *       IPv4 or IPv6: a Unix socket) or ?; ADDRESS the one the call
 *       names (else the socket's peer, family-0 if it has none), as
 *       1.2.3.4:P or [::1]:P; INODE the socket's, as /proc/net lists it;
 *       RESULT the number returned, or the error's name (EADDRINUSE).
 *       Exits as PROG does (128+N after signal N); SIGTERM, SIGINT and
 *       SIGHUP are passed on to PROG. Exit 2: bad usage or no trace.
 * Linux 5.3 on (PTRACE_GET_SYSCALL_INFO); a protocol needs 5.6
 * (pidfd_getfd). The structure and numbers are spelled out because older
 * headers and musl lack them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define GET_SYSCALL_INFO 0x420e
#define INFO_ENTRY 1
#define INFO_EXIT 2
#define SYS_PIDFD_OPEN 434
#define SYS_PIDFD_GETFD 438
#define SHARE_VM 0x100      /* linux/sched.h's CLONE_VM */
#define SHARE_FILES 0x400   /* CLONE_FILES */
#define SHARE_VFORK 0x4000  /* CLONE_VFORK: the parent waits, still */
#define SYS_CLONE3 435
#define SYS_OPENAT2 437
#define SYS_MEMFD_SECRET 447
#define SHARE_NOT_TRACED 0x00800000ULL /* CLONE_UNTRACED */
#define NEW_NAMESPACE 0x7e020080ULL    /* CLONE_NEWNS ... NEWNET, NEWTIME */
#define PROC_MAGIC 0x9fa0 /* linux/magic.h's PROC_SUPER_MAGIC */
#define KCMP_VM 1
#define KCMP_FILES 2
#define MAP_TYPE_BITS 0x0f /* MAP_SHARED 0x01, MAP_SHARED_VALIDATE 0x03 */
#define UNREAD "an address calls could not read (memory kept from it): what the kernel " \
               "read, calls cannot say"
#define THREAD "a thread (a process sharing memory or descriptors, running beside it): " \
               "it could change a call calls has read"

struct syscall_info { /* linux/ptrace.h's struct ptrace_syscall_info */
    uint8_t op, pad[3];  /* cppcheck-suppress unusedStructMember */
    uint32_t arch;       /* cppcheck-suppress unusedStructMember */
    uint64_t ip, sp;     /* cppcheck-suppress unusedStructMember */
    union {
        struct { uint64_t nr, args[6]; } entry;
        struct { int64_t rval; uint8_t is_error; } exit;
    } u;
};

/* What each traced process asked at its last entry, read at its exit. */
#define MAX_PROCS 256
static struct { pid_t pid, kid; uint64_t nr; char line[160]; } procs[MAX_PROCS];
static FILE *out;
static volatile sig_atomic_t child;

static void pass_on(int sig)
{
    if (child > 0)
        kill(child, sig);
}

static int slot(pid_t pid)
{
    int i, free_one = -1;

    for (i = 0; i < MAX_PROCS; i++) {
        if (procs[i].pid == pid)
            return i;
        if (procs[i].pid == 0 && free_one < 0)
            free_one = i;
    }
    if (free_one >= 0)
        procs[free_one].pid = pid, procs[free_one].kid = 0, procs[free_one].nr = 0;
    return free_one;
}

static int peek(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    struct iovec here = { buf, len }, there = { (void *)(uintptr_t)addr, len };

    return process_vm_readv(pid, &here, 1, &there, 1, 0) == (ssize_t)len ? 0 : -1;
}

static const char *addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(a->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
    } else {
        snprintf(buf, len, "family-%d", (int)ss->ss_family);
    }
    return buf;
}

/* The process a thread belongs to (pidfd_open takes a process's id). */
static pid_t tgid_of(pid_t tid)
{
    char path[64], line[128];
    FILE *f;
    long tgid = tid;

    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    if ((f = fopen(path, "r")) == NULL)
        return tid;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "Tgid:", 5) == 0) {
            tgid = strtol(line + 5, NULL, 10);
            break;
        }
    fclose(f);
    return (pid_t)tgid;
}

#define UNREADABLE ((unsigned long)-1)

/* A copy of PID's descriptor FD, through its process's pidfd; -1 with errno
 * set if none (EPERM, EACCES: this process may not look). */
static int copy_fd(pid_t pid, int fd)
{
    int pidfd = (int)syscall(SYS_PIDFD_OPEN, tgid_of(pid), 0), copy, e;

    if (pidfd < 0)
        return -1;
    copy = (int)syscall(SYS_PIDFD_GETFD, pidfd, fd, 0);
    e = errno;
    close(pidfd);
    errno = e;
    return copy;
}

/* The socket behind PID's FD: its inode (0: not a socket; UNREADABLE: this
 * process may not look - it made itself not dumpable), and through a copy
 * of it, its protocol, its family and its peer. */
static unsigned long sock_of(pid_t pid, int fd, const char **proto, int *family,
                             struct sockaddr_storage *peer)
{
    char path[64], link[64];
    unsigned long inode = 0;
    ssize_t n;
    int copy, type = 0, domain = 0;
    socklen_t len = sizeof type;

    *proto = "?";
    *family = AF_UNSPEC;
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    n = readlink(path, link, sizeof link - 1);
    if (n <= 0)
        return errno == EACCES || errno == EPERM ? UNREADABLE : 0;
    link[n] = '\0';
    if (strncmp(link, "socket:[", 8) != 0)
        return 0;
    inode = strtoul(link + 8, NULL, 10);
    copy = copy_fd(pid, fd);
    if (copy < 0 && (errno == EACCES || errno == EPERM))
        return UNREADABLE;
    if (copy >= 0 && getsockopt(copy, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
        getsockopt(copy, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0) {
        *family = domain;
        if (domain != AF_INET && domain != AF_INET6)
            *proto = "other"; /* a Unix socket (a name service's), a packet socket */
        else
            *proto = type == SOCK_STREAM ? "tcp" : type == SOCK_DGRAM ? "udp" : type == SOCK_RAW ? "raw" : "?";
    }
    len = sizeof *peer;
    if (peer != NULL && (copy < 0 || getpeername(copy, (struct sockaddr *)peer, &len) != 0))
        peer->ss_family = AF_UNSPEC;
    if (copy >= 0)
        close(copy);
    return inode;
}

static void untraceable(pid_t pid, const char *why);

/* At a call's entry: the line it will get, but for its result. */
static void entered(pid_t pid, int i, const struct syscall_info *si)
{
    const uint64_t *a = si->u.entry.args;
    const char *call = NULL, *proto;
    int family;
    struct sockaddr_storage ss = { 0 }, peer;
    uint64_t name = 0, namelen = 0;
    unsigned long inode;
    char text[80];

    procs[i].nr = si->u.entry.nr;
    procs[i].line[0] = '\0';
    if (si->u.entry.nr == SYS_bind || si->u.entry.nr == SYS_connect) {
        call = si->u.entry.nr == SYS_bind ? "bind" : "connect";
        name = a[1], namelen = a[2];
    } else if (si->u.entry.nr == SYS_sendto) {
        call = "send", name = a[4], namelen = a[5];
    } else if (si->u.entry.nr == SYS_sendmsg || si->u.entry.nr == SYS_sendmmsg) {
        struct msghdr m = { 0 }; /* sendmmsg: its first message's address */
        call = "send";
        if (peek(pid, a[1], &m, sizeof m) != 0) {
            untraceable(pid, UNREAD);
            return;
        }
        name = (uintptr_t)m.msg_name, namelen = m.msg_namelen;
    } else if (si->u.entry.nr == SYS_write) {
        call = "send";
    } else if (si->u.entry.nr == SYS_recvfrom || si->u.entry.nr == SYS_recvmsg ||
               si->u.entry.nr == SYS_read) {
        call = "recv"; /* what it says of its peer, if connected */
    } else {
        return;
    }
    inode = sock_of(pid, (int)a[0], &proto, &family, &peer);
    if (inode == UNREADABLE) {
        untraceable(pid, "a call this process may not look into (it made itself not dumpable)");
        return;
    }
    if (inode == 0)
        return; /* a write() to a file, a call on no socket */
    if (name != 0 && namelen > 0) {
        if (namelen > sizeof ss)
            namelen = sizeof ss;
        if (peek(pid, name, &ss, (size_t)namelen) != 0) {
            untraceable(pid, UNREAD);
            return;
        }
        /* IPv4's bind() and UDP's send take AF_UNSPEC for AF_INET. */
        if (ss.ss_family == AF_UNSPEC && family == AF_INET)
            ss.ss_family = AF_INET;
    } else {
        ss = peer;
    }
    snprintf(procs[i].line, sizeof procs[i].line, "%d %s %s %s sock=%lu -> ", (int)pid, call, proto,
             addr_text(&ss, text, sizeof text), inode);
}

static const char *err_name(int e)
{
    static const struct { int e; const char *name; } names[] = {
        { EADDRINUSE, "EADDRINUSE" }, { EACCES, "EACCES" }, { EPERM, "EPERM" },
        { ECONNREFUSED, "ECONNREFUSED" }, { EINPROGRESS, "EINPROGRESS" }, { EAGAIN, "EAGAIN" },
        { EINVAL, "EINVAL" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ENETUNREACH, "ENETUNREACH" },
        { EHOSTUNREACH, "EHOSTUNREACH" }, { EISCONN, "EISCONN" }, { EALREADY, "EALREADY" },
        { EBADF, "EBADF" }, { ENOTSOCK, "ENOTSOCK" }, { EINTR, "EINTR" }, { EMSGSIZE, "EMSGSIZE" },
        { ENOENT, "ENOENT" }, { ETIMEDOUT, "ETIMEDOUT" },
    };
    static char other[16];
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == e)
            return names[i].name;
    snprintf(other, sizeof other, "E%d", e);
    return other;
}

static void exited(int i, const struct syscall_info *si)
{
    if (procs[i].line[0] == '\0')
        return;
    if (si->u.exit.is_error)
        fprintf(out, "%s%s\n", procs[i].line, err_name((int)-si->u.exit.rval));
    else
        fprintf(out, "%s%lld\n", procs[i].line, (long long)si->u.exit.rval);
    fflush(out);
    procs[i].line[0] = '\0';
}

/* A process whose calls cannot all be read here is ended, and the trace
 * says so: a check must never take what it could not see for nothing. */
static void untraceable(pid_t pid, const char *why)
{
    fprintf(out, "%d ended: %s\n", (int)pid, why);
    fflush(out);
    kill(pid, SIGKILL);
}

static int is_io_uring(uint64_t nr)
{
#ifdef SYS_io_setup
    if (nr == SYS_io_setup) /* Linux AIO: its ring too */
        return 1;
#endif
#ifdef SYS_io_uring_setup
    return nr == SYS_io_uring_setup || nr == SYS_io_uring_enter || nr == SYS_io_uring_register;
#else
    return nr == 425 || nr == 426 || nr == 427; /* the same on every architecture */
#endif
}

/* Whether what PID maps shared from descriptor FD (-1: anonymous memory,
 * shared with its children) could be written by another of its user's
 * processes. This runs as the program does (same user, same powers), so
 * it asks the kernel: is the descriptor open for writing, may this write
 * the file, or change its mode (its owner may: a no-op fchmod says)? A
 * system file mapped to be read (glibc's gconv cache, nscd's) is none. */
static int writable_by(pid_t pid, int fd)
{
    char path[64];
    struct stat st;
    int copy, yes;

    if (fd < 0 || (copy = copy_fd(pid, fd)) < 0)
        return 1;
    snprintf(path, sizeof path, "/proc/self/fd/%d", copy);
    yes = (fcntl(copy, F_GETFL) & O_ACCMODE) != O_RDONLY || fstat(copy, &st) != 0 ||
          faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 || fchmod(copy, st.st_mode & 07777) == 0;
    close(copy);
    return yes;
}

/* A call after which one process could change another's call - its
 * address, or which socket its descriptor names - between this reading
 * and the kernel's: its reason, or NULL. A clone() that makes a thread
 * (memory or descriptors shared, both running) is ended here; a vfork's
 * parent waits until its child has run exec() (which gives the child its
 * own) or ended. clone3's flags are read from memory, which can change:
 * its new process is compared with its parent after (kcmp, in trace()). */
static const char *may_change_calls(pid_t pid, const struct syscall_info *si)
{
    const uint64_t nr = si->u.entry.nr, *a = si->u.entry.args;
    uint64_t flags = a[0]; /* clone(flags, ...) but on s390 */

    if (nr == SYS_CLONE3 && peek(pid, a[0], &flags, sizeof flags) != 0)
        flags = SHARE_VM; /* its struct clone_args unread: taken for the worst */
    if ((nr == SYS_clone || nr == SYS_CLONE3) &&
        ((flags & SHARE_FILES) != 0 || ((flags & SHARE_VM) != 0 && (flags & SHARE_VFORK) == 0)))
        return THREAD;
    if ((nr == SYS_clone || nr == SYS_CLONE3) && (flags & SHARE_NOT_TRACED) != 0)
        return "a process made not to be traced (CLONE_UNTRACED), whose calls calls would not see";
    if (((nr == SYS_clone || nr == SYS_CLONE3) && (flags & NEW_NAMESPACE) != 0) ||
        nr == SYS_unshare || nr == SYS_setns)
        return "a namespace of its own (a user namespace gives powers a program under check "
               "must not have)";
    if (nr == SYS_MEMFD_SECRET)
        return "memory kept from calls (memfd_secret): another process could change a call "
               "calls cannot read";
#ifdef SYS_mmap
    if (nr == SYS_mmap && ((a[3] & MAP_TYPE_BITS) == 0x01 || (a[3] & MAP_TYPE_BITS) == 0x03) &&
        writable_by(pid, (a[3] & MAP_ANONYMOUS) != 0 ? -1 : (int)a[4]))
        return "memory mapped shared (MAP_SHARED) that its user can write: another process "
               "could change a call calls has read";
#endif
#ifdef SYS_shmat
    if (nr == SYS_shmat)
        return "shared memory (shmat): another process could change a call calls has read";
#endif
#ifdef SYS_userfaultfd
    if (nr == SYS_userfaultfd)
        return "userfaultfd, with which another process could answer the kernel's read of a "
               "call with other bytes";
#endif
    if (nr == SYS_process_vm_writev)
        return "a write to another process's memory (process_vm_writev), which could change "
               "a call calls has read";
    return NULL;
}

/* At the exit of an open: a /proc/PID/mem opened (any process's, through
 * any path: the descriptor's own name says) lets it change calls too. */
static int opened_mem(pid_t pid, uint64_t nr, const struct syscall_info *si)
{
    char path[64], link[256];
    struct statfs fs;
    ssize_t n;

#ifdef SYS_open
    if (nr == SYS_open)
        nr = SYS_openat;
#endif
    if ((nr != SYS_openat && nr != SYS_OPENAT2) || si->u.exit.is_error)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/fd/%lld", (int)pid, (long long)si->u.exit.rval);
    if ((n = readlink(path, link, sizeof link - 1)) <= 0 || statfs(path, &fs) != 0)
        return 1; /* unread: taken for the worst */
    link[n] = '\0';
    /* procfs's, wherever it is mounted; userfaultfd's device */
    return (fs.f_type == PROC_MAGIC && n >= 4 && strcmp(link + n - 4, "/mem") == 0) ||
           strcmp(link, "/dev/userfaultfd") == 0;
}

/* At a fork, clone or vfork, the kernel's word on whether parent and
 * child share descriptors, or (but for a vfork: its parent waits) memory. */
static int shares(pid_t parent, pid_t kid, int vfork)
{
    long vm = vfork ? 1 : syscall(SYS_kcmp, parent, kid, KCMP_VM, 0, 0);
    long files = syscall(SYS_kcmp, parent, kid, KCMP_FILES, 0, 0);

    if (files < 0 && errno == ENOSYS)
        return 0; /* a kernel without kcmp: clone's own flags, read above, must do */
    return vm != 1 && vm != 2 ? 1 : files != 1 && files != 2;
}

static int trace(pid_t top)
{
    uint32_t native = 0;
    /* EXITKILL: what the program left running ends with this trace. */
    const long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                      PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    int status, sig, i;
    const char *why;
    pid_t pid;

    if (waitpid(top, &status, __WALL) != top || !WIFSTOPPED(status) ||
        ptrace(PTRACE_SETOPTIONS, top, 0, opts) != 0 || ptrace(PTRACE_SYSCALL, top, 0, 0) != 0) {
        perror("calls: ptrace");
        kill(top, SIGKILL);
        return 2;
    }
    for (;;) {
        pid = waitpid(-1, &status, __WALL);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            return 2;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if ((i = slot(pid)) >= 0)
                procs[i].pid = 0;
            if (pid == top)
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            continue;
        }
        if (!WIFSTOPPED(status))
            continue;
        sig = WSTOPSIG(status);
        if (sig == (SIGTRAP | 0x80)) {
            struct syscall_info si;
            if ((i = slot(pid)) < 0 || ptrace(GET_SYSCALL_INFO, pid, sizeof si, &si) <= 0) {
                untraceable(pid, "more processes than calls follows, or no word of a call");
                continue;
            }
            if (native == 0)
                native = si.arch; /* the first call: our child's, before its exec */
            if (si.arch != native) {
                untraceable(pid, "a call of another architecture (a 32-bit call), which calls "
                                 "does not read");
                continue;
            }
            if (si.op == INFO_ENTRY && is_io_uring(si.u.entry.nr)) {
                untraceable(pid, "io_uring or Linux AIO, whose calls, and whose writes to its "
                                 "memory, calls does not see");
                continue;
            }
            if (si.op == INFO_ENTRY && (why = may_change_calls(pid, &si)) != NULL) {
                untraceable(pid, why);
                continue;
            }
            /* A clone's new process, followed, was reported before it returns. */
            if (si.op == INFO_EXIT && (procs[i].nr == SYS_clone || procs[i].nr == SYS_CLONE3) &&
                !si.u.exit.is_error && si.u.exit.rval > 0 && si.u.exit.rval != procs[i].kid) {
                kill((pid_t)si.u.exit.rval, SIGKILL);
                untraceable(pid, "a process made not to be traced, whose calls calls would not see");
                continue;
            }
            if (si.op == INFO_EXIT && opened_mem(pid, procs[i].nr, &si)) {
                untraceable(pid, "a /proc/PID/mem or /dev/userfaultfd opened: it could change a call "
                                 "calls has read");
                continue;
            }
            if (si.op == INFO_ENTRY)
                entered(pid, i, &si);
            else if (si.op == INFO_EXIT)
                exited(i, &si);
            sig = 0;
        } else if (sig == SIGTRAP && (status >> 16) != 0) {
            unsigned long kid = 0;
            const int ev = status >> 16;
            sig = 0; /* a fork, clone or exec event */
            if ((ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_VFORK) &&
                ptrace(PTRACE_GETEVENTMSG, pid, 0, &kid) == 0 && (i = slot(pid)) >= 0)
                procs[i].kid = (pid_t)kid; /* followed: the clone() must return it */
            if ((ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_VFORK) &&
                (kid == 0 || shares(pid, (pid_t)kid, ev == PTRACE_EVENT_VFORK))) {
                if (kid != 0)
                    untraceable((pid_t)kid, THREAD);
                untraceable(pid, THREAD);
                continue;
            }
        } else if (sig == SIGSTOP && slot(pid) >= 0 && procs[slot(pid)].nr == 0) {
            sig = 0; /* a new process's first stop */
            procs[slot(pid)].nr = (uint64_t)-1;
        }
        ptrace(PTRACE_SYSCALL, pid, 0, sig);
    }
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    int fd;
    pid_t pid;

    if (argc < 3 || (fd = (int)strtol(argv[1], NULL, 10)) <= 2 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        (out = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "usage: calls FD PROG [ARG...] (FD open for writing, above 2)\n");
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pass_on;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    pid = fork();
    if (pid < 0) {
        perror("calls: fork");
        return 2;
    }
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) { /* Yama's ptrace_scope 2 or 3 */
            fprintf(stderr, "calls: cannot check here: this system lets no program without "
                            "CAP_SYS_PTRACE trace its own child (ptrace: %s)\n", strerror(errno));
            _exit(126);
        }
        if (raise(SIGSTOP) != 0)
            _exit(126);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "calls: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    /* Not dumpable: a program of the same user may not open our
     * /proc/PID/fd/FD, so it cannot write to the trace through it. */
    if (prctl(PR_SET_DUMPABLE, 0) != 0) {
        perror("calls: prctl");
        kill(pid, SIGKILL);
        return 2;
    }
    child = pid;
    procs[0].pid = pid, procs[0].nr = (uint64_t)-1;
    return trace(pid);
}
