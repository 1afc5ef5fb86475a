import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import type { Field, MessageType } from '../../src/messages/reflection.js';
import { findProtoDir, MESSAGE_NAMES, messageType, schema, type MessageName } from '../../src/messages/schema.js';
import { fieldKind } from '../../src/messages/scalars.js';
import { fullContainerSpec, fullContainerStats, fullEventSpec, fullInitSpec, fullRunSpec } from '../fixtures/spec/messages.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function lookupType(message: string): MessageType {
  const type = schema().messages.get(message);
  if (!type) throw new Error(`no message ${message}`);
  return type;
}

function field(message: string, name: string): Field {
  const f = lookupType(message).fields.find((x) => x.name === name);
  if (!f) throw new Error(`${message} has no field ${name}`);
  return f;
}

/** The field's type as the proto names it: scalar type, or the message / enum name. */
function typeName(f: Field): string {
  return f.resolvedType ? f.resolvedType.name : f.type;
}

const L = 'containers.lmctfy.';

// docs/INTERFACE.md, "The schema: field numbers": [message, field, number, type, repeated].
const CONTRACT: Array<[string, string, number, string, boolean?]> = [
  [`${L}ContainerSpec`, 'owner', 1, 'int64'],
  [`${L}ContainerSpec`, 'cpu', 2, 'CpuSpec'],
  [`${L}ContainerSpec`, 'memory', 3, 'MemorySpec'],
  [`${L}ContainerSpec`, 'network', 5, 'NetworkSpec'],
  [`${L}ContainerSpec`, 'monitoring', 6, 'MonitoringSpec'],
  [`${L}ContainerSpec`, 'filesystem', 7, 'FilesystemSpec'],
  [`${L}ContainerSpec`, 'owner_group', 8, 'int64'],
  [`${L}ContainerSpec`, 'children_limit', 9, 'int64'],
  [`${L}ContainerSpec`, 'virtual_host', 10, 'VirtualHostSpec'],
  [`${L}ContainerSpec`, 'device', 11, 'DeviceSpec'],
  [`${L}ContainerSpec`, 'blockio', 12, 'BlockIoSpec'],
  [`${L}ContainerSpec`, 'security_spec', 13, 'SecuritySpec'],
  [`${L}VirtualHostSpec`, 'virtual_hostname', 1, 'string'],
  [`${L}VirtualHostSpec`, 'init', 2, 'Init'],
  [`${L}VirtualHostSpec.Init`, 'init_argv', 1, 'string', true],
  [`${L}VirtualHostSpec.Init`, 'run_spec', 2, 'RunSpec'],
  [`${L}VirtualHostSpec`, 'network', 3, 'Network'],
  [`${L}VirtualHostSpec.Network`, 'interface', 1, 'string'],
  [`${L}VirtualHostSpec.Network`, 'virtual_ip', 2, 'VirtualIp'],
  [`${L}VirtualHostSpec.Network`, 'connection', 3, 'Connection'],
  [`${L}VirtualHostSpec.Network.VirtualIp`, 'ip', 1, 'string'],
  [`${L}VirtualHostSpec.Network.VirtualIp`, 'netmask', 2, 'string'],
  [`${L}VirtualHostSpec.Network.VirtualIp`, 'gateway', 3, 'string'],
  [`${L}VirtualHostSpec.Network.VirtualIp`, 'mtu', 4, 'int32'],
  [`${L}VirtualHostSpec.Network.VirtualIp`, 'ip_forward', 5, 'bool'],
  [`${L}VirtualHostSpec.Network.Connection`, 'veth_pair', 1, 'VethPair'],
  [`${L}VirtualHostSpec.Network.Connection`, 'bridge', 2, 'Bridge'],
  [`${L}VirtualHostSpec.Network.VethPair`, 'outside', 1, 'string'],
  [`${L}VirtualHostSpec.Network.VethPair`, 'inside', 2, 'string'],
  [`${L}VirtualHostSpec.Network.Bridge`, 'name', 1, 'string'],
  [`${L}VirtualHostSpec.Network.Bridge`, 'type', 2, 'Type'],
  [`${L}FilesystemSpec`, 'rootfs', 2, 'string'],
  [`${L}FilesystemSpec`, 'mounts', 3, 'Mounts'],
  [`${L}FilesystemSpec.Mounts`, 'mount', 1, 'Mount', true],
  [`${L}FilesystemSpec.Mounts.Mount`, 'source', 1, 'string'],
  [`${L}FilesystemSpec.Mounts.Mount`, 'target', 2, 'string'],
  [`${L}FilesystemSpec.Mounts.Mount`, 'read_only', 3, 'bool'],
  [`${L}FilesystemSpec.Mounts.Mount`, 'private', 4, 'bool'],
  [`${L}CpuSpec`, 'scheduling_latency', 1, 'SchedulingLatency'],
  [`${L}CpuSpec`, 'limit', 2, 'uint64'],
  [`${L}CpuSpec`, 'max_limit', 3, 'uint64'],
  [`${L}CpuSpec`, 'mask', 4, 'Mask'],
  [`${L}CpuSpec.Mask`, 'data', 1, 'uint64', true],
  [`${L}MemorySpec`, 'eviction_priority', 1, 'int32'],
  [`${L}MemorySpec`, 'limit', 2, 'int64'],
  [`${L}MemorySpec`, 'max_limit', 3, 'int64'],
  [`${L}MemorySpec`, 'reservation', 4, 'int64'],
  [`${L}MemorySpec`, 'hugetlbfs_path', 5, 'string'],
  [`${L}MemorySpec`, 'tmpfs', 6, 'TmpfsSpec'],
  [`${L}MemorySpec`, 'swap_limit', 7, 'int64'],
  [`${L}MemorySpec`, 'compression_sampling_ratio', 8, 'int32'],
  [`${L}MemorySpec`, 'stale_page_age', 9, 'int32'],
  [`${L}MemorySpec`, 'dirty', 10, 'Dirty'],
  [`${L}MemorySpec`, 'kmem_charge_usage', 11, 'bool'],
  [`${L}MemorySpec.Dirty`, 'ratio', 1, 'int32'],
  [`${L}MemorySpec.Dirty`, 'limit', 2, 'int32'],
  [`${L}MemorySpec.Dirty`, 'background_ratio', 3, 'int32'],
  [`${L}MemorySpec.Dirty`, 'background_limit', 4, 'int32'],
  [`${L}BlockIoSpec`, 'device_limit_set', 1, 'DeviceLimitSet'],
  [`${L}BlockIoSpec`, 'max_device_limit_set', 2, 'MaxLimitSet'],
  [`${L}BlockIoSpec.DeviceLimitSet`, 'default_limit', 1, 'uint32'],
  [`${L}BlockIoSpec.DeviceLimitSet`, 'device_limits', 2, 'DeviceLimit', true],
  [`${L}BlockIoSpec.DeviceLimit`, 'device', 1, 'Device'],
  [`${L}BlockIoSpec.DeviceLimit`, 'limit', 2, 'uint64'],
  [`${L}BlockIoSpec.Device`, 'major', 1, 'int64'],
  [`${L}BlockIoSpec.Device`, 'minor', 2, 'int64'],
  [`${L}BlockIoSpec.MaxLimitSet`, 'max_limits', 1, 'MaxLimit', true],
  [`${L}BlockIoSpec.MaxLimit`, 'limits', 1, 'DeviceLimit', true],
  [`${L}BlockIoSpec.MaxLimit`, 'op_type', 2, 'OpType'],
  [`${L}BlockIoSpec.MaxLimit`, 'limit_type', 3, 'LimitType'],
  [`${L}DeviceSpec`, 'restrictions_set', 1, 'DeviceRestrictionsSet'],
  [`${L}DeviceSpec.DeviceRestrictionsSet`, 'restrictions', 1, 'DeviceRestrictions', true],
  [`${L}DeviceSpec.DeviceRestrictions`, 'permission', 1, 'DevicePermission'],
  [`${L}DeviceSpec.DeviceRestrictions`, 'type', 2, 'DeviceType'],
  [`${L}DeviceSpec.DeviceRestrictions`, 'access', 3, 'DeviceAccess', true],
  [`${L}DeviceSpec.DeviceRestrictions`, 'major', 4, 'int64'],
  [`${L}DeviceSpec.DeviceRestrictions`, 'minor', 5, 'int64'],
  [`${L}EventSpec`, 'oom', 1, 'Oom'],
  [`${L}EventSpec`, 'memory_threshold', 2, 'MemoryThreshold'],
  [`${L}EventSpec`, 'container_empty', 3, 'ContainerEmpty'],
  [`${L}EventSpec.MemoryThreshold`, 'usage', 1, 'int64'],
  [`${L}RunSpec`, 'fd_policy', 1, 'FdPolicy'],
  [`${L}ContainerStats`, 'cpu', 1, 'CpuStats'],
  [`${L}ContainerStats`, 'memory', 2, 'MemoryStats'],
  [`${L}ContainerStats`, 'network', 4, 'NetworkStats'],
  [`${L}ContainerStats`, 'monitoring', 5, 'MonitoringStats'],
  [`${L}ContainerStats`, 'filesystem', 6, 'FilesystemStats'],
  [`${L}ContainerStats`, 'blockio', 7, 'BlockIoStats'],
  [`${L}CpuStats`, 'usage', 1, 'Usage'],
  [`${L}CpuStats`, 'load', 2, 'int32'],
  [`${L}CpuStats`, 'throttling_data', 3, 'ThrottlingData'],
  [`${L}CpuStats`, 'histograms', 4, 'HistogramMap', true],
  [`${L}CpuStats.Usage`, 'total', 1, 'uint64'],
  [`${L}CpuStats.Usage`, 'per_cpu', 2, 'int64', true],
  [`${L}CpuStats.Usage`, 'user', 3, 'int64'],
  [`${L}CpuStats.Usage`, 'system', 4, 'int64'],
  [`${L}ThrottlingData`, 'periods', 1, 'int64'],
  [`${L}ThrottlingData`, 'throttled_periods', 2, 'int64'],
  [`${L}ThrottlingData`, 'throttled_time', 3, 'int64'],
  [`${L}HistogramMap`, 'type', 1, 'CpuHistogramType'],
  [`${L}HistogramMap`, 'stat', 2, 'Bucket', true],
  [`${L}HistogramMap.Bucket`, 'bucket', 1, 'int32'],
  [`${L}HistogramMap.Bucket`, 'value', 2, 'int64'],
  [`${L}MemoryStats`, 'limit', 1, 'int64'],
  [`${L}MemoryStats`, 'effective_limit', 2, 'int64'],
  [`${L}MemoryStats`, 'reservation', 3, 'int64'],
  [`${L}MemoryStats`, 'usage', 4, 'int64'],
  [`${L}MemoryStats`, 'max_usage', 5, 'int64'],
  [`${L}MemoryStats`, 'working_set', 6, 'int64'],
  [`${L}MemoryStats`, 'container_data', 7, 'MemoryData'],
  [`${L}MemoryStats`, 'hierarchical_data', 8, 'MemoryData'],
  [`${L}MemoryStats`, 'hierarchical_memory_limit', 9, 'int64'],
  [`${L}MemoryStats`, 'fail_count', 13, 'int64'],
  ...['cache', 'rss', 'rss_huge', 'mapped_file', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault', 'dirty', 'writeback',
    'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'].map(
    (name, i): [string, string, number, string] => [`${L}MemoryStats.MemoryData`, name, i + 1, 'int64'],
  ),
  ['containers.CgroupMount', 'mount_path', 1, 'string'],
  ['containers.CgroupMount', 'hierarchy', 2, 'CgroupHierarchy', true],
  ['containers.InitSpec', 'cpu', 1, 'CpuInitSpec'],
  ['containers.InitSpec', 'memory', 2, 'MemoryInitSpec'],
  ['containers.InitSpec', 'network', 4, 'NetworkInitSpec'],
  ['containers.InitSpec', 'monitoring', 5, 'MonitoringInitSpec'],
  ['containers.InitSpec', 'filesystem', 6, 'FilesystemInitSpec'],
  ['containers.InitSpec', 'cgroup_mount', 7, 'CgroupMount', true],
  ['containers.InitSpec', 'blockio', 8, 'BlockIoInitSpec'],
];

