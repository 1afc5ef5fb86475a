import { Code, LmctfyError } from '../errors.js';
import { NotifyHelper, findHelper } from './helper.js';
import type { HelperReply } from './protocol.js';

/**
 * PSI triggers (docs/DAEMON.md): "some STALL WINDOW" written to a memory.pressure file (a
 * container's, or /proc/pressure/memory), woken by the kernel when tasks stalled on memory
 * that long within the window, at most once per window. Node cannot wait for POLLPRI, so the
 * lmctfy-psi helper (native/psi-helper.c) holds the triggers: nothing runs while nothing stalls.
 */
export type PsiEvent = { kind: 'stall' } | { kind: 'gone' } | { kind: 'failed'; error: LmctfyError };

export class PsiWatch {
  private readonly helper: NotifyHelper;
  private readonly callbacks = new Map<number, (e: PsiEvent) => void>();
  private readonly waiters = new Map<number, { resolve(): void; reject(e: LmctfyError): void }>();
  private nextId = 1;

  constructor(helperPath = findHelper(undefined, 'lmctfy-psi'), onDied: (why: string) => void = () => {}) {
    if (helperPath === undefined) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, 'the PSI helper build/lmctfy-psi was not found; build it with `npm run build` (needs a C compiler)');
    }
    this.helper = new NotifyHelper(helperPath, { reply: (r) => this.onReply(r), died: onDied });
    this.helper.keepAlive(false);
  }

  get pid(): number | undefined {
    return this.helper.pid;
  }

  /** Places a trigger on `file`; resolves with its id once the kernel holds it. */
  add(file: string, stallUs: number, windowUs: number, callback: (e: PsiEvent) => void): Promise<number> {
    if (file.includes('\n')) throw new LmctfyError(Code.INVALID_ARGUMENT, `cannot watch ${JSON.stringify(file)}: contains a newline`);
    const id = this.nextId++;
    this.callbacks.set(id, callback);
    this.helper.send(`add ${id} ${stallUs} ${windowUs} ${file}\n`);
    const placed = new Promise<number>((resolve, reject) => this.waiters.set(id, { resolve: () => resolve(id), reject }));
    this.holdWhileWaiting();
    return placed;
  }

  remove(id: number): void {
    if (this.callbacks.delete(id)) this.helper.send(`del ${id}\n`);
  }

  close(): void {
    this.callbacks.clear();
    this.helper.close();
  }

  /** A reply awaited keeps the process alive, as a pending socket read would; triggers alone do not. */
  private holdWhileWaiting(): void {
    this.helper.keepAlive(this.waiters.size > 0);
  }

  private onReply(r: HelperReply): void {
    if (r.id === undefined) return;
    const waiter = this.waiters.get(r.id);
    this.waiters.delete(r.id);
    this.holdWhileWaiting();
    if (r.kind === 'ok') {
      waiter?.resolve();
      return;
    }
    const cb = this.callbacks.get(r.id);
    if (r.kind === 'event') {
      cb?.({ kind: 'stall' });
      return;
    }
    this.callbacks.delete(r.id);
    const error = r.kind === 'error' ? new LmctfyError(Code.FAILED_PRECONDITION, r.message) : new LmctfyError(Code.NOT_FOUND, 'the cgroup was removed');
    if (waiter) waiter.reject(error);
    else cb?.(r.kind === 'gone' ? { kind: 'gone' } : { kind: 'failed', error });
  }
}
