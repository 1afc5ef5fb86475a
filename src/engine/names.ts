import { Code, LmctfyError } from './errors.js';
import { isDigitAt, isLetterAsciiAt } from '../messages/text-chars.js';

/**
 * Names a cgroup directory already uses for its control files: never valid container names.
 * Sets, not one regular expression of the alternatives, which V8 compiled at every create
 * (~0.4 M instructions, BENCHMARKS.md section 5).
 */
const CONTROL_FILES: ReadonlySet<string> = new Set(['tasks', 'notify_on_release', 'release_agent']);
/** `<controller>.<anything>` is a control file's name. */
const CONTROL_FILE_PREFIXES: ReadonlySet<string> = new Set(['cgroup', 'cpu', 'cpuacct', 'cpuset', 'memory', 'freezer', 'pids', 'blkio', 'devices', 'io', 'hugetlb', 'rdma', 'misc', 'net_cls', 'net_prio', 'perf_event']);

/**
 * A letter or digit at `i` of `s`. Tested by character code, as onlyNameChars tests a name: a regular
 * expression V8 runs twice is compiled twice (to bytecode, then to machine code), and names
 * are checked twice at every create.
 */
function isAlnumAt(s: string, i: number): boolean {
  return isLetterAsciiAt(s, i) || isDigitAt(s, i);
}

/** Only `[a-zA-Z0-9_\-./]` in `s`. */
function onlyNameChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnumAt(s, i) && c !== 95 && c !== 45 && c !== 46 && c !== 47) return false;
  }
  return true;
}

function isControlFile(component: string): boolean {
  if (CONTROL_FILES.has(component)) return true;
  const dot = component.indexOf('.');
  return dot > 0 && CONTROL_FILE_PREFIXES.has(component.slice(0, dot));
}
export const MAX_COMPONENT = 255;
export const MAX_NAME = 4096;

function invalid(name: string, why: string): never {
  throw new LmctfyError(Code.INVALID_ARGUMENT, `invalid container name "${printable(name)}": ${why}`);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, 200);
}

/** Cleans an absolute path: collapses `//`, `.`, `..` (`..` above `/` stays at `/`). */
export function cleanPath(abs: string): string {
  const out: string[] = [];
  for (const part of abs.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/**
 * Resolves a user-supplied container name to an absolute, cleaned lmctfy name.
 * Relative names resolve against `base`, the caller's own container (docs/INTERFACE.md).
 */
export function resolveName(name: string, base = '/'): string {
  if (name === '') invalid(name, 'empty');
  if (!onlyNameChars(name)) invalid(name, 'only letters, digits and _ - . / are allowed');
  if (name.length > MAX_NAME) invalid(name, `longer than ${MAX_NAME} characters`);
  const abs = cleanPath(name.startsWith('/') ? name : `${base}/${name}`);
  for (const c of components(abs)) {
    if (!isAlnumAt(c, 0)) invalid(name, `component "${c}" must start with a letter or digit`);
    if (c.length > MAX_COMPONENT) invalid(name, `component longer than ${MAX_COMPONENT} characters`);
    if (isControlFile(c)) invalid(name, `component "${c}" is the name of a cgroup control file`);
  }
  return abs;
}

export function components(abs: string): string[] {
  return abs === '/' ? [] : abs.slice(1).split('/');
}

export function parentName(abs: string): string | undefined {
  if (abs === '/') return undefined;
  const i = abs.lastIndexOf('/');
  return i === 0 ? '/' : abs.slice(0, i);
}

export function joinName(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

export function depthOf(abs: string): number {
  return components(abs).length;
}

/** True when `name` is `ancestor` or lies below it. */
export function isWithin(name: string, ancestor: string): boolean {
  return ancestor === '/' || name === ancestor || name.startsWith(ancestor + '/');
}
