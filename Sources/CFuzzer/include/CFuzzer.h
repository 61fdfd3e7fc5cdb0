#ifndef DETKIT_CFUZZER_H
#define DETKIT_CFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, FuzzerInterface.h), linked by `-sanitize=fuzzer`.
/// Declared only: a harness calls it when built with -DFUZZING, never otherwise.
int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*callback)(const uint8_t *data, size_t size));

#endif
