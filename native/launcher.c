/*
 * bin/lmctfy, the command npm installs, where the machine's C compiler built it
 * (scripts/build-native.mjs makes build/lmctfy-launch, scripts/write-launcher.mjs puts it in
 * place). It execs bin/lmctfy-node.cjs (bin/lmctfy.js with the #! line naming this machine's
 * node) with the same arguments, no process in between: for a command that runs for
 * milliseconds it reads that #! line itself and execs the node it names with one option more,
 * a pool of one V8 worker thread (SHORT_POOL); for the others the kernel reads it.
 *
 * For `checkpoint` (and `migrate`, whose dump takes it) it first starts criu's primed helper
 * (`lmctfy-vhost prime`, native/criu-prime.h) on four pipes, so criu's probe of the kernel
 * runs while Node starts: Node's start before bin/lmctfy.js runs a line is ~70-100 ms, and
 * bin/lmctfy.js can only start the helper after it, which put the probe's end after the
 * command's request to criu (BENCHMARKS.md, "Checkpoint/restore"). Not for `restore`: its own
 * steps before criu (the manifest, create, the state dir) already outlast the probe when
 * bin/lmctfy.js starts it, and a probe started before Node only took CPU from Node's start
 * (paired A/B about 1.0-1.07x at loads 3-5, 1.2x at load 10); bin/lmctfy.js starts its
 * helper. Node is this same process after the exec, so the helper is its child, as when bin/lmctfy.js starts it. Our ends of the pipes
 * pass to Node without close-on-exec, named in LMCTFY_PRIMED
 * ("OWNER:PID:STDIN:STDERR:STATUS:GATE", OWNER this process's pid: bin/lmctfy.js adopts them
 * only in the process they were made for), and bin/lmctfy.js marks them close-on-exec when it
 * adopts them. Should Node die before that, its exit closes the request pipe and the helper,
 * reading EOF, ends without running anything. The helper's fds: 0 the request, 1 /dev/null,
 * 2 stderr, 5 the status pipe, 6 the gate. Anything failing here leaves the start to
 * bin/lmctfy.js, which starts the helper itself when none was handed on.
 *
 * NODE_EXTRA_CA_CERTS makes Node read and parse that bundle of certificates at every start,
 * before any line of ours runs: with Debian's whole bundle (144 certificates) that is ~55 ms of
 * a ~25 ms start here. lmctfy makes no TLS connection, so Node starts without it: the launcher
 * renames it LMCTFY_NODE_EXTRA_CA_CERTS, and bin/lmctfy.js gives it its name back before
 * anything else, so the commands lmctfy runs see the environment they were given.
 *
 * Every command goes through this file, so it is built without the C library (system calls
 * of its own, native/launcher-sys.h): a static glibc program's start costs ~0.6 ms here (its
 * pages' first touches), one without it ~0.1 ms. Built only for the architectures that
 * header knows; elsewhere bin/lmctfy stays the Node entry itself (scripts/write-launcher.mjs).
 */
#include "launcher-sys.h"

#define ENTRY "lmctfy-node.cjs"
#define HELPER "../build/lmctfy-vhost"
#define PRIMED_ENV "LMCTFY_PRIMED="
#define CA_ENV "NODE_EXTRA_CA_CERTS="
#define HELD_PREFIX "LMCTFY_"
#define HELD_CA_ENV HELD_PREFIX CA_ENV
/* Above the helper's own fds (0 to 6), so that no dup3 onto one of them overwrites a source. */
#define ABOVE 10
#define PATH_SIZE 4096
/* The kernel reads this much of a #! line (Linux 5.1 and later; write-launcher.mjs writes 127 at most). */
#define LINE_SIZE 256
/*
 * Node's pool of V8 worker threads for a command that runs for milliseconds: one, not four.
 * Node starts them all before a line of JavaScript runs, and a process ends only once each has
 * been woken and ended; a short command gives them nothing to do (BENCHMARKS.md section 5).
 */
#define SHORT_POOL "--v8-pool-size=1"
/* The commands that run until stopped keep Node's default pool (src/cli/command-groups.ts, longRunning). */
static const char *const LONG_RUNNING[] = {"top", "serve", "daemon", "record", 0};

static unsigned long length(const char *s) {
  unsigned long n = 0;
  while (s[n]) n++;
  return n;
}

static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