// Ours, on fresh numbers (100 and up inside messages the original defined).
const ADDITIONS: Array<[string, string, number, string, boolean?]> = [
  [`${L}ContainerSpec`, 'pids', 100, 'PidsSpec'],
  [`${L}NetworkSpec`, 'ingress_limit', 130, 'uint64'],
  [`${L}NetworkSpec`, 'egress_limit', 131, 'uint64'],
  [`${L}NetworkStats`, 'interface', 130, 'Interface', true],
  [`${L}NetworkStats.Interface`, 'name', 1, 'string'],
  [`${L}NetworkStats.Interface`, 'outside', 2, 'string'],
  [`${L}NetworkStats.Interface`, 'rx_bytes', 3, 'uint64'],
  [`${L}NetworkStats.Interface`, 'rx_packets', 4, 'uint64'],
  [`${L}NetworkStats.Interface`, 'rx_errors', 5, 'uint64'],
  [`${L}NetworkStats.Interface`, 'rx_dropped', 6, 'uint64'],
  [`${L}NetworkStats.Interface`, 'tx_bytes', 7, 'uint64'],
  [`${L}NetworkStats.Interface`, 'tx_packets', 8, 'uint64'],
  [`${L}NetworkStats.Interface`, 'tx_errors', 9, 'uint64'],
  [`${L}NetworkStats.Interface`, 'tx_dropped', 10, 'uint64'],
  [`${L}PidsSpec`, 'limit', 1, 'int64'],
  [`${L}ContainerStats`, 'pids', 100, 'PidsStats'],
  [`${L}ContainerStats`, 'pressure', 101, 'PressureStats'],
  [`${L}ContainerStats`, 'freezer', 102, 'FreezerStats'],
  [`${L}ContainerStats`, 'tier', 110, 'SchedulingLatency'],
  [`${L}MemoryStats`, 'oom_kill_count', 100, 'int64'],
  [`${L}MemoryStats`, 'swap_limit', 101, 'int64'],
  [`${L}BlockIoStats`, 'devices', 100, 'IoDeviceStats', true],
  [`${L}FilesystemSpec`, 'image', 140, 'string'],
  [`${L}IoDeviceStats`, 'device', 1, 'Device'],
  [`${L}IoDeviceStats`, 'read_bytes', 2, 'uint64'],
  [`${L}IoDeviceStats`, 'write_bytes', 3, 'uint64'],
  [`${L}IoDeviceStats`, 'read_ios', 4, 'uint64'],
  [`${L}IoDeviceStats`, 'write_ios', 5, 'uint64'],
  [`${L}PidsStats`, 'current', 1, 'int64'],
  [`${L}PidsStats`, 'limit', 2, 'int64'],
  [`${L}PressureStats`, 'cpu', 1, 'Pressure'],
  [`${L}PressureStats`, 'memory', 2, 'Pressure'],
  [`${L}PressureStats`, 'io', 3, 'Pressure'],
  [`${L}Pressure`, 'some', 1, 'PressureLine'],
  [`${L}Pressure`, 'full', 2, 'PressureLine'],
  [`${L}PressureLine`, 'avg10', 1, 'double'],
  [`${L}PressureLine`, 'avg60', 2, 'double'],
  [`${L}PressureLine`, 'avg300', 3, 'double'],
  [`${L}PressureLine`, 'total', 4, 'uint64'],
  [`${L}FreezerStats`, 'state', 1, 'State'],
  [`${L}FreezerStats`, 'self_freezing', 2, 'bool'],
  [`${L}PolicySpec`, 'capacity', 1, 'PolicyAmounts'],
  [`${L}PolicySpec`, 'reserve', 2, 'PolicyAmounts'],
  [`${L}PolicySpec`, 'overcommit', 3, 'TierOvercommit', true],
  [`${L}PolicyAmounts`, 'cpu', 1, 'uint64'],
  [`${L}PolicyAmounts`, 'memory', 2, 'uint64'],
  [`${L}TierOvercommit`, 'tier', 1, 'SchedulingLatency'],
  [`${L}TierOvercommit`, 'percent', 2, 'uint32'],
  ['containers.InitSpec', 'policy', 110, 'PolicySpec'],
  [`${L}PolicySpec`, 'exclusive_cpus', 110, 'bool'],
  [`${L}PolicySpec`, 'pressure', 120, 'PressurePolicy'],
  [`${L}PressurePolicy`, 'evict_headroom', 1, 'uint64'],
  [`${L}PressurePolicy`, 'reclaim_headroom', 2, 'uint64'],
  [`${L}PressurePolicy`, 'stall_us', 3, 'uint32'],
  [`${L}PressurePolicy`, 'window_us', 4, 'uint32'],
  [`${L}PressurePolicy`, 'action', 5, 'EvictionAction'],
  [`${L}PressurePolicy`, 'cooldown_ms', 6, 'uint32'],
  [`${L}PressurePolicy`, 'cpu_stall_us', 121, 'uint32'],
  [`${L}PressurePolicy`, 'cpu_release_ms', 122, 'uint32'],
];

