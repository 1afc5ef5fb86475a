/*
 * lmctfy-vhost: builds and joins lmctfy's virtual hosts (docs/VIRTUAL-HOSTS.md). Node cannot
 * unshare, setns or pivot_root itself (a multi-threaded process cannot switch mount
 * namespace), so a fresh single-threaded process does it and then execs.
 *
 * It is exec'd by the exec helper (native/exec-helper.c) once that one is in the
 * container's cgroups, so everything made here is placed before it exists. A command run
 * into a virtual host is joined by the exec helper itself (`--join`, vhost-join.h).
 *
 *   lmctfy-vhost start [--ns LETTERS] [--hostname NAME] [--rootfs DIR --state DIR]
 *                      [--bind MODE SOURCE TARGET]... [--gate] [--userns UID GID]
 *                      [--veth OUTSIDE INSIDE [--mac MAC] [--bridge NAME] [--mtu N]
 *                       [--address IP PREFIX [--gateway IP]] [--forward]]
 *                      -- [INIT [ARG...]]
 *
 * start  unshares the namespaces LETTERS names (m mount, p pid, i ipc, u uts, n net), forks
 *        the virtual host's PID 1 and, with a rootfs, mounts an overlay (the rootfs read-only
 *        under STATE/upper) on STATE/merged, binds the mounts in, mounts /proc, /sys
 *        read-only and a minimal /dev, pivots into it and masks what runc masks. PID 1 is
 *        INIT, or this helper's own init (reaps orphans, ends on SIGTERM/SIGINT). The
 *        capabilities are cut to DEFAULT_CAPS and no_new_privs is set before INIT runs.
 *        On success it writes "pid N\n" (N: PID 1's pid on the host) and exits 0.
 *        MODE is ro or rw, then +private or +slave (e.g. "ro+private").
 *        With --veth (and the n namespace), the network is made over rtnetlink
 *        (vhost-net.h) before PID 1 is forked: the veth pair with its inside end made in the
 *        new net namespace, the bridge made when missing and the outside end enslaved, both
 *        ends up, MTU, then the address, the default route and forwarding inside. A child
 *        forked first does it, root in the host's namespaces even when this helper goes on
 *        into a user namespace.
 *        With --gate, PID 1 waits once ready for one byte on fd 6 (lmctfy shapes the
 *        network from outside meanwhile; EOF: it gave up, PID 1 exits), and reports a
 *        failure to run INIT on fd 5 itself: the status then ends at INIT's exec.
 *        With --userns (run as root), it first becomes UID/GID and makes a user namespace
 *        whose root is UID/GID on the host, owning every namespace made after it.
 *        --mac gives the inside end that MAC address (place: a restored virtual host keeps its own).
 *
 *   lmctfy-vhost place [--untar TAR DIR] [--netns [--veth OUTSIDE INSIDE [--mac MAC] [--bridge NAME]
 *                      [--mtu N] [--address IP PREFIX [--gateway IP]] [--forward]] [--gate]]
 *                      [--file FILE]... [--overlay OPTIONS DIR] [--tmpfs DIR SOURCE OPTIONS ro|rw TAR|-]...
 *                      -- CMD [ARG...]
 *
 * place  with --untar first unpacks TAR into DIR with GNU tar (keeping the overlay's xattrs;
 *        tar's failure: its message on stderr and exit 124); with --netns makes a net
 *        namespace as start does (loopback up, the network of the --veth options, made over
 *        rtnetlink from the host's namespace) and hands it to CMD as its fd 3, staying in the
 *        host's itself: lmctfy's restore has criu put a checkpointed virtual host's processes
 *        in it (`--inherit-fd fd[3]:...`, docs/CHECKPOINT.md); with --gate it then writes
 *        "ready" on the status pipe and waits for one byte on fd 6 (lmctfy shapes the veth
 *        pair meanwhile; EOF: it gave up, exit 125). Then it
 *        writes its own pid into each FILE (a container's cgroup.procs files), then with
 *        --overlay makes a mount namespace of its own (private) with an overlay (OPTIONS as
 *        mount -o takes them) on DIR (and each --tmpfs mounted and filled there, criu-tmpfs.h),
 *        and execs CMD there: lmctfy's restore runs criu so,
 *        in the container's cgroups and with the virtual host's root mounted where the host's
 *        mount table never holds it (docs/CHECKPOINT.md). A failed network step is reported
 *        on the status pipe (--netns needs it) as start reports one; any other failure says on
 *        stderr which step, and exits 125. CMD gets neither the status pipe nor the gate.
 *
 *   lmctfy-vhost prime
 *
 * prime  runs criu's probe of the kernel early in a mount namespace of its own, then execs the
 *        request it reads on stdin there (native/criu-prime.h).
 *
 *   lmctfy-vhost archive PID UPPER UPPER_TAR [MOUNTPOINT TAR]...
 *
 * archive  criu's post-dump action for a virtual host: its upper dir and tmpfs mounts into
 *          tars (native/criu-tmpfs.h).
 *
 * fd 5   the status pipe (left open by the exec helper): a failure writes "STEP ERRNO\n",
 *        STEP naming what failed (lmctfy turns it into what to fix), and exits 125, or
 *        127/126 when INIT itself cannot be run (as sh does).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vhost-caps.h"
#include "vhost-net.h"

#define STATUS_FD 5
#define GATE_FD 6
/* The fd place hands the net namespace on (--netns): criu's `--inherit-fd fd[3]:KEY`. */
#define NETNS_FD 3
/* place's exit status when a tar failed (its own message is on stderr, then the file's name). */
#define PLACE_UNTAR_FAILED 124
/* The primed helper's probe, left for place to wait for (criu-prime.h, PROBE=LATER). */
#define PROBE_PID_ENV "LMCTFY_PROBE_PID"
#define MAX_BINDS 64

