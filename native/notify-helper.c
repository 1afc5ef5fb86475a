/*
 * lmctfy-notify: cgroup v1 memory notifications for lmctfy's NotificationHub.
 *
 * Node has no eventfd, so one long-lived helper per hub owns every eventfd and waits on
 * all of them with a single epoll_wait (no timeout: zero CPU while idle).
 *
 * Commands on stdin, one per line (DIR is the rest of the line, so it may hold spaces):
 *   add ID oom DIR
 *   add ID oomguard DIR  an oom registration that also turns the kernel's OOM killer off in
 *                        DIR (memory.oom_control's oom_kill_disable 1: tasks wait at the
 *                        limit for lmctfy's daemon to free memory) and back on when the
 *                        registration ends: at del, at EOF, or when the helper is told to
 *                        end by a signal, so a daemon killed outright leaves no cgroup that
 *                        waits for it
 *   add ID threshold BYTES DIR
 *   del ID
 * Replies on stdout, one per line:
 *   ok ID            the kernel registration is in place
 *   event ID         the eventfd fired (bursts read together are one event)
 *   gone ID          the cgroup was removed; the registration is dropped
 *   error ID MSG     the command failed; nothing stays registered for ID ("-" when the
 *                    line had no usable ID, or ID was already taken)
 * EOF on stdin ends the helper; exiting closes every fd, which unregisters in the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "line-helper.h"

static void add(unsigned long long id, const char *kind, const char *threshold, const char *dir) {
  if (*find(id)) { /* not "error ID": that would say ID is no longer registered */
    reply("error - id %llu already registered", id);
    return;
  }
  const char *file = threshold ? "memory.usage_in_bytes" : "memory.oom_control";
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) {
    reply("error %llu path too long", id);
    return;
  }
  int guarded = strcmp(kind, "oomguard") == 0;
  int cfd = open(path, (guarded ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (cfd < 0) {
    reply("error %llu open %s: %s", id, path, strerror(errno));
    return;
  }
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) {
    reply("error %llu eventfd: %s", id, strerror(errno));
    close(cfd);
    return;
  }
  char ctl[PATH_MAX], cmd[128];
  snprintf(ctl, sizeof ctl, "%s/cgroup.event_control", dir);
  int n = threshold ? snprintf(cmd, sizeof cmd, "%d %d %s", efd, cfd, threshold) : snprintf(cmd, sizeof cmd, "%d %d", efd, cfd);
  int wfd = open(ctl, O_WRONLY | O_CLOEXEC);
  if (wfd < 0 || write(wfd, cmd, (size_t)n) != n) {
    reply("error %llu register %s in %s: %s", id, kind, ctl, strerror(errno));
    if (wfd >= 0) close(wfd);
    close(efd);
    close(cfd);
    return;
  }
  close(wfd);
  if (guarded && pwrite(cfd, "1", 1, 0) != 1) {
    reply("error %llu turn the OOM killer off in %s: %s", id, path, strerror(errno));
    close(efd);
    close(cfd);
    return;
  }
  watch(id, efd, cfd, EPOLLIN, guarded ? "0" : NULL);
}

/* oom DIR | oomguard DIR | threshold BYTES DIR */
static void add_command(unsigned long long id, char *rest) {
  char *kind = token(&rest);
  if (kind && (strcmp(kind, "oom") == 0 || strcmp(kind, "oomguard") == 0) && rest && *rest) {
    add(id, kind, NULL, rest);
    return;
  }
  unsigned long long bytes;
  char *threshold = kind && strcmp(kind, "threshold") == 0 ? token(&rest) : NULL;
  if (threshold && parse_u64(threshold, &bytes) == 0 && rest && *rest) {
    add(id, kind, threshold, rest);
    return;
  }
  reply("error %llu malformed command", id);
}

/* The kernel signals the eventfd both on the event and when the cgroup is removed. */
static void fired(struct reg *r, unsigned events) {
  (void)events;
  uint64_t count;
  if (read(r->fd, &count, sizeof count) < 0) return; /* EAGAIN: already drained */
  char probe[64];
  if (pread(r->cfd, probe, sizeof probe, 0) < 0) {
    reply("gone %llu", r->id);
    drop(find(r->id));
    return;
  }
  reply("event %llu", r->id);
}

int main(void) {
  return serve("lmctfy-notify", fired);
}