const ENUMS: Array<[string, Record<string, number>]> = [
  [`${L}SchedulingLatency`, { BEST_EFFORT: 1, NORMAL: 2, PRIORITY: 3, PREMIER: 4 }],
  [`${L}BlockIoSpec.OpType`, { READ: 1, WRITE: 2 }],
  [`${L}BlockIoSpec.LimitType`, { BYTES_PER_SECOND: 1, IO_PER_SECOND: 2 }],
  [`${L}DeviceSpec.DevicePermission`, { ALLOW: 1, DENY: 2 }],
  [`${L}DeviceSpec.DeviceType`, { DEVICE_CHAR: 0, DEVICE_BLOCK: 1, DEVICE_ALL: 2 }],
  [`${L}DeviceSpec.DeviceAccess`, { READ: 1, WRITE: 2, MKNOD: 3 }],
  [`${L}RunSpec.FdPolicy`, { UNKNOWN: 0, INHERIT: 1, DETACHED: 2 }],
  [`${L}CpuHistogramType`, { SERVE: 1, ONCPU: 2, SLEEP: 3, QUEUE_SELF: 4, QUEUE_OTHER: 5 }],
  [`${L}FreezerStats.State`, { THAWED: 1, FREEZING: 2, FROZEN: 3 }],
  ['containers.CgroupHierarchy', {
    CGROUP_UNKNOWN: 0, CGROUP_CPU: 1, CGROUP_CPUACCT: 2, CGROUP_CPUSET: 3, CGROUP_FREEZER: 4, CGROUP_JOB: 6, CGROUP_MEMORY: 7,
    CGROUP_NET: 8, CGROUP_PERF_EVENT: 9, CGROUP_RLIMIT: 10, CGROUP_DEVICE: 11, CGROUP_BLOCKIO: 12, CGROUP_PIDS: 100, CGROUP_UNIFIED: 101,
  }],
];

