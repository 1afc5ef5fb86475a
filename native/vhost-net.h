/*
 * A virtual host's network over rtnetlink (included by vhost-helper.c): the veth pair made with
 * its inside end already in the container's net namespace, the bridge made on demand with the
 * outside end enslaved at creation, both ends up, then inside the address, the default route
 * and forwarding. One process and a handful of netlink messages, where `ip` and `nsenter`
 * took five to seven processes (docs/VIRTUAL-HOSTS.md, "Network").
 *
 * Every step reports through `net_fail(STEP)`, which the includer defines: the step names
 * what failed (net-bridge, net-veth, net-address, ...) and errno why.
 */
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

struct net_plan {
  const char *outside, *inside, *bridge; /* bridge: NULL for none */
  struct in_addr ip, gateway;
  int prefix;                            /* -1: no address */
  int has_gateway, mtu, forward;         /* mtu 0: the kernel's default */
  int has_mac;                           /* the inside end's MAC kept (a restored virtual host's) */
  unsigned char mac[6];
};

struct nl_msg {
  struct nlmsghdr h;
  char buf[1024];
};

static _Noreturn void net_fail(const char *step);

static void nl_init(struct nl_msg *m, int type, int flags, const void *body, size_t len) {
  memset(m, 0, sizeof *m);
  m->h.nlmsg_len = (unsigned)NLMSG_LENGTH(len);
  m->h.nlmsg_type = (unsigned short)type;
  m->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
  memcpy(NLMSG_DATA(&m->h), body, len);
}

static struct rtattr *nl_attr(struct nl_msg *m, int type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)((char *)&m->h + NLMSG_ALIGN(m->h.nlmsg_len));
  size_t total = NLMSG_ALIGN(m->h.nlmsg_len) + RTA_SPACE(len);
  if (total > sizeof *m) {
    errno = ENAMETOOLONG;
    return NULL;
  }
  a->rta_type = (unsigned short)type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  m->h.nlmsg_len = (unsigned)total;
  return a;
}

static void nl_attr_str(struct nl_msg *m, int type, const char *s, const char *step) {
  if (!nl_attr(m, type, s, strlen(s) + 1)) net_fail(step);
}

static void nl_attr_u32(struct nl_msg *m, int type, unsigned v, const char *step) {
  if (!nl_attr(m, type, &v, sizeof v)) net_fail(step);
}

/* A nested attribute's length covers what was added since nl_attr made it. */
static void nl_end(struct nl_msg *m, struct rtattr *nest) {
  nest->rta_len = (unsigned short)((char *)&m->h + m->h.nlmsg_len - (char *)nest);
}

static struct rtattr *nl_nest(struct nl_msg *m, int type, const char *step) {
  struct rtattr *a = nl_attr(m, type, NULL, 0);
  if (!a) net_fail(step);
  return a;
}

static int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) net_fail("netlink");
  return fd;
}

/* Sends one request and waits for its acknowledgement; sets errno and returns -1 on a refusal. */
static int nl_talk(int fd, struct nl_msg *m) {
  static unsigned seq;
  m->h.nlmsg_seq = ++seq;
  if (send(fd, &m->h, m->h.nlmsg_len, 0) < 0) return -1;
  char reply[4096];
  for (;;) {
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != m->h.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR) continue;
      int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
      if (err == 0) return 0;
      errno = -err;
      return -1;
    }
  }
}

static const struct ifinfomsg LINK_UP = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};

/* The bridge, made (up) unless it exists: another virtual host may make it at the same moment. */
static void make_bridge(int fd, const char *name) {
  struct nl_msg m;
  nl_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &LINK_UP, sizeof LINK_UP);
  nl_attr_str(&m, IFLA_IFNAME, name, "net-bridge");
  struct rtattr *info = nl_nest(&m, IFLA_LINKINFO, "net-bridge");
  nl_attr_str(&m, IFLA_INFO_KIND, "bridge", "net-bridge");
  nl_end(&m, info);
  if (nl_talk(fd, &m) != 0 && errno != EEXIST) net_fail("net-bridge");
}

/*
 * The pair in one message, on the host's socket `fd`: the outside end (MTU, bridge, up) here,
 * the inside end (MTU, up) created directly in the namespace `nsfd`, so it never shows on the
 * host and cannot clash with a host interface of the same name.
 */
