/*
 * latprobe: wake-up latency of a latency-sensitive task (bench/daemon.mjs). Each round
 * sleeps 1 ms (clock_nanosleep, absolute), then works 200 µs; the latency is how late it
 * woke. After WARMUP rounds not counted (argv[2], default 0: time for the daemon to see the
 * task wait and act on it), prints p50 and p99 in microseconds of ROUNDS rounds (argv[1],
 * default 4000), then how long it waited for a CPU per 2 s (ms, its run delay from /proc/self/schedstat):
 * what its container's PSI "some" CPU stall counts, against the daemon's cpu_stall_us.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }
/* Time this task ran and waited for a CPU so far, ns. */
static int read_schedstat(unsigned long long *ran, unsigned long long *waited) {
  FILE *f = fopen("/proc/self/schedstat", "r");
  int ok = f && fscanf(f, "%llu %llu", ran, waited) == 2;
  if (f) fclose(f);
  return ok ? 0 : -1;
}

static int cmp(const void *a, const void *b) { long long x = *(const long long *)a, y = *(const long long *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 4000;
  int warmup = argc > 2 ? atoi(argv[2]) : 0;
  struct timespec start, stop;
  unsigned long long ran = 0, waited0 = 0, waited = 0;
  long long *late = calloc((size_t)rounds, sizeof *late);
  if (!late) return 1;
  for (int i = -warmup; i < rounds; i++) {
    if (i == 0) {
      clock_gettime(CLOCK_MONOTONIC, &start);
      if (read_schedstat(&ran, &waited0) != 0) return 1;
    }
    struct timespec now, due, woke;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long t = ns(&now) + 1000000;
    due.tv_sec = t / 1000000000LL;
    due.tv_nsec = t % 1000000000LL;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) != 0) {}
    clock_gettime(CLOCK_MONOTONIC, &woke);
    if (i >= 0) late[i] = ns(&woke) - t;
    for (long long end = ns(&woke) + 200000; ns(&woke) < end;) clock_gettime(CLOCK_MONOTONIC, &woke);
  }
  clock_gettime(CLOCK_MONOTONIC, &stop);
  if (read_schedstat(&ran, &waited) != 0) return 1;
  qsort(late, (size_t)rounds, sizeof *late, cmp);
  printf("%.1f %.1f %.1f\n", late[rounds / 2] / 1000.0, late[(rounds * 99) / 100] / 1000.0, (waited - waited0) / 1e6 * 2e9 / (double)(ns(&stop) - ns(&start)));
  return 0;
}
