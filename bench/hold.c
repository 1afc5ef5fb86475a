/* The checkpoint benchmark's workload: holds 64 MiB of non-zero, non-repeating bytes (so
 * criu copies every page and nothing can be deduplicated), then sleeps, counting. */
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  const size_t size = 64u << 20;
  unsigned long long *p = malloc(size), x = 88172645463325252ull;
  if (!p) return 1;
  for (size_t i = 0; i < size / sizeof *p; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    p[i] = x;
  }
  for (volatile unsigned long n = 0;; n++) sleep(1);
}
