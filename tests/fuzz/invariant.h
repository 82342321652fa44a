// FUZZ_CHECK for the fuzz targets: a broken invariant prints the condition
// and abort()s, which libFuzzer reports as a crash with the input saved.
#ifndef CLINIC_TESTS_FUZZ_INVARIANT_H_
#define CLINIC_TESTS_FUZZ_INVARIANT_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

#endif  // CLINIC_TESTS_FUZZ_INVARIANT_H_
