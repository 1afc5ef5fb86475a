/*
 * lmctfy-exec: the first process of `lmctfy run`, placed in the container's cgroups by
 * lmctfy before it runs anything of the command.
 *
 *   lmctfy-exec [--join PID] LOG MAXBYTES CMD [ARG...]
 *
 * fd 3  the gate: lmctfy writes one byte once the pid is in every hierarchy; EOF instead
 *       (placement failed, lmctfy died) ends the helper without running CMD (exit 125).
 * fd 4  the status pipe, close-on-exec: a successful exec closes it with nothing written,
 *       so lmctfy reads EOF; a failure writes "STEP ERRNO\n" first (STEP is exec or log)
 *       and exits 127 (command not found) or 126 (found but cannot be run), as sh does.
 *       This is the only way to know an exec succeeded without polling: a shell gate
 *       cannot mark a descriptor close-on-exec.
 * LOG   "-", or a file the command's stdout and stderr go to through a logger process
 *       (forked here, so it is in the container too): appended, and renamed to LOG.1
 *       when it reaches MAXBYTES, so a container's log never holds more than twice that.
 * --join  PID is a virtual host's PID 1: once placed (and its log set up), the helper enters
 *       that host's namespaces and root, forks and execs CMD there with the virtual host's
 *       capabilities (native/vhost-join.h), then waits and exits as CMD did. A step that
 *       fails writes "STEP ERRNO" on fd 4 (open-namespace, setns-KIND, chroot, ...) and exits 125.
 * CMD is looked up in PATH as execvp does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GATE_FD 3
#define STATUS_FD 4

#include "vhost-join.h"

static void report(const char *step, int err) {
  char line[64];
  int n = snprintf(line, sizeof line, "%s %d\n", step, err);
  if (n > 0) (void)!write(STATUS_FD, line, (size_t)n);
}

static _Noreturn void fail(const char *step) {
  report(step, errno);
  _exit(125);
}

static int open_log(const char *file) {
  return open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* Copies the command's output into LOG until every writer has closed the pipe. */
static void run_logger(int in, const char *file, long long max) {
  char rotated[PATH_MAX];
  if (snprintf(rotated, sizeof rotated, "%s.1", file) >= (int)sizeof rotated) _exit(1);
  int out = open_log(file);
  if (out < 0) _exit(1);
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buf + done, (size_t)(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) _exit(1);
      done += w;
    }
    struct stat mine, named;
    if (fstat(out, &mine) != 0 || mine.st_size < max) continue;
    /* Several commands of one container may share the log: rotate only the file still
     * under LOG's name, and follow another logger's rotation by reopening. */
    if (stat(file, &named) == 0 && named.st_ino == mine.st_ino) (void)rename(file, rotated);
    close(out);
    out = open_log(file);
    if (out < 0) _exit(1);
  }
}

/*
 * posix_spawn (how `lmctfy run` in the foreground starts this helper, native/spawn-addon.c)
 * leaves glibc's two internal signals (32 and 33) ignored in its child, and an ignored
 * signal stays ignored across exec: the command gets their default action, as after a
 * fork. glibc's sigaction refuses them, hence the system call; a zeroed kernel sigaction
 * is SIG_DFL with no flags and an empty mask whatever the architecture's layout.
 */
static void default_internal_signals(void) {
  unsigned long action[8] = {0};
  for (int sig = 32; sig <= 33; sig++) (void)syscall(SYS_rt_sigaction, sig, action, NULL, 8);
}

/*
 * The command's stdin, stdout and stderr in blocking mode, as libuv makes them in a child it
 * forks: Node may have set a pipe it shares with us non-blocking (a stream it opened on it),
 * and a command that is not ready for EAGAIN would fail on it.
 */
static void blocking_stdio(void) {
  for (int fd = 0; fd <= 2; fd++) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK)) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  }
}

int main(int argc, char **argv) {
  default_internal_signals();
  blocking_stdio();
  const char *join = NULL;
  if (argc >= 3 && strcmp(argv[1], "--join") == 0) {
    join = argv[2];
    argv += 2;
    argc -= 2;
  }
  if (argc < 4) {
    fprintf(stderr, "usage: lmctfy-exec [--join PID] LOG MAXBYTES CMD [ARG...]\n");
    return 2;
  }
  if (fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC) != 0) return 2;
  char go;
  ssize_t n;
  do n = read(GATE_FD, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) return 125;
  close(GATE_FD);

  const char *log = argv[1];
  if (strcmp(log, "-") != 0) {
    long long max = strtoll(argv[2], NULL, 10);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      report("log", errno);
      return 126;
    }
    /* Forked twice: the logger is not the command's child, so the command never sees
     * its SIGCHLD nor has to reap it. */
    pid_t middle = fork();
    if (middle < 0) {
      report("log", errno);
      return 126;
    }
    if (middle == 0) {
      if (fork() != 0) _exit(0);
      close(STATUS_FD);
      close(fds[1]);
      int null = open("/dev/null", O_RDWR);
      if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
      }
      /* Signals meant for the command (its process group) leave the logger to drain what
       * the command wrote before it died; it ends at EOF. */
      signal(SIGINT, SIG_IGN);
      signal(SIGHUP, SIG_IGN);
      signal(SIGTERM, SIG_IGN);
      run_logger(fds[0], log, max > 0 ? max : 1);
    }
    int status;
    while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    if (dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0) {
      report("log", errno);
      return 126;
    }
    close(fds[0]);
    close(fds[1]);
  }
  if (join) join_and_run(join, argv + 3, STATUS_FD);
  execvp(argv[3], argv + 3);
  int err = errno;
  report("exec", err);
  return err == ENOENT || err == ENOTDIR ? 127 : 126;
}
