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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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
  watch(id, fd, -1, EPOLLPRI);
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

int main(void) {
  return serve("lmctfy-psi", fired);
}
