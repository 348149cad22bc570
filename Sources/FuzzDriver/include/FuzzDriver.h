#ifndef AWD_FUZZ_DRIVER_H
#define AWD_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// A fuzz target's test: called with one input, returns 0 (libFuzzer's contract).
typedef int (*awd_fuzz_test)(const uint8_t *data, size_t size);

/// The `main` of a fuzz target. In a build with `-sanitize=fuzzer`, hands the
/// command line to libFuzzer's driver; in a plain build, runs `test` once on
/// each file named on the command line (and on each file of a named folder),
/// which replays a crash or a corpus without the sanitizers. Returns the exit
/// status.
int awd_fuzz_main(int argc, char **argv, awd_fuzz_test test);

#endif
