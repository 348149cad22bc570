#include "FuzzDriver.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// libFuzzer's driver, linked in by `-sanitize=fuzzer` (and absent, so null,
// otherwise). libFuzzer's own `main` cannot be used: SwiftPM links an
// executable target with its entry point aliased to `main`, which shadows it.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, awd_fuzz_test test) __attribute__((weak));

static int replay_file(const char *path, size_t size, awd_fuzz_test test) {
    FILE *f = fopen(path, "rb");
    uint8_t *data = malloc(size ? size : 1);
    int ok = f && data && fread(data, 1, size, f) == size;
    if (f) fclose(f);
    if (ok) test(data, size);
    else fprintf(stderr, "%s: cannot read file\n", path);
    free(data);
    return !ok;
}

static int replay(const char *path, awd_fuzz_test test, int *count) {
    struct stat st;
    if (stat(path, &st) != 0) { fprintf(stderr, "%s: no such file\n", path); return 1; }
    if (!S_ISDIR(st.st_mode)) { ++*count; return replay_file(path, (size_t)st.st_size, test); }
    DIR *dir = opendir(path);
    if (!dir) { fprintf(stderr, "%s: cannot read folder\n", path); return 1; }
    int failures = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.') continue;
        size_t length = strlen(path) + strlen(e->d_name) + 2;
        char *child = malloc(length);
        if (!child) { failures++; continue; }
        snprintf(child, length, "%s/%s", path, e->d_name);
        if (stat(child, &st) == 0 && S_ISREG(st.st_mode)) {
            ++*count;
            failures += replay_file(child, (size_t)st.st_size, test);
        }
        free(child);
    }
    closedir(dir);
    return failures;
}

int awd_fuzz_main(int argc, char **argv, awd_fuzz_test test) {
    if (LLVMFuzzerRunDriver) return LLVMFuzzerRunDriver(&argc, &argv, test);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-FOLDER...\n"
                        "Runs the fuzz target once on each input (build with -sanitize=fuzzer to fuzz).\n", argv[0]);
        return 2;
    }
    int failures = 0, count = 0;
    for (int i = 1; i < argc; i++) failures += replay(argv[i], test, &count);
    fprintf(stderr, "%d input(s) ran without a crash\n", count);
    return failures ? 1 : 0;
}
