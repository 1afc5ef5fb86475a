/*
 * `lmctfy-vhost prime` (included by vhost-helper.c): criu's probe of the kernel started early,
 * while Node loads lmctfy's bundle, for the criu a checkpoint or restore of a virtual host then
 * runs (docs/CHECKPOINT.md, "criu's probe of the kernel").
 *
 * Every criu run first probes the kernel (kerndat: iptables, nftables, throwaway namespaces),
 * about 60-130 ms here, and keeps the result in /run/criu.kdat only when /run is a tmpfs. Where
 * it is not (this VM's /run is ext4), each run probes again, after lmctfy has started. So this
 * helper, started by bin/lmctfy.js before the bundle loads, makes a mount namespace of its own
 * whose /run is a tmpfs holding the host's /run entries bound back in, and runs criu's probe
 * there (below): criu probes and saves its cache in that tmpfs. Then it reads the
 * request from stdin and execs it in that namespace, where criu loads the fresh cache instead of
 * probing. Nothing outlives the command: the tmpfs goes with the namespace. With /run already a
 * tmpfs it only execs (criu keeps its own cache there, as for any caller).
 *
 * The request (stdin, read to EOF), strings each ending in a NUL byte: which of fds 5 and 6 to
 * keep ("", "5" or "56"; the others are closed), then KEY=VALUE entries for the environment,
 * then "--", then the command and its arguments. EOF with no request: exit 0, running nothing.
 * Two entries are the helper's own, not the environment's: HOLD_ROOT=PID (hold_root below),
 * and PROBE=LATER: the command is run at once, before the probe has ended, with the probe's pid
 * in LMCTFY_PROBE_PID; it is then the command's child, and the command waits for it before it
 * runs criu (vhost-helper.c's place does: its own steps, the upper dir's tar, the network and
 * the mounts, run while criu's probe does). Without it the helper waits for the probe first.
 *
 * Only for processes with a mount namespace of their own (a virtual host's): criu running in a
 * namespace other than the host's would take a plain container's (the host's) for one to dump.
 */
#include <dirent.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/statfs.h>

/* Where scripts/criu.mjs caches its build: keep in step with CACHED_CRIU in src/engine/checkpoint/criu.ts. */
#define CACHED_CRIU "/var/cache/lmctfy/criu-4.1.1/criu"
#define MAX_REQUEST (1 << 20)

/* Binds each entry of the host's /run (open as `host`) into the tmpfs now on /run: 0, or -1. */
static int bind_back(int host) {
  int listing = dup(host);
  DIR *d = listing < 0 ? NULL : fdopendir(listing);
  if (!d) return -1;
  int ok = 0;
  struct dirent *e;
  while (ok == 0 && (e = readdir(d)) != NULL) {
    const char *name = e->d_name;
    /* criu's own cache files: the probe below writes fresh ones. */
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strncmp(name, "criu.kdat", 9) == 0) continue;
    char source[PATH_MAX], target[PATH_MAX];
    struct stat st;
    if (snprintf(source, sizeof source, "/proc/self/fd/%d/%s", host, name) >= (int)sizeof source ||
        snprintf(target, sizeof target, "/run/%s", name) >= (int)sizeof target || fstatat(host, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      ok = -1;
    } else if (S_ISLNK(st.st_mode)) {
      char link[PATH_MAX];
      ssize_t n = readlinkat(host, name, link, sizeof link - 1);
      if (n < 0) ok = -1;
      else {
        link[n] = '\0';
        ok = symlink(link, target);
      }
    } else if (S_ISDIR(st.st_mode)) {
      ok = mkdir(target, 0700) != 0 || mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0 ? -1 : 0;
    } else {
      int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      ok = fd < 0 ? -1 : 0;
      if (fd >= 0) close(fd);
      if (ok == 0 && mount(source, target, NULL, MS_BIND, NULL) != 0) ok = -1;
    }
  }
  closedir(d);
  return ok;
}

