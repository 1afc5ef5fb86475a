/*
 * lmctfy-notify: cgroup v1 memory notifications for lmctfy's NotificationHub.
 *
 * Node has no eventfd, so one long-lived helper per hub owns every eventfd and waits on
 * all of them with a single epoll_wait (no timeout: zero CPU while idle).
 *
 * Commands on stdin, one per line (DIR is the rest of the line, so it may hold spaces):
 *   add ID oom DIR
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
#include <dirent.h>
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

#define LINE_MAX_BYTES (PATH_MAX + 128)

struct reg {
  struct reg *next;
  unsigned long long id;
  int efd;  /* eventfd the kernel signals */
  int cfd;  /* the watched control file, kept open: reads fail once the cgroup is gone */
};

static struct reg *regs;
static int epfd;

static void reply(const char *fmt, ...) {
  char buf[LINE_MAX_BYTES];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  /* Lines are shorter than PIPE_BUF, so each write is atomic; a dead reader ends us (SIGPIPE). */
  for (char *p = buf; n > 0;) {
    ssize_t w = write(STDOUT_FILENO, p, (size_t)n);
    if (w < 0) {
      if (errno == EINTR) continue;
      exit(1);
    }
    p += w;
    n -= (int)w;
  }
}

static struct reg **find(unsigned long long id) {
  struct reg **pp = &regs;
  while (*pp && (*pp)->id != id) pp = &(*pp)->next;
  return pp;
}

static void drop(struct reg **pp) {
  struct reg *r = *pp;
  *pp = r->next;
  epoll_ctl(epfd, EPOLL_CTL_DEL, r->efd, NULL);
  close(r->efd);
  close(r->cfd);
  free(r);
}

static int parse_u64(const char *s, unsigned long long *out) {
  if (*s < '0' || *s > '9') return -1;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

/* Splits the next space-separated token off *s; NULL when none is left. */
static char *token(char **s) {
  char *t = *s;
  if (!t || !*t) return NULL;
  char *sp = strchr(t, ' ');
  if (sp) {
    *sp = 0;
    *s = sp + 1;
  } else {
    *s = NULL;
  }
  return t;
}

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
  int cfd = open(path, O_RDONLY | O_CLOEXEC);
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
  struct reg *r = malloc(sizeof *r);
  if (!r) {
    reply("error %llu out of memory", id);
    close(efd);
    close(cfd);
    return;
  }
  *r = (struct reg){.next = regs, .id = id, .efd = efd, .cfd = cfd};
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = r};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0) {
    reply("error %llu epoll: %s", id, strerror(errno));
    close(efd);
    close(cfd);
    free(r);
    return;
  }
  regs = r;
  reply("ok %llu", id);
}

static void command(char *line) {
  char *rest = line;
  char *verb = token(&rest);
  char *idtext = token(&rest);
  unsigned long long id;
  if (!verb || !idtext || parse_u64(idtext, &id) < 0) {
    reply("error - malformed command");
    return;
  }
  if (strcmp(verb, "del") == 0 && !rest) {
    struct reg **pp = find(id);
    if (*pp) drop(pp);
    return;
  }
  if (strcmp(verb, "add") == 0) {
    char *kind = token(&rest);
    if (kind && strcmp(kind, "oom") == 0 && rest && *rest) {
      add(id, kind, NULL, rest);
      return;
    }
    unsigned long long bytes;
    char *threshold = kind && strcmp(kind, "threshold") == 0 ? token(&rest) : NULL;
    if (threshold && parse_u64(threshold, &bytes) == 0 && rest && *rest) {
      add(id, kind, threshold, rest);
      return;
    }
  }
  reply("error %llu malformed command", id);
}

/* The kernel signals the eventfd both on the event and when the cgroup is removed. */
static void fired(struct reg *r) {
  uint64_t count;
  if (read(r->efd, &count, sizeof count) < 0) return; /* EAGAIN: already drained */
  char probe[64];
  if (pread(r->cfd, probe, sizeof probe, 0) < 0) {
    reply("gone %llu", r->id);
    drop(find(r->id));
    return;
  }
  reply("event %llu", r->id);
}

/* Reads what stdin has, runs each complete line; returns 0 on EOF. */
static int read_commands(void) {
  static char buf[LINE_MAX_BYTES];
  static size_t len;
  static int overlong;
  ssize_t n = read(STDIN_FILENO, buf + len, sizeof buf - len);
  if (n == 0) return 0;
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  len += (size_t)n;
  char *start = buf, *nl;
  while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
    *nl = 0;
    if (overlong) {
      reply("error - line too long");
      overlong = 0;
    } else if (nl > start) {
      command(start);
    }
    start = nl + 1;
  }
  len -= (size_t)(start - buf);
  memmove(buf, start, len);
  if (len == sizeof buf) { /* no newline in a full buffer: skip to the next one */
    overlong = 1;
    len = 0;
  }
  return 1;
}

/* Fds the parent leaked to us (not close-on-exec) could keep its pipes open: drop them. */
static void close_inherited_fds(void) {
  for (;;) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    int self = dirfd(d), fds[256], n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
      int fd = atoi(e->d_name);
      if (fd > STDERR_FILENO && fd != self) fds[n++] = fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++) close(fds[i]);
    if (n < 256) return;
  }
}

int main(void) {
  close_inherited_fds();
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    perror("lmctfy-notify: epoll_create1");
    return 1;
  }
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &in) < 0) {
    perror("lmctfy-notify: epoll on stdin");
    return 1;
  }
  for (;;) {
    struct epoll_event evs[64];
    int n = epoll_wait(epfd, evs, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("lmctfy-notify: epoll_wait");
      return 1;
    }
    /* Eventfds first: a "del" read from stdin may free a registration later in evs. */
    int commands = 0;
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) commands = 1;
      else fired(evs[i].data.ptr);
    }
    if (commands && !read_commands()) return 0;
  }
}
