/*
 * runstep REPORT MEM_BYTES -- COMMAND [ARGS...]
 *
 * Runs COMMAND as a child (address space limited to MEM_BYTES; 0 = no limit), waits for it
 * with wait4 and writes one JSON object to REPORT: wall seconds from fork to exit, the child's
 * peak RSS (ru_maxrss, KiB) and how it ended. Exits with the child's exit code (128 + signal if
 * it was killed).
 *
 * Why not os.wait4 in the Python driver directly: Linux carries a process's RSS high-water mark
 * across fork and exec, so a child's ru_maxrss is at least its parent's RSS. Forked from the
 * driver (Python, numpy, the test labels) every step would report ≥ ~40 MB; forked from this
 * tiny program the floor is ~1 MB, below any tool measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: runstep REPORT MEM_BYTES -- COMMAND [ARGS...]\n");
        return 2;
    }
    const char *report = argv[1];
    unsigned long long mem = strtoull(argv[2], NULL, 10);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) {
        perror("runstep: fork");
        return 2;
    }
    if (pid == 0) {
        if (mem > 0) {
            struct rlimit limit = {mem, mem};
            setrlimit(RLIMIT_AS, &limit);
        }
        execvp(argv[4], argv + 4);
        fprintf(stderr, "runstep: %s: %s\n", argv[4], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            perror("runstep: wait4");
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *out = fopen(report, "w");
    if (out == NULL) {
        perror(report);
        return 2;
    }
    fprintf(out, "{\"seconds\": %.6f, \"maxrss_kib\": %ld, \"exit_code\": %d, \"signal\": %d}\n", seconds,
            usage.ru_maxrss, code, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    fclose(out);
    return code;
}