/* `entry` ("NAME=value") with `prefix` ("NAME=") at its start. */
static int named(const char *entry, const char *prefix) {
  while (*prefix && *entry == *prefix) entry++, prefix++;
  return !*prefix;
}

/* Appends `s` at `*at` within [.., end): 0, or -1 when it does not fit (with its NUL). */
static int append(char **at, const char *end, const char *s) {
  unsigned long n = length(s);
  if (*at + n >= end) return -1;
  for (unsigned long i = 0; i < n; i++) (*at)[i] = s[i];
  *at += n;
  **at = '\0';
  return 0;
}

static int append_number(char **at, const char *end, long v) {
  char digits[24];
  int n = sizeof digits - 1;
  digits[n] = '\0';
  do digits[--n] = (char)('0' + v % 10);
  while ((v /= 10) > 0 && n > 0);
  return append(at, end, digits + n);
}

/* Whether a word of the command line before "--" names a long-running command (a container so named too: only slower). */
static int long_running(int argc, char **argv) {
  for (int i = 1; i < argc && !same(argv[i], "--"); i++) {
    for (int j = 0; LONG_RUNNING[j]; j++) {
      if (same(argv[i], LONG_RUNNING[j])) return 1;
    }
  }
  return 0;
}

/*
 * The entry's #! line read into `line` and split there as the kernel splits it: the
 * interpreter, and the rest of the line (if any) as its one option. 0, or -1 when the entry
 * has no such line or its interpreter is not a file named node (then the kernel runs it).
 */