/* As runc masks them: kernel state a container must not read (masked with /dev/null or an
 * empty read-only tmpfs), and kernel knobs it must not write (bound read-only). */
static const char *const MASKED[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware", "/sys/devices/virtual/powercap",
};
static const char *const READ_ONLY[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
static const char *const DEVICES[] = {"null", "zero", "full", "random", "urandom", "tty"};

struct bind {
  const char *source, *target;
  int read_only, private;
};

/* The report goes to `report_fd`: the status pipe, or in PID 1 the pipe to its parent. */
static int report_fd = STATUS_FD;

static void report(const char *step, int err) {
  char line[128];
  int n = snprintf(line, sizeof line, "%s %d\n", step, err);
  if (n > 0) (void)!write(report_fd, line, (size_t)n);
}

/* The network's worker while the helper has not yet let it go (start_network_worker). */
static pid_t net_worker;
static int net_go = -1;

static _Noreturn void fail(const char *step) {
  report(step, errno);
  if (net_worker > 0) {
    /* EOF at its gate ends the worker unstarted: reaped now, so no orphan keeps the cgroups busy. */
    close(net_go);
    while (waitpid(net_worker, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  _exit(125);
}

static _Noreturn void net_fail(const char *step) { fail(step); }

/* Everything up to EOF (at most `size` bytes). */
static ssize_t read_all(int fd, char *buf, size_t size) {
  ssize_t n, got = 0;
  while ((size_t)got < size && (n = read(fd, buf + got, size - (size_t)got)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    got += n;
  }
  return got;
}

static int join_path(char *out, const char *a, const char *b) {
  return snprintf(out, PATH_MAX, "%s%s", a, b) < PATH_MAX ? 0 : (errno = ENAMETOOLONG, -1);
}

/* DIR/NAME into out (PATH_MAX), or fail at `step`. */
static void under(char *out, const char *dir, const char *name, const char *step) {
  if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
    errno = ENAMETOOLONG;
    fail(step);
  }
}

/* mkdir -p; existing directories are fine. */
static int mkdirs(const char *dir) {
  char p[PATH_MAX];
  if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p) return errno = ENAMETOOLONG, -1;
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0755) != 0 && errno != EEXIST) return -1;
    *s = '/';
  }
  return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* A mount point of the same kind as `source` (a file for a file, else a directory). */
static int make_target(const char *source, const char *target) {
  struct stat st;
  if (stat(source, &st) != 0) return -1;
  if (S_ISDIR(st.st_mode)) return mkdirs(target);
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", target);
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) {
    *slash = 0;
    if (mkdirs(parent) != 0) return -1;
  }
  int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

/* Steps name the mount by its index in the spec: "bind:2". */
static void bind_in(const char *root, const struct bind *b, int index) {
  char target[PATH_MAX], step[32];
  snprintf(step, sizeof step, "bind-target:%d", index);
  if (join_path(target, root, b->target) != 0) fail(step);
  if (make_target(b->source, target) != 0) fail(step);
  snprintf(step, sizeof step, "bind:%d", index);
  if (mount(b->source, target, NULL, MS_BIND | MS_REC, NULL) != 0) fail(step);
  if (mount(NULL, target, NULL, MS_REC | (b->private ? MS_PRIVATE : MS_SLAVE), NULL) != 0) fail(step);
  if (b->read_only && mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL) != 0) fail(step);
}