static void make_veth(int fd, const struct net_plan *p, int nsfd) {
  struct nl_msg m;
  nl_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &LINK_UP, sizeof LINK_UP);
  nl_attr_str(&m, IFLA_IFNAME, p->outside, "net-veth");
  if (p->mtu) nl_attr_u32(&m, IFLA_MTU, (unsigned)p->mtu, "net-veth");
  if (p->bridge) {
    unsigned master = if_nametoindex(p->bridge);
    if (master == 0) net_fail("net-bridge");
    nl_attr_u32(&m, IFLA_MASTER, master, "net-veth");
  }
  struct rtattr *info = nl_nest(&m, IFLA_LINKINFO, "net-veth");
  nl_attr_str(&m, IFLA_INFO_KIND, "veth", "net-veth");
  struct rtattr *data = nl_nest(&m, IFLA_INFO_DATA, "net-veth");
  /* The inside end comes up from inside: asked to bring the peer up in the same message, this
   * kernel (6.18) refuses the whole pair with ENOTCONN. */
  const struct ifinfomsg down = {.ifi_family = AF_UNSPEC};
  struct rtattr *peer = nl_attr(&m, VETH_INFO_PEER, &down, sizeof down);
  if (!peer) net_fail("net-veth");
  nl_attr_str(&m, IFLA_IFNAME, p->inside, "net-veth");
  nl_attr_u32(&m, IFLA_NET_NS_FD, (unsigned)nsfd, "net-veth");
  if (p->mtu) nl_attr_u32(&m, IFLA_MTU, (unsigned)p->mtu, "net-veth");
  if (p->has_mac && !nl_attr(&m, IFLA_ADDRESS, p->mac, sizeof p->mac)) net_fail("net-veth");
  nl_end(&m, peer);
  nl_end(&m, data);
  nl_end(&m, info);
  if (nl_talk(fd, &m) != 0) net_fail("net-veth");
}

/* Inside (the caller is in the namespace now): the inside end up, the address, the default route, forwarding. */
static void configure_inside(const struct net_plan *p) {
  int fd = nl_open();
  unsigned index = if_nametoindex(p->inside);
  if (index == 0) net_fail("net-up");
  struct ifinfomsg up = LINK_UP;
  up.ifi_index = (int)index;
  struct nl_msg m;
  nl_init(&m, RTM_NEWLINK, 0, &up, sizeof up);
  if (nl_talk(fd, &m) != 0) net_fail("net-up");
  if (p->prefix >= 0) {
    struct ifaddrmsg a = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)p->prefix, .ifa_index = index};
    struct nl_msg m;
    nl_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &a, sizeof a);
    if (!nl_attr(&m, IFA_LOCAL, &p->ip, sizeof p->ip) || !nl_attr(&m, IFA_ADDRESS, &p->ip, sizeof p->ip)) net_fail("net-address");
    if (nl_talk(fd, &m) != 0) net_fail("net-address");
  }
  if (p->has_gateway) {
    struct rtmsg r = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
    struct nl_msg m;
    nl_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, sizeof r);
    if (!nl_attr(&m, RTA_GATEWAY, &p->gateway, sizeof p->gateway)) net_fail("net-route");
    nl_attr_u32(&m, RTA_OIF, index, "net-route");
    if (nl_talk(fd, &m) != 0) net_fail("net-route");
  }
  close(fd);
  if (p->forward) {
    /* /proc/sys/net is the calling task's net namespace's, whichever /proc it is read through. */
    int f = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
    if (f < 0 || write(f, "1\n", 2) != 2) net_fail("net-forward");
    close(f);
  }
}

/* All of it, from a process still in the host's net namespace, for the namespace at `ns_path`. */
static void set_up_network(const struct net_plan *p, const char *ns_path) {
  int nsfd = open(ns_path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) net_fail("net-namespace");
  int fd = nl_open();
  if (p->bridge) make_bridge(fd, p->bridge);
  make_veth(fd, p, nsfd);
  close(fd);
  if (setns(nsfd, CLONE_NEWNET) != 0) net_fail("net-namespace");
  close(nsfd);
  configure_inside(p);
}
