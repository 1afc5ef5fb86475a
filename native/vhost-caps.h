/*
 * What a virtual host's processes run with (included by vhost-helper.c for PID 1 and, through
 * vhost-join.h, by exec-helper.c for a command run into one). The includer defines fail().
 */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static _Noreturn void fail(const char *step);

/* Docker's default set: what a service running as root inside usually needs, without
 * CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_MODULE, CAP_SYS_PTRACE, CAP_SYS_TIME and the like. */
static const int DEFAULT_CAPS[] = {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID,
    CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE,
    CAP_SETFCAP,
};

/* Bounding set, ambient set and permitted/effective/inheritable cut to DEFAULT_CAPS, then
 * no_new_privs: what the program exec'd next (root or not) can ever hold. */
static void drop_privileges(void) {
  unsigned long long keep = 0;
  for (size_t i = 0; i < sizeof DEFAULT_CAPS / sizeof *DEFAULT_CAPS; i++) keep |= 1ULL << DEFAULT_CAPS[i];
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      fail("capabilities");
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) fail("capabilities");
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) != 0) fail("capabilities");
  for (int i = 0; i < 2; i++) {
    unsigned int k = (unsigned int)(keep >> (32 * i));
    data[i].permitted &= k;
    data[i].effective &= k;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &hdr, data) != 0) fail("capabilities");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("no_new_privs");
}

static int exec_failure_code(int err) { return err == ENOENT || err == ENOTDIR ? 127 : 126; }