/* The minimal /dev: the host's device nodes bound onto empty files (what works in a user
 * namespace too, unlike mknod), a private devpts and a /dev/shm. */
static void make_dev(const char *root) {
  char dev[PATH_MAX], p[PATH_MAX];
  if (join_path(dev, root, "/dev") != 0 || mkdirs(dev) != 0) fail("dev");
  if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") != 0) fail("dev");
  for (size_t i = 0; i < sizeof DEVICES / sizeof *DEVICES; i++) {
    char host[64];
    snprintf(host, sizeof host, "/dev/%s", DEVICES[i]);
    under(p, dev, DEVICES[i], "dev");
    int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) fail("dev");
    close(fd);
    if (mount(host, p, NULL, MS_BIND, NULL) != 0) fail("dev-bind");
  }
  under(p, dev, "pts", "devpts");
  if (mkdir(p, 0755) != 0) fail("devpts");
  if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") != 0) fail("devpts");
  under(p, dev, "shm", "shm");
  if (mkdir(p, 01777) != 0) fail("shm");
  if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") != 0) fail("shm");
  static const char *const links[][2] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
  };
  for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
    under(p, dev, links[i][1], "dev");
    if (symlink(links[i][0], p) != 0) fail("dev");
  }
}

/* Masked directories share one empty read-only tmpfs: the first gets it, the others are
 * read-only binds of it. The same emptiness as one tmpfs each, but criu saves (and restores)
 * a tmpfs's content as one tar | gzip per superblock, some 30 ms each (docs/CHECKPOINT.md). */
