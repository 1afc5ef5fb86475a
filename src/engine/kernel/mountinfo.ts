import { Code, LmctfyError } from '../errors.js';

export interface MountEntry {
  /** The superblock's device, "MAJOR:MINOR": binds of one file system share it. */
  device: string;
  /** Path inside the mounted filesystem that is the mount's root (bind mounts, cgroup namespaces). */
  root: string;
  mountPoint: string;
  /** The mount's own options (ro, nosuid, ...) and its optional fields (shared:N, master:N, ...). */
  mountOptions: string[];
  optional: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** Undoes the octal escapes mountinfo uses for space, tab, newline and backslash. */
export function unescapeMountField(field: string): string {
  // Most fields hold no escape: a regular expression's replace is costly to run even once.
  if (!field.includes('\\')) return field;
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Parses /proc/<pid>/mountinfo (proc(5)); malformed lines are an error naming the line.
 * With `fsTypes`, only the mounts of those file system types are made into entries (every
 * line is still checked): a cgroup layout needs 11 of a machine's 21 lines.
 */
export function parseMountinfo(text: string, fsTypes?: ReadonlySet<string>): MountEntry[] {
  const out: MountEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (fields.length < 10 || sep < 0 || sep + 3 > fields.length) {
      throw new LmctfyError(Code.DATA_LOSS, `mountinfo line ${i + 1} is malformed: "${line}"`);
    }
    if (fsTypes && !fsTypes.has(fields[sep + 1]!)) continue;
    out.push({
      device: fields[2]!,
      root: unescapeMountField(fields[3]!),
      mountPoint: unescapeMountField(fields[4]!),
      mountOptions: fields[5]!.split(','),
      optional: fields.slice(6, sep),
      fsType: fields[sep + 1]!,
      source: unescapeMountField(fields[sep + 2]!),
      superOptions: (fields[sep + 3] ?? '').split(','),
    });
  }
  return out;
}

export interface ProcCgroupEntry {
  id: number;
  /** Controllers of a v1 hierarchy (`name=systemd` kept as is); empty for the v2 entry. */
  controllers: string[];
  path: string;
}

/** Parses /proc/<pid>/cgroup. The path is everything after the second colon: it may contain colons. */
export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const out: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (a < 0 || b < 0) throw new LmctfyError(Code.DATA_LOSS, `malformed /proc cgroup line: "${line}"`);
    const id = Number(line.slice(0, a));
    const list = line.slice(a + 1, b);
    out.push({ id, controllers: list === '' ? [] : list.split(','), path: line.slice(b + 1) });
  }
  return out;
}