describe('schema', () => {
  it.each([...CONTRACT, ...ADDITIONS])('%s.%s = %i (%s)', (message, name, number, type, repeated) => {
    const f = field(message, name);
    expect([f.id, typeName(f), f.repeated]).toEqual([number, type, repeated === true]);
  });

  it.each(ENUMS)('enum %s', (name, values) => {
    expect(Object.fromEntries(schema().enums.get(name)!.values)).toEqual(values);
  });

  it('has exactly the contract fields and our additions in the messages the contract lists', () => {
    const listed = new Set([...CONTRACT, ...ADDITIONS].map(([m, f]) => `${m}.${f}`));
    const messages = new Set([...CONTRACT, ...ADDITIONS].map(([m]) => m));
    const actual = [...messages].flatMap((m) => lookupType(m).fields.map((f) => `${m}.${f.name}`));
    expect(actual.filter((f) => !listed.has(f))).toEqual([]);
  });

  it('the codec handles every field type in the schema', () => {
    const fields = [...schema().messages.values()].flatMap((t) => t.fields);
    expect(fields.length).toBeGreaterThan(100);
    for (const f of fields) expect(() => fieldKind(f), f.fullName).not.toThrow();
  });

  it('every field reachable from a top-level message is set in the full fixtures (and so typed in types.ts)', () => {
    const seen = new Set<string>();
    const walk = (type: MessageType, value: Record<string, unknown>) => {
      for (const f of type.fields) {
        const v = value[f.name];
        if (v === undefined) continue;
        seen.add(f.fullName);
        if (f.resolvedType?.kind === 'message') {
          for (const item of f.repeated ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>]) walk(f.resolvedType, item);
        }
      }
    };
    const reachable = new Set<string>();
    const reach = (type: MessageType) => {
      for (const f of type.fields) {
        if (reachable.has(f.fullName)) continue;
        reachable.add(f.fullName);
        if (f.resolvedType?.kind === 'message') reach(f.resolvedType);
      }
    };
    const fixtures: Array<[MessageName, object]> = [
      ['ContainerSpec', fullContainerSpec],
      ['ContainerStats', fullContainerStats],
      ['EventSpec', fullEventSpec],
      ['RunSpec', fullRunSpec],
      ['InitSpec', fullInitSpec],
    ];
    for (const [name, obj] of fixtures) {
      walk(messageType(name), obj as Record<string, unknown>);
      reach(messageType(name));
    }
    expect([...reachable].filter((f) => !seen.has(f))).toEqual([]);
  });

  it.each(MESSAGE_NAMES)('message name %s resolves', (name) => {
    expect(messageType(name).name).toBe(name);
  });

  it('rejects a message name outside the list', () => {
    expect(() => messageType('Nope' as MessageName)).toThrow(/unknown message type "Nope"/);
  });
});

describe('findProtoDir', () => {
  it.each([
    ['the source tree', path.join(repo, 'src', 'spec')],
    ['the bundle directory', path.join(repo, 'dist')],
    ['the repository root', repo],
  ])('finds proto/ from %s', (_label, start) => {
    expect(findProtoDir(start)).toBe(path.join(repo, 'proto'));
  });

  it('fails with INTERNAL where there is none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-noproto-'));
    try {
      let thrown: unknown;
      try {
        findProtoDir(dir);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(LmctfyError);
      expect((thrown as LmctfyError).code).toBe(Code.INTERNAL);
      expect((thrown as LmctfyError).message).toContain(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
