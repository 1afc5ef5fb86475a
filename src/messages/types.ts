/**
 * Plain-object shapes of the proto messages (proto/lmctfy.proto, proto/config.proto), as
 * the spec codec returns them: proto field names (snake_case), 64-bit integers as JS
 * numbers (the codec rejects values beyond Number.MAX_SAFE_INTEGER), enums as their names.
 */

export type SchedulingLatency = 'BEST_EFFORT' | 'NORMAL' | 'PRIORITY' | 'PREMIER';

export interface CpuSpec {
  scheduling_latency?: SchedulingLatency;
  /** CPU milliseconds per second (1000 = one CPU); relative weight. */
  limit?: number;
  /** Hard cap, CPU milliseconds per second. */
  max_limit?: number;
  mask?: { data?: number[] };
}

export interface MemorySpec {
  eviction_priority?: number;
  /** Bytes; -1 unlimited. */
  limit?: number;
  max_limit?: number;
  /** Bytes; soft limit (v1) / memory.low (v2). */
  reservation?: number;
  hugetlbfs_path?: string;
  tmpfs?: { path?: string[] };
  /** Bytes of memory + swap (v1 memsw semantics); -1 unlimited. */
  swap_limit?: number;
  compression_sampling_ratio?: number;
  stale_page_age?: number;
  dirty?: { ratio?: number; limit?: number; background_ratio?: number; background_limit?: number };
  kmem_charge_usage?: boolean;
}

export interface Device {
  major?: number;
  minor?: number;
}
export interface DeviceLimit {
  device?: Device;
  limit?: number;
}
export type OpType = 'READ' | 'WRITE';
export type LimitType = 'BYTES_PER_SECOND' | 'IO_PER_SECOND';
export interface MaxLimit {
  limits?: DeviceLimit[];
  op_type?: OpType;
  limit_type?: LimitType;
}
export interface BlockIoSpec {
  /** Proportional weight (blkio.weight / io.weight), default_limit 1..1000 in v1 scale. */
  device_limit_set?: { default_limit?: number; device_limits?: DeviceLimit[] };
  max_device_limit_set?: { max_limits?: MaxLimit[] };
}

export type DevicePermission = 'ALLOW' | 'DENY';
export type DeviceType = 'DEVICE_CHAR' | 'DEVICE_BLOCK' | 'DEVICE_ALL';
export type DeviceAccess = 'READ' | 'WRITE' | 'MKNOD';
export interface DeviceRestriction {
  permission?: DevicePermission;
  type?: DeviceType;
  access?: DeviceAccess[];
  /** -1 = any (`*`). */
  major?: number;
  minor?: number;
}
export interface DeviceSpec {
  restrictions_set?: { restrictions?: DeviceRestriction[] };
}

/** Our addition (fresh field number): the pids controller. */
export interface PidsSpec {
  /** Maximum number of tasks; -1 unlimited. */
  limit?: number;
}

/** A virtual host's namespaces, init and network (docs/VIRTUAL-HOSTS.md). */
export interface VirtualHostSpec {
  virtual_hostname?: string;
  init?: { init_argv?: string[]; run_spec?: RunSpec };
  network?: VirtualHostNetwork;
}
export interface VirtualHostNetwork {
  interface?: string;
  virtual_ip?: { ip?: string; netmask?: string; gateway?: string; mtu?: number; ip_forward?: boolean };
  connection?: {
    veth_pair?: { outside?: string; inside?: string };
    bridge?: { name?: string; type?: 'ETH' | 'OVS' };
  };
}
export interface Mount {
  source?: string;
  target?: string;
  read_only?: boolean;
  private?: boolean;
}
export interface FilesystemSpec {
  rootfs?: string;
  image?: string;
  mounts?: { mount?: Mount[] };
}

/** Ours: a virtual host's bandwidth limits (docs/VIRTUAL-HOSTS.md). Bits per second; 0: none. */
export interface NetworkSpec {
  ingress_limit?: number;
  egress_limit?: number;
}

export interface ContainerSpec {
  owner?: number;
  cpu?: CpuSpec;
  memory?: MemorySpec;
  network?: NetworkSpec;
  monitoring?: Record<string, unknown>;
  filesystem?: FilesystemSpec;
  owner_group?: number;
  children_limit?: number;
  virtual_host?: VirtualHostSpec;
  device?: DeviceSpec;
  blockio?: BlockIoSpec;
  security_spec?: Record<string, unknown>;
  pids?: PidsSpec;
}

export interface EventSpec {
  oom?: Record<string, never>;
  memory_threshold?: { usage?: number };
  container_empty?: Record<string, never>;
}

export type FdPolicy = 'UNKNOWN' | 'INHERIT' | 'DETACHED';
export interface RunSpec {
  fd_policy?: FdPolicy;
}

export type CgroupHierarchy =
  | 'CGROUP_UNKNOWN'
  | 'CGROUP_CPU'
  | 'CGROUP_CPUACCT'
  | 'CGROUP_CPUSET'
  | 'CGROUP_FREEZER'
  | 'CGROUP_JOB'
  | 'CGROUP_MEMORY'
  | 'CGROUP_NET'
  | 'CGROUP_PERF_EVENT'
  | 'CGROUP_RLIMIT'
  | 'CGROUP_DEVICE'
  | 'CGROUP_BLOCKIO'
  | 'CGROUP_PIDS'
  | 'CGROUP_UNIFIED';
