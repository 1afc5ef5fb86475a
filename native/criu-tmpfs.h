/*
 * A virtual host's tmpfs mounts in a checkpoint (included by vhost-helper.c; docs/CHECKPOINT.md,
 * "tmpfs mounts"). criu saves each tmpfs superblock itself with `tar --gzip` (three processes:
 * tar, sh, gzip) after opening the mount in a throwaway mount namespace, one after the other:
 * about half of a 64 MiB virtual host's dump after criu's probe, and as much again at restore
 * (BENCHMARKS.md, checkpoint/restore). lmctfy marks them external to criu instead and does the
 * same work in fewer processes, beside the upper dir's tar:
 *
 *   lmctfy-vhost archive PID UPPER UPPER_TAR [MOUNTPOINT TAR]...
 *
 * archive  criu's post-dump action (the processes dumped and still stopped): tars UPPER (the
 *          overlay's upper dir, with the overlay's xattrs) into UPPER_TAR and, for each
 *          MOUNTPOINT (a tmpfs in the mount namespace of PID), the mount alone (no mount below
 *          it: a clone of it, as criu takes it) into TAR, all at once. An empty tmpfs writes
 *          no TAR. Any tar failing fails it (exit 1): criu then lets the processes run on and
 *          fails the dump.
 *
 * criu runs its action script itself (no shell) at each of its actions (pre-dump,
 * network-lock, post-dump): lmctfy gives it this helper's own file, which then runs with no
 * argument and CRTOOLS_SCRIPT_ACTION set. It does nothing but at post-dump, where it archives
 * with the arguments LMCTFY_ARCHIVE_0, _1, ... (their count in LMCTFY_ARCHIVE_N) hold: a shell
 * script in its place started a shell at each of the three, with the processes stopped.
 *
 * place's --tmpfs DIR SOURCE OPTIONS ro|rw TAR|- (restore) mounts a tmpfs (SOURCE, OPTIONS as
 * mount -o takes them) on DIR in place's own mount namespace, unpacks TAR into it, and makes it
 * read-only when it was; criu then binds it where it was (`--external mnt[KEY]:DIR`).
 */
#include <dirent.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

/* GNU tar's options for a virtual host's upper dir, keeping the overlay's own xattrs
 * (whiteouts, opaque dirs). */
#define UPPER_TAR_OPTIONS "--xattrs", "--xattrs-include=trusted.*", "--xattrs-include=user.*", "--numeric-owner"
/* For a tmpfs: what criu's own tar keeps (owners by number, holes). */
#define TMPFS_TAR_OPTIONS "--numeric-owner", "--sparse"

/* Whether the directory `fd` (any fd on it, O_PATH too) holds nothing; -1 when it cannot be read. */
static int dir_empty(int fd) {
  int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = d < 0 ? NULL : fdopendir(d);
  if (!dir) return -1;
  int empty = 1;
  struct dirent *e;
  while (empty && (e = readdir(dir)) != NULL) empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
  closedir(dir);
  return empty;
}

/* tar -c of the directory `fd` into `file`, started; its pid, or -1. */
static pid_t start_tar(int fd, const char *file, int upper) {
  pid_t tar = fork();
  if (tar == 0) {
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/self/fd/%d", fd);
    if (fcntl(fd, F_SETFD, 0) != 0) _exit(127);
    if (upper) execlp("tar", "tar", UPPER_TAR_OPTIONS, "-C", dir, "-cf", file, ".", (char *)NULL);
    else execlp("tar", "tar", TMPFS_TAR_OPTIONS, "-C", dir, "-cf", file, ".", (char *)NULL);
    fprintf(stderr, "lmctfy-vhost archive: tar: %s\n", strerror(errno));
    _exit(127);
  }
  return tar;
}

static _Noreturn void archive_failed(const char *step, const char *what) {
  fprintf(stderr, "lmctfy-vhost archive: %s %s: %s\n", step, what, strerror(errno));
  _exit(1);
}

static int archive(int argc, char **argv) {
  if (argc < 3 || (argc - 3) % 2 != 0) return usage();
  int mounts = (argc - 3) / 2;
  int *clones = calloc((size_t)mounts + 1, sizeof *clones);
  pid_t *tars = calloc((size_t)mounts + 1, sizeof *tars);
  if (!clones || !tars) archive_failed("archive", "memory");
  if (mounts > 0) {
    /* Each mount is cloned from inside the virtual host's mount namespace (a clone holds the
     * mount alone, never what is mounted below it), then used from this one. */
    char ns[64];
    snprintf(ns, sizeof ns, "/proc/%s/ns/mnt", argv[0]);
    int theirs = open(ns, O_RDONLY | O_CLOEXEC), ours = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (theirs < 0 || ours < 0 || setns(theirs, CLONE_NEWNS) != 0) archive_failed("setns", ns);
    for (int i = 0; i < mounts; i++) {
      clones[i] = (int)syscall(SYS_open_tree, AT_FDCWD, argv[3 + 2 * i], OPEN_TREE_CLONE | O_CLOEXEC);
      if (clones[i] < 0) archive_failed("clone", argv[3 + 2 * i]);
    }
    if (setns(ours, CLONE_NEWNS) != 0) archive_failed("setns", "back");
    close(theirs);
    close(ours);
  }
  int upper = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (upper < 0) archive_failed("open", argv[1]);
  int started = 0;
  tars[started++] = start_tar(upper, argv[2], 1);
  for (int i = 0; i < mounts; i++) {
    int empty = dir_empty(clones[i]);
    if (empty < 0) archive_failed("read", argv[3 + 2 * i]);
    if (!empty) tars[started++] = start_tar(clones[i], argv[4 + 2 * i], 0);
  }
  int ok = 1;
  for (int i = 0; i < started; i++) {
    int status;
    if (tars[i] < 0) {
      ok = 0;
      continue;
    }
    while (waitpid(tars[i], &status, 0) < 0) {
      if (errno != EINTR) archive_failed("wait", "tar");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = 0;
  }
  return ok ? 0 : 1;
}

/* Run by criu as its action script (above): archive at post-dump, nothing otherwise. */
static int criu_action(const char *action) {
  if (strcmp(action, "post-dump") != 0) return 0;
  const char *count = getenv("LMCTFY_ARCHIVE_N");
  int n = count ? atoi(count) : 0;
  char **args = n > 0 ? calloc((size_t)n + 1, sizeof *args) : NULL;
  if (!args) {
    errno = n > 0 ? ENOMEM : EINVAL;
    archive_failed("archive", "LMCTFY_ARCHIVE_N");
  }
  for (int i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "LMCTFY_ARCHIVE_%d", i);
    errno = EINVAL;
    if (!(args[i] = getenv(name))) archive_failed("archive", name);
  }
  return archive(n, args);
}
