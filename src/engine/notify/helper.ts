import { spawn, type ChildProcessByStdio } from 'node:child_process';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Code, LmctfyError } from '../errors.js';
import { LineSplitter, parseReply, type HelperReply } from './protocol.js';

const HELPER_NAME = 'lmctfy-notify';

/**
 * Where `npm run build` puts the helper: build/lmctfy-notify at the package top, searched
 * upwards because this module runs from src/ (tests) and from dist/ (the bundle).
 */
export function findHelper(from: string = import.meta.dirname, name = HELPER_NAME): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'build', name);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export interface HelperHandlers {
  reply(r: HelperReply): void;
  /** The helper ended without being asked to (crash, killed); `why` says how. */
  died(why: string): void;
}

/**
 * One running lmctfy-notify (or lmctfy-psi, which speaks the same replies) process. It keeps Node alive only while `active` (some
 * registration is waiting), like a listening socket would.
 */
export class NotifyHelper {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private closing = false;
  private stderr = '';

  constructor(file: string, handlers: HelperHandlers) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `the notification helper ${file} is missing or not executable; build it with \`npm run build\` (needs a C compiler)`);
    }
    // Its own process group: a terminal's Ctrl-C reaches the parent, which ends it by closing stdin.
    this.child = spawn(file, [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const lines = new LineSplitter();
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        const r = parseReply(line);
        if (r) handlers.reply(r);
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-500);
    });
    // A write to a helper that just died fails with EPIPE; 'exit' reports the death.
    this.child.stdin.on('error', () => {});
    const died = (why: string) => {
      if (this.closing) return;
      this.closing = true;
      handlers.died(`${why}${this.stderr ? `: ${this.stderr.trim()}` : ''}`);
    };
    this.child.on('error', (e) => died(`could not run ${file}: ${e.message}`));
    this.child.on('exit', (code, signal) => died(`${path.basename(file)} exited (${signal ?? `code ${code}`})`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(command: string): void {
    this.child.stdin.write(command);
  }

  /** Whether the helper keeps the Node process alive. */
  keepAlive(on: boolean): void {
    const handles = [this.child, this.child.stdin as Socket, this.child.stdout as Socket, this.child.stderr as Socket];
    for (const h of handles) {
      if (on) h.ref();
      else h.unref();
    }
  }

  /**
   * EOF on stdin ends the helper, and its exit closes every eventfd it held; `now`: SIGKILL
   * ends it at once, and it puts back nothing its registrations held (its owner has).
   */
  close(now = false): void {
    if (this.closing) return;
    this.closing = true;
    if (now) this.child.kill('SIGKILL');
    else this.child.stdin.end();
    this.child.stdout.destroy();
    this.child.stderr.destroy();
    this.keepAlive(false);
  }
}