export interface CgroupMount {
  mount_path?: string;
  hierarchy?: CgroupHierarchy[];
}
export interface InitSpec {
  cpu?: Record<string, unknown>;
  memory?: Record<string, unknown>;
  network?: Record<string, unknown>;
  monitoring?: Record<string, unknown>;
  filesystem?: Record<string, unknown>;
  cgroup_mount?: CgroupMount[];
  blockio?: Record<string, unknown>;
  /** Ours: the root's machine policy, set once the root exists (docs/POLICY.md). */
  policy?: PolicySpec;
}

/** Ours: the machine policy of one lmctfy root (PolicySpec; docs/POLICY.md). */
export interface PolicyAmounts {
  /** CPU milliseconds per second (1000 = one CPU). */
  cpu?: number;
  /** Bytes. */
  memory?: number;
}
export interface TierOvercommit {
  tier?: SchedulingLatency;
  /** Percent. */
  percent?: number;
}
export interface PolicySpec {
  capacity?: PolicyAmounts;
  reserve?: PolicyAmounts;
  overcommit?: TierOvercommit[];
  /** PREMIER containers with whole-CPU limits get CPUs of their own (docs/POLICY.md). */
  exclusive_cpus?: boolean;
  /** What `lmctfy daemon` does under memory pressure (docs/DAEMON.md). */
  pressure?: PressurePolicy;
}
export type EvictionAction = 'KILL_TASKS' | 'FREEZE' | 'DESTROY';
/** Ours: the daemon's thresholds and what evicting means (PressurePolicy; docs/DAEMON.md). */
export interface PressurePolicy {
  /** Bytes. */
  evict_headroom?: number;
  /** Bytes. */
  reclaim_headroom?: number;
  /** Microseconds. */
  stall_us?: number;
  window_us?: number;
  action?: EvictionAction;
  /** Milliseconds. */
  cooldown_ms?: number;
  /** Microseconds: CPU stall of a latency tier that caps NORMAL containers. */
  cpu_stall_us?: number;
  /** Milliseconds after the last CPU stall before the caps are released. */
  cpu_release_ms?: number;
}

// ---- stats ----

export type CpuHistogramType = 'SERVE' | 'ONCPU' | 'SLEEP' | 'QUEUE_SELF' | 'QUEUE_OTHER';
export interface HistogramMap {
  type: CpuHistogramType;
  /** bucket = upper edge in microseconds (the open last bucket: OPEN_BUCKET); value = count. */
  stat: Array<{ bucket: number; value: number }>;
}
/**
 * The `bucket` of a histogram's open last bucket, which has no upper edge: INT32_MAX, as the
 * original lmctfy reported the kernel's `inf` bucket, so it stays apart from the last finite one.
 */
export const OPEN_BUCKET = 2147483647;
export interface CpuStats {
  usage?: { total?: number; per_cpu?: number[]; user?: number; system?: number };
  load?: number;
  throttling_data?: { periods?: number; throttled_periods?: number; throttled_time?: number };
  histograms?: HistogramMap[];
}
export interface MemoryData {
  cache?: number;
  rss?: number;
  rss_huge?: number;
  mapped_file?: number;
  pgpgin?: number;
  pgpgout?: number;
  pgfault?: number;
  pgmajfault?: number;
  dirty?: number;
  writeback?: number;
  inactive_anon?: number;
  active_anon?: number;
  inactive_file?: number;
  active_file?: number;
  unevictable?: number;
}
export interface MemoryStats {
  limit?: number;
  effective_limit?: number;
  reservation?: number;
  usage?: number;
  max_usage?: number;
  working_set?: number;
  container_data?: MemoryData;
  hierarchical_data?: MemoryData;
  hierarchical_memory_limit?: number;
  fail_count?: number;
  /** Ours: processes killed by the OOM killer in this container. */
  oom_kill_count?: number;
  swap_limit?: number;
}
export interface IoDeviceStats {
  device: Device;
  read_bytes?: number;
  write_bytes?: number;
  read_ios?: number;
  write_ios?: number;
}
export interface BlockIoStats {
  devices?: IoDeviceStats[];
}
export interface PressureLine {
  avg10?: number;
  avg60?: number;
  avg300?: number;
  /** Microseconds. */
  total?: number;
}
export interface Pressure {
  some?: PressureLine;
  full?: PressureLine;
}
export interface PressureStats {
  cpu?: Pressure;
  memory?: Pressure;
  io?: Pressure;
}
export type FreezerState = 'THAWED' | 'FREEZING' | 'FROZEN';
/** One interface of a virtual host, as seen from inside (rx: into the container). */
export interface NetworkInterfaceStats {
  name?: string;
  outside?: string;
  rx_bytes?: number;
  rx_packets?: number;
  rx_errors?: number;
  rx_dropped?: number;
  tx_bytes?: number;
  tx_packets?: number;
  tx_errors?: number;
  tx_dropped?: number;
}
export interface NetworkStats {
  interface?: NetworkInterfaceStats[];
}

export interface ContainerStats {
  cpu?: CpuStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  monitoring?: Record<string, unknown>;
  filesystem?: Record<string, unknown>;
  blockio?: BlockIoStats;
  /** Ours. */
  pids?: { current?: number; limit?: number };
  pressure?: PressureStats;
  freezer?: { state?: FreezerState; self_freezing?: boolean };
  tier?: SchedulingLatency;
}