/* /run as a tmpfs with the host's entries bound back in (in this private namespace): 0, or -1 with /run as it was. */
static int own_run(void) {
  struct statfs fs;
  struct stat st;
  if (statfs("/run", &fs) != 0 || fs.f_type == TMPFS_MAGIC || stat("/run", &st) != 0) return -1;
  int host = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (host < 0) return -1;
  char options[64];
  snprintf(options, sizeof options, "mode=%o,uid=%d,gid=%d", (unsigned)(st.st_mode & 07777), (int)st.st_uid, (int)st.st_gid);
  int ok = mount("lmctfy-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, options) == 0 ? 0 : -1;
  if (ok == 0 && bind_back(host) != 0) {
    umount2("/run", MNT_DETACH);
    ok = -1;
  }
  close(host);
  return ok;
}

/* criu's probe, started: `check --feature mnt_id` probes the kernel, saves /run/criu.kdat and checks one cheap thing. */
static pid_t start_probe(void) {
  const char *criu = getenv("LMCTFY_CRIU");
  if (!criu || !*criu) criu = access(CACHED_CRIU, X_OK) == 0 ? CACHED_CRIU : "criu";
  pid_t child = fork();
  if (child == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 || chdir("/") != 0) _exit(127);
    execlp(criu, criu, "check", "--feature", "mnt_id", "-v0", "-o", "/dev/null", (char *)NULL);
    _exit(127);
  }
  return child;
}

/*
 * A process that holds this mount namespace (and `keep`, an fd, when not -1) until this one
 * (criu, once exec'd) has ended, so that the namespace's teardown (unmounting the tmpfs and
 * its binds: 10-70 ms of RCU grace periods on this VM) happens in it afterwards, not in criu's
 * exit, which the command waits for. Forked twice, so that criu never has a child it did not
 * make; it closes every other fd it got (the command waits for its pipes' ends) and waits on a
 * pidfd of this process.
 */
static void hold_namespace(int keep) {
  pid_t owner = getpid();
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return;
  pid_t middle = fork();
  if (middle == 0) {
    if (fork() == 0) {
      int owned = (int)syscall(SYS_pidfd_open, owner, 0);
      (void)!write(ready[1], "h", 1);
      for (int fd = 0; fd < 1024; fd++) {
        if (fd != owned && fd != keep) close(fd);
      }
      struct pollfd until = {.fd = owned, .events = POLLIN};
      while (owned >= 0 && poll(&until, 1, -1) < 0 && errno == EINTR) {
      }
      _exit(0);
    }
    char held;
    close(ready[1]);
    (void)!read(ready[0], &held, 1);
    _exit(0);
  }
  close(ready[0]);
  close(ready[1]);
  while (middle > 0 && waitpid(middle, NULL, 0) < 0 && errno == EINTR) {
  }
}

/* Until criu's probe (a child of this process, or -1) has ended: criu then finds its cache whole. */
static void wait_probe(pid_t probe) {
  while (probe > 0 && waitpid(probe, NULL, 0) < 0 && errno == EINTR) {
  }
}

static _Noreturn void prime_failed(const char *step, const char *what) {
  fprintf(stderr, "lmctfy-vhost prime: %s %s: %s\n", step, what, strerror(errno));
  _exit(125);
}

/*
 * The request's HOLD_ROOT entry (a dump of a virtual host whose PID 1 is `pid`): a clone of
 * the virtual host's root mount, kept by a holder until criu has ended. The dumped processes
 * end with the dump, and the last of them and of criu to let go of their mount namespace
 * unmounts its overlay; unmounting an overlay syncs the file system holding its upper dir
 * (ovl_sync_fs): where that is on disk (/run on ext4, as here) it writes out everything dirty
 * there, criu's fresh images among them, 40-90 ms of criu's exit here, which the command waits
 * for. With the clone held, the overlay's superblock outlives criu and is shut down (and
 * synced) in the holder afterwards, off the command's path; nothing else holds it, and the
 * mount is detached (mounted nowhere), so removing the state dir meets no mount. lmctfy now
 * mounts its overlays volatile (they never sync, docs/VIRTUAL-HOSTS.md): the hold still keeps
 * their unmount out of criu's exit, and spares virtual hosts made before that the sync. Best
 * effort: a clone not made leaves criu's exit to do it, as before.
 */
