/*
 * The few system calls native/launcher.c makes, and its process entry, without the C library
 * (why: launcher.c). Linux on x86-64 and 64-bit ARM only; any other target fails to compile,
 * and scripts/build-native.mjs then leaves bin/lmctfy the Node entry. Only calls both
 * architectures have (the *at forms, dup3, clone), so one list serves both.
 */
#include <asm/unistd.h>
#include <linux/fcntl.h>

#if defined(__x86_64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return r;
}
/* The kernel starts a process with argc at the stack pointer, argv and envp after it. */
__asm__(".text\n.global _start\n_start:\n  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call launcher_start\n  hlt\n");
#elif defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  bl launcher_start\n  brk #0\n");
#else
#error "the launcher's system calls are written for x86-64 and aarch64 only"
#endif

/* SIGCHLD: the number of both architectures' (and every Linux but alpha, mips, sparc). */
#define CHILD_SIGNAL 17

static long sys_write(int fd, const void *buf, unsigned long n) { return sys6(__NR_write, fd, (long)buf, (long)n, 0, 0, 0); }
static long sys_close(int fd) { return sys6(__NR_close, fd, 0, 0, 0, 0, 0); }
static long sys_pipe2(int fds[2], int flags) { return sys6(__NR_pipe2, (long)fds, flags, 0, 0, 0, 0); }
static long sys_fcntl(int fd, int cmd, long arg) { return sys6(__NR_fcntl, fd, cmd, arg, 0, 0, 0); }
static long sys_dup3(int from, int to, int flags) { return sys6(__NR_dup3, from, to, flags, 0, 0, 0); }
static long sys_openat(int dir, const char *path, int flags) { return sys6(__NR_openat, dir, (long)path, flags, 0, 0, 0); }
static long sys_read(int fd, void *buf, unsigned long n) { return sys6(__NR_read, fd, (long)buf, (long)n, 0, 0, 0); }
static long sys_readlinkat(int dir, const char *path, char *buf, unsigned long size) { return sys6(__NR_readlinkat, dir, (long)path, (long)buf, (long)size, 0, 0); }
static long sys_getpid(void) { return sys6(__NR_getpid, 0, 0, 0, 0, 0, 0); }
/* fork(): clone with only the signal the parent gets at the child's end (its other arguments 0). */
static long sys_fork(void) { return sys6(__NR_clone, CHILD_SIGNAL, 0, 0, 0, 0, 0); }
static long sys_execve(const char *file, char *const argv[], char *const envp[]) { return sys6(__NR_execve, (long)file, (long)argv, (long)envp, 0, 0, 0); }
static void sys_exit(int code) {
  for (;;) sys6(__NR_exit_group, code, 0, 0, 0, 0, 0);
}

/* The kernel's struct sigaction, handler SIG_DFL (0): its layout on both architectures. */
struct kernel_sigaction {
  unsigned long handler, flags, restorer, mask;
};
static void sys_default_signal(int sig) {
  struct kernel_sigaction dfl = {0, 0, 0, 0};
  sys6(__NR_rt_sigaction, sig, (long)&dfl, 0, sizeof dfl.mask, 0, 0);
}
static void sys_unblock_signals(void) {
  unsigned long none = 0;
  sys6(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&none, 0, sizeof none, 0, 0);
}

int launcher_main(int argc, char **argv, char **envp);

/* Called by _start with the initial stack pointer. */
__attribute__((used)) void launcher_start(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  sys_exit(launcher_main(argc, argv, argv + argc + 1));
}
