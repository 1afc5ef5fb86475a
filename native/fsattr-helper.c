/*
 * lmctfy-fsattr: the file-system calls Node lacks, for image layers (docs/IMAGES.md):
 * mknod (device nodes, fifos and overlay whiteouts, i.e. character devices 0/0) and
 * extended attributes (trusted.overlay.opaque, security.capability, user.*).
 *
 *   lmctfy-fsattr < COMMANDS
 *
 * COMMANDS is a sequence of NUL-terminated fields, one command after another:
 *   n PATH MODE MAJOR MINOR UID GID   mknod PATH (MODE holds the file type, in octal), then lchown
 *   x PATH NAME HEX                   lsetxattr PATH NAME to the bytes HEX (lower-case hex digits)
 *   l PATH                            write "PATH\0NAME\0HEX\0" to stdout for each xattr of PATH
 * Commands run in order. The first failure writes "CMD PATH: ERROR" to stderr and exits 1;
 * a malformed command exits 2. Batching them keeps one process per layer, not per file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char *input;
static size_t input_len, at;

static void read_all(void) {
  size_t cap = 1 << 16;
  input = malloc(cap);
  for (;;) {
    if (!input) {
      perror("lmctfy-fsattr: read");
      exit(1);
    }
    ssize_t n = read(0, input + input_len, cap - input_len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      perror("lmctfy-fsattr: read");
      exit(1);
    }
    if (n == 0) return;
    input_len += (size_t)n;
    if (input_len == cap) input = realloc(input, cap *= 2);
  }
}

/* The next NUL-terminated field, or exit 2 when the input ends inside a command. */
static const char *field(void) {
  const char *start = input + at;
  const char *end = memchr(start, '\0', input_len - at);
  if (!end) {
    fprintf(stderr, "lmctfy-fsattr: malformed command (a field without its NUL)\n");
    exit(2);
  }
  at = (size_t)(end - input) + 1;
  return start;
}

static unsigned long number(const char *text, int base) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(text, &end, base);
  if (errno || *text == '\0' || *end != '\0') {
    fprintf(stderr, "lmctfy-fsattr: malformed number \"%s\"\n", text);
    exit(2);
  }
  return v;
}

static void fail(char cmd, const char *path) {
  fprintf(stderr, "%c %s: %s\n", cmd, path, strerror(errno));
  exit(1);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static void set_xattr(const char *path, const char *name, const char *hex) {
  size_t n = strlen(hex);
  unsigned char *value = malloc(n / 2 + 1);
  if (!value || n % 2) {
    fprintf(stderr, "lmctfy-fsattr: malformed value for %s\n", name);
    exit(2);
  }
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      fprintf(stderr, "lmctfy-fsattr: malformed value for %s\n", name);
      exit(2);
    }
    value[i] = (unsigned char)(hi * 16 + lo);
  }
  if (lsetxattr(path, name, value, n / 2, 0) != 0) fail('x', path);
  free(value);
}

static void list_xattrs(const char *path) {
  char names[65536];
  ssize_t len = llistxattr(path, names, sizeof names);
  if (len < 0) {
    /* File systems without xattrs have none to list. */
    if (errno == ENOTSUP) return;
    fail('l', path);
  }
  static unsigned char value[65536];
  for (const char *name = names; name < names + len; name += strlen(name) + 1) {
    ssize_t vlen = lgetxattr(path, name, value, sizeof value);
    if (vlen < 0) {
      if (errno == ENODATA) continue; /* removed between the two calls */
      fail('l', path);
    }
    fputs(path, stdout);
    putchar('\0');
    fputs(name, stdout);
    putchar('\0');
    for (ssize_t i = 0; i < vlen; i++) printf("%02x", value[i]);
    putchar('\0');
  }
}

int main(void) {
  read_all();
  while (at < input_len) {
    const char *cmd = field();
    const char *path = field();
    if (strcmp(cmd, "n") == 0) {
      mode_t mode = (mode_t)number(field(), 8);
      unsigned long major = number(field(), 10), minor = number(field(), 10);
      uid_t uid = (uid_t)number(field(), 10);
      gid_t gid = (gid_t)number(field(), 10);
      if (mknod(path, mode, makedev(major, minor)) != 0) fail('n', path);
      if (lchown(path, uid, gid) != 0) fail('n', path);
      /* mknod applies the umask; the layer's mode is what it says. */
      if (chmod(path, mode & 07777) != 0) fail('n', path);
    } else if (strcmp(cmd, "x") == 0) {
      const char *name = field();
      set_xattr(path, name, field());
    } else if (strcmp(cmd, "l") == 0) {
      list_xattrs(path);
    } else {
      fprintf(stderr, "lmctfy-fsattr: unknown command \"%s\"\n", cmd);
      return 2;
    }
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
