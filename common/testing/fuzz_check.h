// FUZZ_CHECK for fuzz targets: a broken invariant prints itself and traps, which libFuzzer and the
// corpus replay test (fuzz_replay_main.cc) both report as a crash on the current input.
#pragma once

#include <cstdio>

#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      __builtin_trap();                                                                      \
    }                                                                                        \
  } while (false)
