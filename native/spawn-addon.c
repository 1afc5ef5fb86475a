/*
 * lmctfy-spawn.node: the one Node add-on of lmctfy, loaded by `lmctfy run` in the
 * foreground (src/engine/bare-spawn.ts), by bin/lmctfy.js to start the primed criu helper,
 * by the checkpoint code to run criu (src/engine/checkpoint/criu.ts), and by a command's
 * end (src/cli/start.ts). It starts the exec helper with posix_spawn, which
 * glibc does with clone(CLONE_VM | CLONE_VFORK): the child borrows Node's memory until its
 * exec instead of getting a copy of Node's page tables, as libuv's fork gives it. On this
 * kind of VM a fork of a Node process (60 MB touched) costs milliseconds in page-table
 * copies and the copy-on-write faults that follow it (BENCHMARKS.md, "Virtual hosts").
 *
 *   pipe()                         -> [readFd, writeFd], both close-on-exec, or -errno
 *   spawn(file, argv, envp, fds)   -> pid, or -errno when it could not be started or exec'd;
 *                                     envp null: this process's environment; fds[i] becomes
 *                                     the child's fd i (0 to 6 at most), -1 there meaning
 *                                     /dev/null for 0 to 2 and closed above
 *   reap(pid)                      -> its wait status once it has ended (and is reaped), -1
 *                                     while it runs, -1 - errno when it cannot be waited for
 *   cloexec(fds)                   -> 0 once every fd of the array is close-on-exec, or -errno
 *                                     (the pipes native/launcher.c hands bin/lmctfy.js)
 *   exit(code)                     -> never returns: the process ends with `code` (_exit), as
 *                                     a command ends once its 'exit' listeners ran
 *                                     (src/cli/start.ts)
 *
 * Node-API is a stable C ABI: its few functions used here are declared below rather than
 * taken from Node's headers, which a machine building lmctfy need not have. The symbols
 * are resolved from the node executable when the add-on is loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status; /* 0 is napi_ok */
typedef enum { napi_undefined, napi_null } napi_valuetype; /* the first two of Node-API's list */
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);

napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *argc, napi_value *argv, napi_value *self, void **data);
napi_status napi_create_function(napi_env, const char *name, size_t length, napi_callback, void *data, napi_value *result);
napi_status napi_set_named_property(napi_env, napi_value object, const char *name, napi_value value);
napi_status napi_get_value_string_utf8(napi_env, napi_value, char *buf, size_t size, size_t *length);
napi_status napi_get_array_length(napi_env, napi_value, uint32_t *length);
napi_status napi_get_element(napi_env, napi_value array, uint32_t index, napi_value *result);
napi_status napi_get_value_int32(napi_env, napi_value, int32_t *result);
napi_status napi_create_int32(napi_env, int32_t value, napi_value *result);
napi_status napi_create_array_with_length(napi_env, size_t length, napi_value *result);
napi_status napi_set_element(napi_env, napi_value array, uint32_t index, napi_value value);
napi_status napi_typeof(napi_env, napi_value, napi_valuetype *result);
napi_status napi_throw_type_error(napi_env, const char *code, const char *message);

#define MAX_FDS 7

extern char **environ;

static napi_value int32(napi_env env, int32_t v) {
  napi_value r = NULL;
  napi_create_int32(env, v, &r);
  return r;
}

static napi_value bad_argument(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A JS string as a malloc'd C string; NULL when it is not a string (or memory ran out). */
static char *c_string(napi_env env, napi_value v) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != 0) return NULL;
  char *s = malloc(n + 1);
  if (s && napi_get_value_string_utf8(env, v, s, n + 1, &n) != 0) {
    free(s);
    return NULL;
  }
  return s;
}

static void free_strings(char **list) {
  if (!list) return;
  for (char **p = list; *p; p++) free(*p);
  free(list);
}

/* A JS array of strings as a NULL-terminated, malloc'd list; NULL when it is anything else. */
static char **c_strings(napi_env env, napi_value array) {
  uint32_t n;
  if (napi_get_array_length(env, array, &n) != 0) return NULL;
  char **list = calloc((size_t)n + 1, sizeof *list);
  if (!list) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    if (napi_get_element(env, array, i, &v) != 0 || !(list[i] = c_string(env, v))) {
      free_strings(list);
      return NULL;
    }
  }
  return list;
}

static napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return int32(env, -errno);
  napi_value pair;
  napi_create_array_with_length(env, 2, &pair);
  napi_set_element(env, pair, 0, int32(env, fds[0]));
  napi_set_element(env, pair, 1, int32(env, fds[1]));
  return pair;
}

/*
 * The child gets fds[i] as fd i and nothing else Node holds (all of it is close-on-exec),
 * every signal's default action (Node ignores SIGPIPE, and an ignored signal stays ignored
 * across exec) and an empty signal mask, as libuv gives a child.
 */