static void mask_paths(void) {
  const char *empty = NULL;
  for (size_t i = 0; i < sizeof MASKED / sizeof *MASKED; i++) {
    struct stat st;
    if (stat(MASKED[i], &st) != 0) continue;
    int r;
    if (!S_ISDIR(st.st_mode)) {
      r = mount("/dev/null", MASKED[i], NULL, MS_BIND, NULL);
    } else if (empty == NULL) {
      r = mount("tmpfs", MASKED[i], "tmpfs", MS_RDONLY, "size=0");
      empty = MASKED[i];
    } else {
      r = mount(empty, MASKED[i], NULL, MS_BIND, NULL);
      if (r == 0) r = mount(NULL, MASKED[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
    }
    if (r != 0) fail("mask");
  }
  for (size_t i = 0; i < sizeof READ_ONLY / sizeof *READ_ONLY; i++) {
    if (access(READ_ONLY[i], F_OK) != 0) continue;
    if (mount(READ_ONLY[i], READ_ONLY[i], NULL, MS_BIND | MS_REC, NULL) != 0) fail("readonly-path");
    if (mount(NULL, READ_ONLY[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) fail("readonly-path");
  }
}

static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail("loopback");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) fail("loopback");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) fail("loopback");
  close(s);
}

static int userns_root;

/* Kernels before 5.10 refuse `volatile` with EINVAL: the overlay is then mounted without it
 * and syncs on unmount, as overlays did before (docs/VIRTUAL-HOSTS.md, "State"). */
static int mount_overlay(const char *dir, const char *options) {
  if (mount("overlay", dir, "overlay", 0, options) == 0) return 0;
  const char *flag = strstr(options, ",volatile");
  if (errno != EINVAL || !flag) return -1;
  char plain[3 * PATH_MAX + 64];
  if (snprintf(plain, sizeof plain, "%.*s%s", (int)(flag - options), options, flag + strlen(",volatile")) >= (int)sizeof plain) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return mount("overlay", dir, "overlay", 0, plain);
}

static void build_root(const char *rootfs, const char *state, struct bind *binds, int nbinds) {
  char root[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], p[PATH_MAX];
  if (join_path(root, state, "/merged") != 0 || join_path(upper, state, "/upper") != 0 || join_path(work, state, "/work") != 0) fail("overlay");
  char opts[3 * PATH_MAX + 64];
  /* volatile: no sync of the upper dir's file system, ever (docs/VIRTUAL-HOSTS.md, "State"). */
  if (snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s,volatile", rootfs, upper, work) >= (int)sizeof opts) {
    errno = ENAMETOOLONG;
    fail("overlay");
  }
  /* In a user namespace overlayfs may not set trusted.* xattrs: it keeps its own in user.*. */
  if (userns_root && strlen(opts) + 12 < sizeof opts) strcat(opts, ",userxattr");
  if (mount_overlay(root, opts) != 0) fail("overlay");
  for (int i = 0; i < nbinds; i++) bind_in(root, &binds[i], i);
  if (join_path(p, root, "/proc") != 0 || mkdirs(p) != 0) fail("proc");
  if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) fail("proc");
  if (join_path(p, root, "/sys") != 0 || mkdirs(p) != 0) fail("sys");
  if (mount("sysfs", p, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) fail("sys");
  make_dev(root);
  if (chdir(root) != 0) fail("pivot_root");
  /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only ours. */
  if (syscall(SYS_pivot_root, ".", ".") != 0) fail("pivot_root");
  if (umount2(".", MNT_DETACH) != 0) fail("pivot_root");
  if (chdir("/") != 0) fail("pivot_root");
}

/* PID 1 when no init is given: reaps every orphan at once (the host's PID 1 here reaps
 * late, which would keep dead processes in the container) and ends on SIGTERM or SIGINT,
 * which takes the whole pid namespace with it. */
static _Noreturn void tiny_init(void) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig == SIGTERM || sig == SIGINT) _exit(0);
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
}

/* Becomes uid/gid (from root), then the root of a new user namespace mapped to them alone:
 * what an unprivileged process may map for itself, so no subordinate id ranges are needed. */
static void enter_own_userns(uid_t uid, gid_t gid) {
  if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) fail("setuid");
  /* Changing uid made us undumpable, which makes /proc/self root's: take it back to write our maps. */
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) fail("setuid");
  if (unshare(CLONE_NEWUSER) != 0) fail("unshare-user");
  char line[64];
  const char *files[] = {"/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map"};
  for (int i = 0; i < 3; i++) {
    int n = i == 0 ? snprintf(line, sizeof line, "deny") : snprintf(line, sizeof line, "0 %u 1\n", i == 1 ? (unsigned)uid : (unsigned)gid);
    int fd = open(files[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, line, (size_t)n) != n) fail("id-map");
    close(fd);
  }
}

static int parse_ns(const char *letters) {
  int flags = 0;
  for (const char *c = letters; *c; c++) {
    switch (*c) {
      case 'm': flags |= CLONE_NEWNS; break;
      case 'p': flags |= CLONE_NEWPID; break;
      case 'i': flags |= CLONE_NEWIPC; break;
      case 'u': flags |= CLONE_NEWUTS; break;
      case 'n': flags |= CLONE_NEWNET; break;
      default: return -1;
    }
  }
  return flags;
}

static int net_result = -1;

/*
 * Forks the network's worker: it stays root in the host's namespaces (the helper may become the
 * owner and enter a user namespace next) and waits until the helper has its net namespace.
 */
static void start_network_worker(const struct net_plan *p, int gate) {
  int go[2], result[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(result, O_CLOEXEC) != 0) fail("pipe");
  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    close(go[1]);
    close(result[0]);
    close(STATUS_FD);
    if (gate) close(GATE_FD);
    report_fd = result[1];
    char byte;
    ssize_t r;
    do r = read(go[0], &byte, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1) _exit(125);
    char ns[64];
    snprintf(ns, sizeof ns, "/proc/%d/ns/net", (int)getppid());
    set_up_network(p, ns);
    _exit(0);
  }
  close(go[0]);
  close(result[1]);
  net_go = go[1];
  net_result = result[0];
  net_worker = pid;
}

