/** The tmpfs superblocks a mountinfo text shows (by device, "0:57"), each with its mount points and whether every mount of it is read-only and empty-sized (a mask). */
export function tmpfsSuperblocks(mountinfo: string): Map<string, { mountPoints: string[]; masks: boolean }> {
  const out = new Map<string, { mountPoints: string[]; masks: boolean }>();
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields[sep + 1] !== 'tmpfs') continue;
    const mask = fields[5]!.split(',').includes('ro') && (fields[sep + 3] ?? '').split(',').includes('size=0k');
    const sb = out.get(fields[2]!) ?? { mountPoints: [], masks: true };
    sb.mountPoints.push(fields[4]!);
    sb.masks &&= mask;
    out.set(fields[2]!, sb);
  }
  return out;
}
