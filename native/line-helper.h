/*
 * What lmctfy's line-protocol helpers (notify-helper.c, psi-helper.c) share: replies of one
 * line on stdout, commands of one line on stdin, and the start-up that drops inherited fds.
 * Each helper defines add_command (the rest of an `add ID …` line) and drop_id (`del ID`),
 * and runs serve() as its main loop.
 */
#ifndef LMCTFY_LINE_HELPER_H
#define LMCTFY_LINE_HELPER_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#define LINE_MAX_BYTES (PATH_MAX + 128)

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

static void add_command(unsigned long long id, char *rest);

/*
 * One registration: the fd epoll waits on and, where the helper needs one, a second it keeps
 * open. `undo`, when set, is written to cfd when the registration ends, also when the helper
 * exits: a setting the registration holds goes back however the helper's owner ends.
 */
struct reg {
  struct reg *next;
  unsigned long long id;
  int fd;
  int cfd; /* -1 when none */
  const char *undo;
};

static struct reg *regs;
static int epfd;

static struct reg **find(unsigned long long id) {
  struct reg **pp = &regs;
  while (*pp && (*pp)->id != id) pp = &(*pp)->next;
  return pp;
}

/* Writes back what a registration held. */
static void put_back(int cfd, const char *undo) {
  if (!undo || cfd < 0) return;
  ssize_t n = pwrite(cfd, undo, strlen(undo), 0);
  (void)n; /* a cgroup removed meanwhile has nothing to put back */
}

static void drop(struct reg **pp) {
  struct reg *r = *pp;
  *pp = r->next;
  epoll_ctl(epfd, EPOLL_CTL_DEL, r->fd, NULL);
  close(r->fd);
  put_back(r->cfd, r->undo);
  if (r->cfd >= 0) close(r->cfd);
  free(r);
}

static void drop_id(unsigned long long id) {
  struct reg **pp = find(id);
  if (*pp) drop(pp);
}

/* Registers fd (and cfd, and what to write back to it at the end) for `events` under id and replies ok; on failure closes both and replies error. */
static void watch(unsigned long long id, int fd, int cfd, unsigned events, const char *undo) {
  struct reg *r = malloc(sizeof *r);
  struct epoll_event ev = {.events = events, .data.ptr = r};
  if (!r || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    reply("error %llu %s", id, r ? strerror(errno) : "out of memory");
    close(fd);
    put_back(cfd, undo);
    if (cfd >= 0) close(cfd);
    free(r);
    return;
  }
  *r = (struct reg){.next = regs, .id = id, .fd = fd, .cfd = cfd, .undo = undo};
  regs = r;
  reply("ok %llu", id);
}

/* Ends every registration, putting back what each held. */
static void drop_all(void) {
  while (regs) drop(&regs);
}

static volatile sig_atomic_t ending;

static void end_on_signal(int sig) {
  (void)sig;
  ending = 1;
}

/* `add ID …` or `del ID`; anything else is a malformed command. */
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
    drop_id(id);
    return;
  }
  if (strcmp(verb, "add") == 0 && rest) {
    add_command(id, rest);
    return;
  }
  reply("error %llu malformed command", id);
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

/*
 * The main loop: stdin and every registration's fd in one epoll_wait with no timeout (zero
 * CPU while idle); `fired` gets a registration (epoll data.ptr) and its events. EOF on stdin
 * ends the helper, and exiting closes every fd, which unregisters in the kernel.
 */
static int serve(const char *name, void (*fired)(struct reg *r, unsigned events)) {
  close_inherited_fds();
  /* EOF, a dead reader (EPIPE instead of SIGPIPE, then exit) or a signal to end: each puts back what registrations hold. */
  atexit(drop_all);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {.sa_handler = end_on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    fprintf(stderr, "%s: epoll_create1: %s\n", name, strerror(errno));
    return 1;
  }
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &in) < 0) {
    fprintf(stderr, "%s: epoll on stdin: %s\n", name, strerror(errno));
    return 1;
  }
  for (;;) {
    struct epoll_event evs[64];
    int n = epoll_wait(epfd, evs, 64, -1);
    if (ending) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "%s: epoll_wait: %s\n", name, strerror(errno));
      return 1;
    }
    /* Registrations first: a "del" read from stdin may free one later in evs. */
    int commands = 0;
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) commands = 1;
      else fired(evs[i].data.ptr, evs[i].events);
    }
    if (commands && !read_commands()) return 0;
  }
}

#endif