/* The helper has its net namespace: the worker makes the network in it; its failure is ours. */
static void finish_network(void) {
  pid_t worker = net_worker;
  net_worker = 0;
  (void)!write(net_go, "g", 1);
  close(net_go);
  char line[128];
  ssize_t got = read_all(net_result, line, sizeof line);
  close(net_result);
  int status;
  while (waitpid(worker, &status, 0) < 0 && errno == EINTR) {
  }
  if (got > 0) {
    (void)!write(STATUS_FD, line, (size_t)got);
    _exit(125);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = ECHILD;
    fail("net-worker");
  }
}

/* "aa:bb:cc:dd:ee:ff" into the plan; 0 when it is not one. */
static int parse_mac(const char *text, struct net_plan *net) {
  unsigned char *m = net->mac;
  char end;
  if (sscanf(text, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &end) != 6) return 0;
  net->has_mac = 1;
  return 1;
}

/* The network options hang on --veth, and a gateway on an address. */
static int net_plan_ok(const struct net_plan *net) {
  if (!net->outside && (net->bridge || net->mtu || net->prefix >= 0 || net->has_gateway || net->forward || net->has_mac)) return 0;
  return !(net->has_gateway && net->prefix < 0);
}

/* One network option at argv[*i] (start's and place's): 1 taken (and *i past it), 0 not one, -1 a bad value. */
static int net_option(int argc, char **argv, int *i, struct net_plan *net) {
  const char *a = argv[*i];
  if (strcmp(a, "--veth") == 0 && *i + 2 < argc) {
    net->outside = argv[++*i];
    net->inside = argv[++*i];
  } else if (strcmp(a, "--bridge") == 0 && *i + 1 < argc) {
    net->bridge = argv[++*i];
  } else if (strcmp(a, "--mtu") == 0 && *i + 1 < argc) {
    net->mtu = atoi(argv[++*i]);
  } else if (strcmp(a, "--address") == 0 && *i + 2 < argc) {
    if (inet_pton(AF_INET, argv[++*i], &net->ip) != 1) return -1;
    net->prefix = atoi(argv[++*i]);
  } else if (strcmp(a, "--gateway") == 0 && *i + 1 < argc) {
    if (inet_pton(AF_INET, argv[++*i], &net->gateway) != 1) return -1;
    net->has_gateway = 1;
  } else if (strcmp(a, "--forward") == 0) {
    net->forward = 1;
  } else if (strcmp(a, "--mac") == 0 && *i + 1 < argc) {
    if (!parse_mac(argv[++*i], net)) return -1;
  } else {
    return 0;
  }
  return 1;
}

static int usage(void) {
  fprintf(stderr,
          "usage: lmctfy-vhost start [--ns LETTERS] [--hostname NAME] [--rootfs DIR --state DIR] [--bind MODE SRC TGT]... [--gate] [--userns UID GID]\n"
          "                          [--veth OUTSIDE INSIDE [--mac MAC] [--bridge NAME] [--mtu N] [--address IP PREFIX [--gateway IP]] [--forward]] -- [INIT...]\n"
          "       lmctfy-vhost place [--untar TAR DIR] [--netns [--veth OUTSIDE INSIDE [--mac MAC] [--bridge NAME] [--mtu N]\n"
          "                          [--address IP PREFIX [--gateway IP]] [--forward]] [--gate]] [--file FILE]... [--overlay OPTIONS DIR]\n"
          "                          [--tmpfs DIR SOURCE OPTIONS ro|rw TAR|-]... -- CMD [ARG...]\n"
          "       lmctfy-vhost archive PID UPPER UPPER_TAR [MOUNTPOINT TAR]...   (native/criu-tmpfs.h)\n"
          "       lmctfy-vhost prime   (the request on stdin: native/criu-prime.h)\n");
  return 2;
}

