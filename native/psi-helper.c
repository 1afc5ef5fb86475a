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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define LINE_MAX_BYTES (PATH_MAX + 128)

struct reg {
  struct reg *next;
  unsigned long long id;
  int fd; /* the pressure file holding the trigger */
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
  epoll_ctl(epfd, EPOLL_CTL_DEL, r->fd, NULL);
  close(r->fd);
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
  struct reg *r = malloc(sizeof *r);
  if (!r) {
    reply("error %llu out of memory", id);
    close(fd);
    return;
  }
  *r = (struct reg){.next = regs, .id = id, .fd = fd};
  struct epoll_event ev = {.events = EPOLLPRI, .data.ptr = r};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    reply("error %llu epoll: %s", id, strerror(errno));
    close(fd);
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
    char *stall = token(&rest);
    char *window = token(&rest);
    unsigned long long s, w;
    if (stall && window && parse_u64(stall, &s) == 0 && parse_u64(window, &w) == 0 && rest && *rest) {
      add(id, s, w, rest);
      return;
    }
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
  if (len == sizeof buf) {
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
    perror("lmctfy-psi: epoll_create1");
    return 1;
  }
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &in) < 0) {
    perror("lmctfy-psi: epoll on stdin");
    return 1;
  }
  for (;;) {
    struct epoll_event evs[64];
    int n = epoll_wait(epfd, evs, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("lmctfy-psi: epoll_wait");
      return 1;
    }
    /* Triggers first: a "del" read from stdin may free a registration later in evs. */
    int commands = 0;
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) commands = 1;
      else fired(evs[i].data.ptr, evs[i].events);
    }
    if (commands && !read_commands()) return 0;
  }
}
