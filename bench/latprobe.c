/*
 * latprobe: wake-up latency of a latency-sensitive task (bench/daemon.mjs). Each round
 * sleeps 1 ms (clock_nanosleep, absolute), then works 200 µs; the latency is how late it
 * woke. Prints p50 and p99 in microseconds after ROUNDS rounds (argv[1], default 4000).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }
static int cmp(const void *a, const void *b) { long long x = *(const long long *)a, y = *(const long long *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 4000;
  long long *late = calloc((size_t)rounds, sizeof *late);
  if (!late) return 1;
  for (int i = 0; i < rounds; i++) {
    struct timespec now, due, woke;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long t = ns(&now) + 1000000;
    due.tv_sec = t / 1000000000LL;
    due.tv_nsec = t % 1000000000LL;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) != 0) {}
    clock_gettime(CLOCK_MONOTONIC, &woke);
    late[i] = ns(&woke) - t;
    for (long long end = ns(&woke) + 200000; ns(&woke) < end;) clock_gettime(CLOCK_MONOTONIC, &woke);
  }
  qsort(late, (size_t)rounds, sizeof *late, cmp);
  printf("%.1f %.1f\n", late[rounds / 2] / 1000.0, late[(rounds * 99) / 100] / 1000.0);
  return 0;
}
