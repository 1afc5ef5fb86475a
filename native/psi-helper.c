/*
 * lmctfy-psi: pressure stall (PSI) triggers for lmctfy's daemon.
 *
 * A PSI trigger is a memory.pressure (or /proc/pressure/memory) file opened read-write,
 * with "some STALL WINDOW" written to it: the kernel then wakes a poll() on that fd with
 * POLLPRI when tasks stalled on memory for STALL µs within WINDOW µs, at most once per
 * window. Node cannot poll for POLLPRI, so one helper holds every trigger and waits on all
 * of them with a single epoll_wait (no timeout: zero CPU while nothing stalls).
 *
 * Commands on stdin, one per line (FILE is the rest of the line, so it may hold spaces):
 *   add ID STALL_US WINDOW_US FILE
 *   del ID
 * Replies on stdout, one per line (the protocol of lmctfy-notify):
 *   ok ID            the trigger is in place
 *   event ID         the stall crossed the trigger
 *   gone ID          the cgroup was removed; the trigger is dropped
 *   error ID MSG     the command failed; nothing stays registered for ID ("-" when the
 *                    line had no usable ID, or ID was already taken)
 * EOF on stdin ends the helper; exiting closes every fd, which removes the triggers.
 *
 * The daemon's other use of a syscall Node lacks (docs/DAEMON.md "CPU"), run once per call:
 *   lmctfy-psi slice SLICE_US PID...   sets the EEVDF slice (sched_setattr's sched_runtime
 *                                      on SCHED_OTHER/SCHED_BATCH, Linux 6.12+) of every
 *                                      thread of each PID; 0 gives the kernel's default back
 *   lmctfy-psi slice get PID...        prints each PID's main thread's slice
 * Each prints "PID VALUE" per PID: the threads changed, or the slice in µs; "PID -ERRNO" when
 * it failed (ESRCH: the task is gone). Other scheduling settings (nice, policy) are kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "line-helper.h"

static void add(unsigned long long id, unsigned long long stall, unsigned long long window, const char *file) {
  if (*find(id)) {
    reply("error - id %llu already registered", id);
    return;
  }
  int fd = open(file, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    reply("error %llu open %s: %s", id, file, strerror(errno));
    return;
  }
  char trig[64];
  int n = snprintf(trig, sizeof trig, "some %llu %llu", stall, window);
  /* The kernel takes the trigger with its terminating NUL. */
  if (write(fd, trig, (size_t)n + 1) < 0) {
    reply("error %llu trigger \"%s\" on %s: %s", id, trig, file, strerror(errno));
    close(fd);
    return;
  }
  watch(id, fd, -1, EPOLLPRI, NULL);
}

/* STALL_US WINDOW_US FILE */
static void add_command(unsigned long long id, char *rest) {
  char *stall = token(&rest);
  char *window = token(&rest);
  unsigned long long s, w;
  if (stall && window && parse_u64(stall, &s) == 0 && parse_u64(window, &w) == 0 && rest && *rest) {
    add(id, s, w, rest);
    return;
  }
  reply("error %llu malformed command", id);
}

/* POLLERR: the cgroup went away under the trigger. */
static void fired(struct reg *r, unsigned events) {
  if (events & (EPOLLERR | EPOLLHUP)) {
    reply("gone %llu", r->id);
    drop(find(r->id));
    return;
  }
  reply("event %llu", r->id);
}

/* struct sched_attr of sched_setattr(2); libc has no wrapper. */
struct sched_attr_v1 {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
};

/* The slice of one thread in ns, or -errno; 0 for a policy without one (SCHED_IDLE, real-time). */
static long long slice_of(pid_t tid, struct sched_attr_v1 *a) {
  memset(a, 0, sizeof *a);
  if (syscall(SYS_sched_getattr, tid, a, sizeof *a, 0) != 0) return -errno;
  return a->policy == 0 || a->policy == 3 ? (long long)a->runtime : 0;
}

/* Sets one thread's slice, keeping its policy and nice: 1 when changed, 0 when it has no slice, -errno. */
static int set_slice(pid_t tid, unsigned long long ns) {
  struct sched_attr_v1 a;
  long long now = slice_of(tid, &a);
  if (now <= 0) return (int)now;
  a.size = sizeof a;
  a.flags = 0;
  a.runtime = ns;
  return syscall(SYS_sched_setattr, tid, &a, 0) == 0 ? 1 : -errno;
}

static int slice_main(int argc, char **argv) {
  unsigned long long us = 0;
  int get = argc > 1 && strcmp(argv[1], "get") == 0;
  if (argc < 3 || (!get && parse_u64(argv[1], &us) != 0)) {
    fprintf(stderr, "usage: lmctfy-psi slice SLICE_US|get PID...\n");
    return 2;
  }
  for (int i = 2; i < argc; i++) {
    unsigned long long pid;
    if (parse_u64(argv[i], &pid) != 0) {
      fprintf(stderr, "lmctfy-psi slice: %s is not a pid\n", argv[i]);
      return 2;
    }
    if (get) {
      struct sched_attr_v1 a;
      long long ns = slice_of((pid_t)pid, &a);
      printf("%llu %lld\n", pid, ns < 0 ? ns : ns / 1000);
      continue;
    }
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%llu/task", pid);
    DIR *d = opendir(dir);
    if (!d) {
      printf("%llu %d\n", pid, -ESRCH);
      continue;
    }
    int changed = 0, err = 0;
    for (struct dirent *e; (e = readdir(d));) {
      unsigned long long tid;
      if (parse_u64(e->d_name, &tid) != 0) continue;
      int r = set_slice((pid_t)tid, us * 1000);
      /* A thread that exited meanwhile is no failure. */
      if (r > 0) changed++;
      else if (r < 0 && r != -ESRCH) err = r;
    }
    closedir(d);
    printf("%llu %d\n", pid, err ? err : changed);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "slice") == 0) return slice_main(argc - 1, argv + 1);
  return serve("lmctfy-psi", fired);
}
