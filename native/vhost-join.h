/*
 * How a command enters a virtual host: the exec helper's `--join` (lmctfy run into a virtual
 * host), which, once placed in the cgroups, joins the namespaces and root itself, so one helper
 * process does both. The includer defines fail() and report() for its own status pipe.
 */
#include <grp.h>
#include <sched.h>

#include "vhost-caps.h"

static void report(const char *step, int err);

static const char *const JOIN_NS[] = {"user", "ipc", "uts", "net", "pid", "mnt"};
#define NJOIN 6

/* The host uid and gid PID 1 runs as: who a joiner becomes before entering its user namespace. */
static void ids_of(const char *pid, uid_t *uid, gid_t *gid) {
  char p[64], buf[4096];
  snprintf(p, sizeof p, "/proc/%s/status", pid);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open-namespace");
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) fail("open-namespace");
  buf[n] = 0;
  char *u = strstr(buf, "\nUid:"), *g = strstr(buf, "\nGid:");
  if (!u || !g) {
    errno = EINVAL;
    fail("open-namespace");
  }
  *uid = (uid_t)strtoul(u + 5, NULL, 10);
  *gid = (gid_t)strtoul(g + 5, NULL, 10);
}

static pid_t forwarded;
static void forward(int sig) {
  if (forwarded > 0) kill(forwarded, sig);
}

/*
 * Enters the namespaces (the user namespace first, as PID 1's user) and root of `pid` (a virtual
 * host's PID 1), forks (a pid namespace takes only children) and execs `cmd` there with the
 * virtual host's capabilities and no_new_privs; waits for it and exits as it did. `status_fd`
 * is the close-on-exec status pipe: closed here once the child has it, so the caller reads
 * EOF when the exec succeeds, or the child's "exec ERRNO" line.
 */
static _Noreturn void join_and_run(const char *pid, char **cmd, int status_fd) {
  char p[PATH_MAX];
  int fds[NJOIN], rootfd;
  /* Everything opened first: /proc/PID is the host's /proc only until the mount ns changes. */
  for (int i = 0; i < NJOIN; i++) {
    snprintf(p, sizeof p, "/proc/%s/ns/%s", pid, JOIN_NS[i]);
    fds[i] = open(p, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) fail("open-namespace");
    struct stat theirs, ours;
    snprintf(p, sizeof p, "/proc/self/ns/%s", JOIN_NS[i]);
    if (fstat(fds[i], &theirs) == 0 && stat(p, &ours) == 0 && theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
      close(fds[i]);
      fds[i] = -1;
    }
  }
  snprintf(p, sizeof p, "/proc/%s/root", pid);
  if ((rootfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) fail("open-root");
  if (fds[0] >= 0) {
    /* A user namespace: become its owner (root inside), who may enter it and what it owns. */
    uid_t uid;
    gid_t gid;
    ids_of(pid, &uid, &gid);
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) fail("setuid");
  }
  for (int i = 0; i < NJOIN; i++) {
    if (fds[i] < 0) continue;
    if (setns(fds[i], 0) != 0) {
      char step[32];
      snprintf(step, sizeof step, "setns-%s", JOIN_NS[i]);
      fail(step);
    }
    close(fds[i]);
  }
  if (fchdir(rootfd) != 0 || chroot(".") != 0 || chdir("/") != 0) fail("chroot");
  close(rootfd);
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    drop_privileges();
    execvp(cmd[0], cmd);
    int err = errno;
    report("exec", err);
    _exit(exec_failure_code(err));
  }
  close(status_fd);
  forwarded = child;
  /* The command is the child: what lmctfy (or a terminal) sends this pid is meant for it. */
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
  int status;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) _exit(125);
  }
  if (WIFSIGNALED(status)) {
    /* Die as the command did, so the caller sees the same signal. */
    signal(WTERMSIG(status), SIG_DFL);
    kill(getpid(), WTERMSIG(status));
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