static int start(const char *file, char **argv, char **envp, const int *given, int nfds, pid_t *pid) {
  /*
   * The dup2s go in order, so a source that is itself one of the slots (a low fd Node had
   * free when a pipe was made) would be overwritten before its turn: such a source goes
   * through a copy above the slots, closed again after the spawn.
   */
  int fds[MAX_FDS], copies[MAX_FDS];
  int err = 0;
  for (int i = 0; i < nfds; i++) {
    fds[i] = given[i];
    copies[i] = -1;
    if (given[i] >= 0 && given[i] < nfds && given[i] != i) {
      copies[i] = fcntl(given[i], F_DUPFD_CLOEXEC, nfds);
      if (copies[i] < 0) err = errno;
      fds[i] = copies[i];
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int made = 0;
  if (!err && !(err = posix_spawn_file_actions_init(&actions))) made |= 1;
  if (!err && !(err = posix_spawnattr_init(&attr))) made |= 2;
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  for (int i = 0; i < nfds && !err; i++) {
    if (fds[i] >= 0) err = posix_spawn_file_actions_adddup2(&actions, fds[i], i);
    else if (i <= 2) err = posix_spawn_file_actions_addopen(&actions, i, "/dev/null", O_RDWR, 0);
    else err = posix_spawn_file_actions_addclose(&actions, i); /* glibc ignores EBADF here */
  }
  if (!err) err = posix_spawnattr_setsigdefault(&attr, &all);
  if (!err) err = posix_spawnattr_setsigmask(&attr, &none);
  if (!err) err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  if (!err) err = posix_spawn(pid, file, &actions, &attr, argv, envp ? envp : environ);
  if (made & 2) posix_spawnattr_destroy(&attr);
  if (made & 1) posix_spawn_file_actions_destroy(&actions);
  for (int i = 0; i < nfds; i++)
    if (copies[i] >= 0) close(copies[i]);
  return err;
}

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != 0 || argc != 4) return bad_argument(env, "spawn(file, argv, envp, fds)");
  uint32_t nfds;
  if (napi_get_array_length(env, args[3], &nfds) != 0 || nfds > MAX_FDS) return bad_argument(env, "spawn: fds is an array of at most 7 descriptors");
  int fds[MAX_FDS];
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value v;
    if (napi_get_element(env, args[3], i, &v) != 0 || napi_get_value_int32(env, v, &fds[i]) != 0 || fds[i] < -1) return bad_argument(env, "spawn: fds holds descriptors or -1");
  }
  char *file = c_string(env, args[0]);
  char **argv = c_strings(env, args[1]);
  napi_valuetype envType;
  int inherit = napi_typeof(env, args[2], &envType) == 0 && envType == napi_null;
  char **envp = inherit ? NULL : c_strings(env, args[2]);
  napi_value result;
  if (!file || !argv || (!envp && !inherit)) result = bad_argument(env, "spawn: file is a string, argv an array of strings, envp one or null");
  else {
    pid_t pid;
    int err = start(file, argv, envp, fds, (int)nfds, &pid);
    result = int32(env, err ? -err : pid);
  }
  free(file);
  free_strings(argv);
  free_strings(envp);
  return result;
}

static napi_value js_reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  int32_t pid;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != 0 || argc != 1 || napi_get_value_int32(env, arg, &pid) != 0 || pid <= 0) {
    return bad_argument(env, "reap(pid)");
  }
  int status;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r < 0) return int32(env, -errno - 1);
  return int32(env, r == 0 ? -1 : status);
}

static napi_value js_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  uint32_t n;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != 0 || argc != 1 || napi_get_array_length(env, arg, &n) != 0) {
    return bad_argument(env, "cloexec(fds)");
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    int32_t fd;
    if (napi_get_element(env, arg, i, &v) != 0 || napi_get_value_int32(env, v, &fd) != 0 || fd < 0) return bad_argument(env, "cloexec: fds holds descriptors");
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return int32(env, -errno);
  }
  return int32(env, 0);
}

static napi_value js_exit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  int32_t code;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != 0 || argc != 1 || napi_get_value_int32(env, arg, &code) != 0 || code < 0 || code > 255) {
    return bad_argument(env, "exit(code): code 0 to 255");
  }
  _exit(code);
}

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, strlen(name), cb, NULL, &fn) == 0) napi_set_named_property(env, exports, name, fn);
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  export_function(env, exports, "pipe", js_pipe);
  export_function(env, exports, "spawn", js_spawn);
  export_function(env, exports, "reap", js_reap);
  export_function(env, exports, "cloexec", js_cloexec);
  export_function(env, exports, "exit", js_exit);
  return exports;
}
