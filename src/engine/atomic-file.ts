import * as fs from 'node:fs';

/**
 * Puts `file` in place whole or not at all: `write` fills a temporary sibling, which is then
 * renamed over it (atomic within one file system), so a reader or a crash never sees half of
 * it. On any failure the sibling is removed and the error passes through.
 */
export function replaceAtomically(file: string, write: (tmp: string) => void): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    write(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** A file's whole content, in place atomically (replaceAtomically) with the given mode. */
export function writeFileAtomically(file: string, data: string | Buffer, mode: number): void {
  replaceAtomically(file, (tmp) => fs.writeFileSync(tmp, data, { mode }));
}
