/* Fuzz target: the shared option parser (common/opts.c) on any command
 * line: NUL bytes split the input into arguments. Bad usage must end in
 * opts_exit(2) (caught here), never a crash or a read out of bounds. */
#include "opts.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf back;

static void no_exit(int status)
{
    longjmp(back, status + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char buf[4096];
    char *argv[33];
    int argc = 1, i;
    size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1, k;
    struct opts o;

    memcpy(buf, data, n);
    buf[n] = '\0';
    argv[0] = "fuzz-server";
    argv[argc++] = buf;
    for (k = 0; k < n && argc < 32; k++)
        if (buf[k] == '\0')
            argv[argc++] = buf + k + 1;
    argv[argc] = NULL;
    opts_exit = no_exit;
    narrate_init(argv[0]);
    if (setjmp(back) != 0)
        return 0; /* a usage error, reported: fine */
    opts_init(&o, (data[0] & 1) ? OPTS_SERVER : OPTS_CLIENT, "2000", "", NULL);
    for (i = 1; i < argc; i++)
        if (!opts_take(&o, argc, argv, &i))
            break;
    opts_finish(&o, NULL);
    return 0;
}