static void hold_root(const char *pid) {
  char ns[64];
  snprintf(ns, sizeof ns, "/proc/%s/ns/mnt", pid);
  int theirs = open(ns, O_RDONLY | O_CLOEXEC);
  int ours = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  int cwd = open(".", O_PATH | O_CLOEXEC);
  int root = -1;
  if (theirs >= 0 && ours >= 0 && cwd >= 0 && setns(theirs, CLONE_NEWNS) == 0) {
    root = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | O_CLOEXEC);
    /* Back where the request runs; going on in the virtual host's namespace is no option. */
    if (setns(ours, CLONE_NEWNS) != 0 || fchdir(cwd) != 0) prime_failed("setns", "back");
  }
  if (root >= 0) {
    hold_namespace(root);
    close(root);
  }
  if (theirs >= 0) close(theirs);
  if (ours >= 0) close(ours);
  if (cwd >= 0) close(cwd);
}

static int prime(int argc) {
  if (argc != 0) return usage();
  /* Without a private namespace (not root) nothing is mounted: the request runs as it would have. */
  pid_t probe = -1;
  if (unshare(CLONE_NEWNS) == 0) {
    probe = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 && own_run() == 0 ? start_probe() : -1;
    hold_namespace(-1);
  }
  char *buf = malloc(MAX_REQUEST);
  if (!buf) prime_failed("request", "memory");
  size_t len = 0;
  for (;;) {
    ssize_t n = read(0, buf + len, MAX_REQUEST - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) prime_failed("request", "read");
    if (n == 0) break;
    len += (size_t)n;
    if (len == MAX_REQUEST) {
      errno = E2BIG;
      prime_failed("request", "read");
    }
  }
  if (len == 0) {
    wait_probe(probe);
    return 0;
  }
  if (buf[len - 1] != '\0') {
    errno = EINVAL;
    prime_failed("request", "format");
  }
  char **argv = calloc(len + 1, sizeof *argv);
  if (!argv) prime_failed("request", "memory");
  size_t at = strlen(buf) + 1;
  const char *keep = buf;
  const char *hold = NULL;
  int probe_later = 0;
  for (; at < len && strcmp(buf + at, "--") != 0; at += strlen(buf + at) + 1) {
    if (strncmp(buf + at, "HOLD_ROOT=", 10) == 0) hold = buf + at + 10;
    else if (strcmp(buf + at, "PROBE=LATER") == 0) probe_later = 1;
    else if (putenv(buf + at) != 0) prime_failed("request", "environment");
  }
  if (at >= len) {
    errno = EINVAL;
    prime_failed("request", "command");
  }
  int argc2 = 0;
  for (at += 3; at < len; at += strlen(buf + at) + 1) argv[argc2++] = buf + at;
  if (argc2 == 0) {
    errno = EINVAL;
    prime_failed("request", "command");
  }
  if (hold) hold_root(hold);
  /* The command waits for the probe itself before it runs criu (place: its own steps first). */
  char probe_pid[16];
  snprintf(probe_pid, sizeof probe_pid, "%d", (int)probe);
  if (probe_later && probe > 0 && setenv(PROBE_PID_ENV, probe_pid, 1) == 0) probe = -1;
  wait_probe(probe);
  if (!strchr(keep, '5')) close(STATUS_FD);
  if (!strchr(keep, '6')) close(GATE_FD);
  int null = open("/dev/null", O_RDONLY);
  if (null < 0 || dup2(null, 0) < 0) prime_failed("stdin", "/dev/null");
  close(null);
  execvp(argv[0], argv);
  prime_failed("exec", argv[0]);
}