/*
 * A new net namespace made as start makes one (loopback up; with --veth the network, made from
 * the host's namespace), for place: returns an fd on it, this process back in the host's.
 */
static int make_netns(const struct net_plan *net) {
  int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (host < 0) fail("net-namespace");
  if (unshare(CLONE_NEWNET) != 0) fail("unshare");
  loopback_up();
  int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0 || setns(host, CLONE_NEWNET) != 0) fail("net-namespace");
  if (net->outside) {
    /* set_up_network works from the host's namespace and ends in the one it is given. */
    char ns[64];
    snprintf(ns, sizeof ns, "/proc/self/fd/%d", own);
    set_up_network(net, ns);
    if (setns(host, CLONE_NEWNET) != 0) fail("net-namespace");
  }
  close(host);
  return own;
}

/* --gate (start's PID 1, place): one byte on the gate lets it go on; EOF (lmctfy gave up) ends it unstarted. */
static void pass_gate(void) {
  char go;
  ssize_t r;
  do r = read(GATE_FD, &go, 1);
  while (r < 0 && errno == EINTR);
  if (r != 1) _exit(125);
  close(GATE_FD);
}

static int start(int argc, char **argv) {
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC;
  const char *hostname = NULL, *rootfs = NULL, *state = NULL;
  struct bind binds[MAX_BINDS];
  int nbinds = 0, i = 0, gate = 0, userns = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  struct net_plan net = {.prefix = -1};
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    int taken = net_option(argc, argv, &i, &net);
    if (taken < 0) return usage();
    if (taken) continue;
    if (strcmp(argv[i], "--gate") == 0) {
      gate = 1;
    } else if (strcmp(argv[i], "--userns") == 0 && i + 2 < argc) {
      userns = 1;
      uid = (uid_t)strtoul(argv[++i], NULL, 10);
      gid = (gid_t)strtoul(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--ns") == 0 && i + 1 < argc) {
      if ((flags = parse_ns(argv[++i])) < 0) return usage();
    } else if (strcmp(argv[i], "--hostname") == 0 && i + 1 < argc) {
      hostname = argv[++i];
    } else if (strcmp(argv[i], "--rootfs") == 0 && i + 1 < argc) {
      rootfs = argv[++i];
    } else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
      state = argv[++i];
    } else if (strcmp(argv[i], "--bind") == 0 && i + 3 < argc && nbinds < MAX_BINDS) {
      const char *mode = argv[++i];
      binds[nbinds].read_only = strncmp(mode, "ro", 2) == 0;
      binds[nbinds].private = strstr(mode, "+private") != NULL;
      binds[nbinds].source = argv[++i];
      binds[nbinds].target = argv[++i];
      nbinds++;
    } else {
      return usage();
    }
  }
  if (i == argc || (rootfs == NULL) != (state == NULL) || (nbinds > 0 && rootfs == NULL)) return usage();
  char **init = argv + i + 1;
  if (!(flags & CLONE_NEWNS) || !(flags & CLONE_NEWPID)) return usage();
  if (hostname && !(flags & CLONE_NEWUTS)) return usage();
  if (gate && fcntl(GATE_FD, F_GETFD) < 0) return usage();
  if (net.outside && !(flags & CLONE_NEWNET)) return usage();
  if (!net_plan_ok(&net)) return usage();

  if (net.outside) start_network_worker(&net, gate);
  if (userns) enter_own_userns(uid, gid);
  userns_root = userns;
  if (unshare(flags & ~CLONE_NEWPID) != 0) fail("unshare");
  if (net.outside) finish_network();
  if (unshare(CLONE_NEWPID) != 0) fail("unshare-pid");
  /* PID 1 reports to us, and we report once: so a failed PID 1 is reaped (by us, now)
   * before lmctfy hears of it, and its cgroups are empty when create rolls back. */
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) != 0) fail("pipe");
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    close(sync[0]);
    if (!gate) close(STATUS_FD);
    else if (fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC) != 0 || fcntl(GATE_FD, F_SETFD, FD_CLOEXEC) != 0) fail("gate");
    report_fd = sync[1];
    if (setsid() < 0) fail("setsid");
    /* Slave: host mounts still appear inside; nothing made inside leaks out. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) fail("mount-propagation");
    if (hostname && sethostname(hostname, strlen(hostname)) != 0) fail("hostname");
    if (flags & CLONE_NEWNET) loopback_up();
    if (rootfs) {
      build_root(rootfs, state, binds, nbinds);
    } else if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
      fail("proc");
    }
    mask_paths();
    drop_privileges();
    if (gate) {
      (void)!write(sync[1], "ok\n", 3);
      close(sync[1]);
      report_fd = STATUS_FD;
      pass_gate();
    }
    if (*init == NULL) {
      close(gate ? STATUS_FD : sync[1]);
      tiny_init();
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(init[0], init);
    int err = errno;
    report("init", err);
    _exit(exec_failure_code(err));
  }
  close(sync[1]);
  if (gate) close(GATE_FD);
  char line[128];
  ssize_t got = read_all(sync[0], line, sizeof line - 1);
  if (got > 0 && !(got == 3 && memcmp(line, "ok\n", 3) == 0)) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    (void)!write(STATUS_FD, line, (size_t)got);
    return 125;
  }
  int len = snprintf(line, sizeof line, "pid %d\n", (int)child);
  (void)!write(STATUS_FD, line, (size_t)len);
  return 0;
}

static _Noreturn void place_failed(const char *step, const char *what) {
  fprintf(stderr, "lmctfy-vhost place: %s %s: %s\n", step, what, strerror(errno));
  _exit(125);
}

#include "criu-tmpfs.h"

/* Unpacks FILE into DIR with GNU tar: a virtual host's upper dir (`upper`, with the overlay's
 * xattrs) or a tmpfs's content, as archive (criu-tmpfs.h) packed them. */
