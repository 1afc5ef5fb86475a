import * as pty from 'node-pty';
import xterm from '@xterm/headless';
import { BIN } from './cli.js';

/** lmctfy running in a real pseudo-terminal, its screen kept by a headless xterm. */
export class PtySession {
  private readonly term: InstanceType<typeof xterm.Terminal>;
  private readonly proc: pty.IPty;
  exitCode: number | undefined;

  constructor(args: string[], env: NodeJS.ProcessEnv, cols = 160, rows = 40) {
    this.term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
    // CI=true, as CI sets it: Ink would draw no frame until exit, and the shipped console
    // must draw anyway (its is-in-ci stand-in, src/ui/render/ink-output-plugin.mjs).
    this.proc = pty.spawn(process.execPath, [BIN, ...args], {
      cols,
      rows,
      name: 'xterm-256color',
      env: { ...process.env, ...env, CI: 'true', TERM: 'xterm-256color' },
    });
    this.proc.onData((d) => this.term.write(d));
    this.proc.onExit(({ exitCode }) => {
      this.exitCode = exitCode;
    });
  }

  get pid(): number {
    return this.proc.pid;
  }

  screen(): string {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const s = this.screen();
      if (pattern.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}:\n${s}`);
    }
  }

  /** Types keys one write at a time, with a pause so each reaches the app on its own. */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.proc.write(k);
      await new Promise((r) => setTimeout(r, 80));
    }
  }

  async type(text: string): Promise<void> {
    this.proc.write(text);
    await new Promise((r) => setTimeout(r, 80));
  }

  async close(): Promise<void> {
    if (this.exitCode === undefined) {
      this.proc.kill('SIGTERM');
      const deadline = Date.now() + 3000;
      while (this.exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (this.exitCode === undefined) this.proc.kill('SIGKILL');
    }
    this.term.dispose();
  }
}

export const KEY = { enter: '\r', esc: '\x1b', down: '\x1b[B', up: '\x1b[A' };