static int node_line(const char *entry, char line[LINE_SIZE], char **node, char **option) {
  int fd = (int)sys_openat(AT_FDCWD, entry, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long n = sys_read(fd, line, LINE_SIZE - 1);
  sys_close(fd);
  if (n < 3 || line[0] != '#' || line[1] != '!' || line[2] != '/') return -1;
  line[n] = '\0';
  char *end = line + 2;
  while (*end && *end != '\n') end++;
  if (!*end) return -1;
  while (end > line + 2 && (end[-1] == ' ' || end[-1] == '\t')) end--;
  *end = '\0';
  char *word = line + 2, *base = word;
  while (*word && *word != ' ' && *word != '\t') {
    if (*word == '/') base = word + 1;
    word++;
  }
  if (*word) *word++ = '\0';
  while (*word == ' ' || *word == '\t') word++;
  if (!same(base, "node")) return -1;
  *node = line + 2;
  *option = *word ? word : 0;
  return 0;
}

static void say(const char *s) {
  (void)sys_write(2, s, length(s));
}

/* A close-on-exec pipe with both ends at ABOVE or higher: 0, or -1. */
static int high_pipe(int ends[2]) {
  int raw[2];
  if (sys_pipe2(raw, O_CLOEXEC) != 0) return -1;
  for (int i = 0; i < 2; i++) {
    ends[i] = (int)sys_fcntl(raw[i], F_DUPFD_CLOEXEC, ABOVE);
    sys_close(raw[i]);
  }
  if (ends[0] >= 0 && ends[1] >= 0) return 0;
  if (ends[0] >= 0) sys_close(ends[0]);
  if (ends[1] >= 0) sys_close(ends[1]);
  return -1;
}

/* The helper, as the spawn add-on would start it: default signal actions, an empty mask. */
static void exec_helper(const char *helper, const int fds[7], char **envp) {
  int null = (int)sys_openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
  /* Above the slots too: a caller may have left 0 to 2 closed, so that open would return one. */
  if (null >= 0) null = (int)sys_fcntl(null, F_DUPFD_CLOEXEC, ABOVE);
  if (null < 0) sys_exit(127);
  for (int i = 0; i < 7; i++) {
    if (fds[i] >= 0 || i <= 2) {
      if (sys_dup3(fds[i] >= 0 ? fds[i] : null, i, 0) < 0) sys_exit(127);
    } else {
      sys_close(i);
    }
  }
  for (int s = 1; s <= 64; s++) sys_default_signal(s);
  sys_unblock_signals();
  char *argv[] = {(char *)helper, "prime", 0};
  sys_execve(helper, argv, envp);
  sys_exit(127);
}

/*
 * Starts the primed helper; returns the LMCTFY_PRIMED entry naming our ends of its pipes in
 * `entry`, or 0 (nothing started) when a step failed.
 */
static char *start_primed(const char *bin, char **envp, char *entry, unsigned long size) {
  char helper[PATH_SIZE], *at = helper;
  if (append(&at, helper + sizeof helper, bin) != 0 || append(&at, helper + sizeof helper, HELPER) != 0) return 0;
  int p[4][2], made = 0;
  while (made < 4 && high_pipe(p[made]) == 0) made++;
  long pid = made == 4 ? sys_fork() : -1;
  if (pid == 0) {
    const int fds[7] = {p[0][0], -1, p[1][1], -1, -1, p[2][1], p[3][0]};
    exec_helper(helper, fds, envp);
  }
  /* Ours: the request's write end, stderr's and status's read ends, the gate's write end. */
  for (int i = 0; i < made; i++) {
    if (pid < 0 || i == 0 || i == 3) sys_close(p[i][0]);
    if (pid < 0 || i == 1 || i == 2) sys_close(p[i][1]);
  }
  if (pid < 0) return 0;
  const int ours[4] = {p[0][1], p[1][0], p[2][0], p[3][1]};
  at = entry;
  const char *end = entry + size;
  int ok = append(&at, end, PRIMED_ENV) == 0 && append_number(&at, end, sys_getpid()) == 0 && append(&at, end, ":") == 0 && append_number(&at, end, pid) == 0;
  for (int i = 0; ok && i < 4; i++) ok = append(&at, end, ":") == 0 && append_number(&at, end, ours[i]) == 0 && sys_fcntl(ours[i], F_SETFD, 0) == 0;
  /* Cannot be named (never, with these sizes): closing our ends ends the helper. */
  if (!ok) {
    for (int i = 0; i < 4; i++) sys_close(ours[i]);
    return 0;
  }
  return entry;
}

int launcher_main(int argc, char **argv, char **envp) {
  char bin[PATH_SIZE], entry[PATH_SIZE];
  long n = sys_readlinkat(AT_FDCWD, "/proc/self/exe", bin, sizeof bin - 1);
  while (n > 0 && bin[n - 1] != '/') n--;
  if (n <= 0) {
    say("lmctfy: cannot find the launcher's own directory (/proc/self/exe)\n");
    return 127;
  }
  bin[n] = '\0';
  char *at = entry;
  if (append(&at, entry + sizeof entry, bin) != 0 || append(&at, entry + sizeof entry, ENTRY) != 0) {
    say("lmctfy: the launcher's directory is too long a path\n");
    return 127;
  }
  char primed[128];
  char *helper = argc >= 2 && (same(argv[1], "checkpoint") || same(argv[1], "migrate")) ? start_primed(bin, envp, primed, sizeof primed) : 0;
  /*
   * Node's environment: the helper's entry first, where one was started; NODE_EXTRA_CA_CERTS
   * under its held name; and none of our own names inherited from an lmctfy that ran this one.
   */
  int count = 0, ca = -1;
  while (envp[count]) count++;
  char *env[count + 2];
  int k = 0;
  if (helper) env[k++] = helper;
  for (int i = 0; i < count; i++) {
    if (named(envp[i], PRIMED_ENV) || named(envp[i], HELD_CA_ENV)) continue;
    if (named(envp[i], CA_ENV)) ca = k;
    env[k++] = envp[i];
  }
  env[k] = 0;
  char held[ca >= 0 ? length(env[ca]) + sizeof HELD_PREFIX : 1];
  if (ca >= 0) {
    at = held;
    append(&at, held + sizeof held, HELD_PREFIX);
    append(&at, held + sizeof held, env[ca]);
    env[ca] = held;
  }
  /*
   * A short command: Node itself, as the kernel would start it for the entry's #! line, with
   * one option more. Anything else, or an exec that fails here: the entry, by its #! line.
   */
  char line[LINE_SIZE], *node, *option;
  if (!long_running(argc, argv) && node_line(entry, line, &node, &option) == 0) {
    char *args[argc + 4];
    int a = 0;
    args[a++] = node;
    if (option) args[a++] = option;
    args[a++] = SHORT_POOL;
    args[a++] = entry;
    for (int i = 1; i < argc; i++) args[a++] = argv[i];
    args[a] = 0;
    sys_execve(node, args, env);
  }
  sys_execve(entry, argv, env);
  say("lmctfy: cannot run ");
  say(entry);
  say("\n");
  return 127;
}