static void untar(const char *file, const char *dir, int upper) {
  pid_t tar = fork();
  if (tar < 0) place_failed("untar", file);
  if (tar == 0) {
    if (upper) execlp("tar", "tar", UPPER_TAR_OPTIONS, "-C", dir, "-xf", file, (char *)NULL);
    else execlp("tar", "tar", TMPFS_TAR_OPTIONS, "-C", dir, "-xf", file, (char *)NULL);
    fprintf(stderr, "tar: %s\n", strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(tar, &status, 0) < 0) {
    if (errno != EINTR) place_failed("untar", file);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    /* Last on stderr, after tar's own lines: which file lmctfy reports. */
    fprintf(stderr, "lmctfy-vhost place: cannot unpack %s\n", file);
    _exit(PLACE_UNTAR_FAILED);
  }
}

/* One --tmpfs of place: DIR SOURCE OPTIONS ro|rw TAR|-. */
struct tmpfs_mount {
  const char *dir, *source, *options, *tar;
  int read_only;
};

/* A tmpfs on t->dir (in place's own mount namespace) holding what its TAR holds, read-only when it was. */
static void mount_tmpfs(const struct tmpfs_mount *t) {
  int later_read_only = t->read_only && t->tar;
  if (mkdirs(t->dir) != 0) place_failed("tmpfs-dir", t->dir);
  if (mount(t->source, t->dir, "tmpfs", t->read_only && !t->tar ? MS_RDONLY : 0, t->options) != 0) place_failed("tmpfs", t->dir);
  if (t->tar) untar(t->tar, t->dir, 0);
  if (later_read_only && mount(NULL, t->dir, NULL, MS_REMOUNT | MS_RDONLY, t->options) != 0) place_failed("tmpfs-read-only", t->dir);
}

/*
 * place: with --untar, unpacks FILE into DIR first and with --netns makes the net namespace
 * (both still in the caller's cgroups, so the container is not charged for them); then in the
 * cgroups of the FILEs, and (with --overlay or --tmpfs) in a mount namespace of its own with
 * the overlay and the tmpfs mounts mounted (their content is the container's, as it was when
 * criu unpacked it), execs CMD.
 */
static int place(int argc, char **argv) {
  const char *options = NULL, *dir = NULL, *tar_file = NULL, *tar_dir = NULL;
  const char **files = calloc((size_t)argc + 1, sizeof *files);
  struct tmpfs_mount *tmpfs = calloc((size_t)argc + 1, sizeof *tmpfs);
  int nfiles = 0, ntmpfs = 0, i = 0, netns = 0, gate = 0;
  struct net_plan net = {.prefix = -1};
  if (!files || !tmpfs) place_failed("place", "memory");
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    int taken = net_option(argc, argv, &i, &net);
    if (taken < 0) return usage();
    if (taken) continue;
    if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
      files[nfiles++] = argv[++i];
    } else if (strcmp(argv[i], "--overlay") == 0 && i + 2 < argc) {
      options = argv[++i];
      dir = argv[++i];
    } else if (strcmp(argv[i], "--untar") == 0 && i + 2 < argc) {
      tar_file = argv[++i];
      tar_dir = argv[++i];
    } else if (strcmp(argv[i], "--tmpfs") == 0 && i + 5 < argc && (strcmp(argv[i + 4], "ro") == 0 || strcmp(argv[i + 4], "rw") == 0)) {
      struct tmpfs_mount *t = &tmpfs[ntmpfs++];
      t->dir = argv[++i];
      t->source = argv[++i];
      t->options = argv[++i];
      t->read_only = strcmp(argv[++i], "ro") == 0;
      t->tar = strcmp(argv[++i], "-") == 0 ? NULL : argv[i];
    } else if (strcmp(argv[i], "--netns") == 0) {
      netns = 1;
    } else if (strcmp(argv[i], "--gate") == 0) {
      gate = 1;
    } else {
      return usage();
    }
  }
  if (i + 1 >= argc || !net_plan_ok(&net) || ((net.outside || gate) && !netns)) return usage();
  if (netns && fcntl(STATUS_FD, F_GETFD) < 0) return usage();
  if (gate && fcntl(GATE_FD, F_GETFD) < 0) return usage();
  if (tar_file) untar(tar_file, tar_dir, 1);
  int own_net = netns ? make_netns(&net) : -1;
  if (gate) {
    (void)!write(STATUS_FD, "ready\n", 6);
    pass_gate();
  }
  for (int j = 0; j < nfiles; j++) {
    const char *file = files[j];
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    char line[32];
    int len = snprintf(line, sizeof line, "%d\n", (int)getpid());
    if (fd < 0 || write(fd, line, (size_t)len) != len) place_failed("cgroup", file);
    close(fd);
  }
  if (dir || ntmpfs > 0) {
    if (unshare(CLONE_NEWNS) != 0) place_failed("unshare", "mount namespace");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) place_failed("mount-propagation", "/");
    for (int j = 0; j < ntmpfs; j++) mount_tmpfs(&tmpfs[j]);
    if (dir && mount_overlay(dir, options) != 0) place_failed("overlay", dir);
  }
  if (netns) {
    /* dup2 leaves the copy open across exec; the status pipe closes there, which is how lmctfy knows. */
    if (own_net == NETNS_FD ? fcntl(own_net, F_SETFD, 0) != 0 : dup2(own_net, NETNS_FD) != NETNS_FD) place_failed("netns", "fd 3");
    if (own_net != NETNS_FD) close(own_net);
    close(STATUS_FD);
  }
  /* Run by the primed helper before criu's probe ended (criu-prime.h, PROBE=LATER): criu must find its cache whole. */
  const char *probe = getenv(PROBE_PID_ENV);
  if (probe) {
    pid_t pid = (pid_t)atoi(probe);
    unsetenv(PROBE_PID_ENV);
    while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  execvp(argv[i + 1], argv + i + 1);
  place_failed("exec", argv[i + 1]);
}

#include "criu-prime.h"

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "place") == 0) return place(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "prime") == 0) return prime(argc - 2);
  if (argc >= 2 && strcmp(argv[1], "archive") == 0) return archive(argc - 2, argv + 2);
  const char *action = getenv("CRTOOLS_SCRIPT_ACTION");
  if (argc == 1 && action) return criu_action(action);
  if (fcntl(STATUS_FD, F_GETFD) < 0) {
    fprintf(stderr, "lmctfy-vhost: fd %d (the status pipe) is not open; lmctfy starts this helper\n", STATUS_FD);
    return 2;
  }
  if (argc >= 2 && strcmp(argv[1], "start") == 0) return start(argc - 2, argv + 2);
  return usage();
}
