import { Code, LmctfyError } from '../errors.js';
import type { Machine } from '../kernel/machine.js';
import { resolveName } from '../names.js';
import type { EventSpec } from '../../messages/types.js';
import { wantedEvent, type NotificationType, type WantedEvent } from './event-kind.js';
import { NotifyHelper, findHelper } from './helper.js';
import { addCommand, delCommand, type HelperReply } from './protocol.js';
import { counterRose, fellToZero, watchCgroupFile } from './v2-watch.js';

export type { NotificationType } from './event-kind.js';

export interface NotificationEvent {
  type: NotificationType;
  container: string;
  /** Set on the last callback of a registration: why it ended (NOT_FOUND: container destroyed). */
  status?: LmctfyError;
}

export type NotificationCallback = (event: NotificationEvent) => void;

export interface HubOptions {
  /** The lmctfy-notify binary (default: build/lmctfy-notify of this package). */
  helperPath?: string;
}

interface Registration {
  readonly type: NotificationType;
  readonly container: string;
  readonly callback: NotificationCallback;
  /** The kernel registration is in place. */
  armed: boolean;
  waiters: Array<{ resolve(): void; reject(e: LmctfyError): void }>;
  /** Whether the helper holds it (cgroup v1). */
  readonly viaHelper: boolean;
  /** Releases what watches it (v2 watchers; v1 tells the helper). */
  stop(): void;
}

/**
 * Container event notifications for one Machine, event-driven (nothing polls):
 * cgroup v1 memory events through eventfds held by one lmctfy-notify helper process;
 * cgroup v2 through inotify on memory.events / cgroup.events.
 */
export class NotificationHub {
  private readonly regs = new Map<number, Registration>();
  private nextId = 1;
  private helper?: NotifyHelper;
  private closedFlag = false;

  /** v1 eventfds through the helper or v2 inotify, chosen once with the machine's version. */
  private readonly start: (id: number, container: string, wanted: WantedEvent, callback: NotificationCallback) => Registration;

  constructor(
    readonly machine: Machine,
    private readonly opts: HubOptions = {},
  ) {
    this.start = machine.version === 2 ? this.startV2 : this.startV1;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Live registrations. */
  get size(): number {
    return this.regs.size;
  }

  /**
   * Starts delivering the event `spec` names for a container. Returns an id for
   * unregister(). A callback carrying `status` is the last one for that id.
   */
  register(containerName: string, spec: EventSpec, callback: NotificationCallback): number {
    return this.add(containerName, wantedEvent(spec), callback);
  }

  /**
   * OOM notifications of a container whose kernel OOM killer stays off while this
   * registration lives (cgroup v1 `oom_kill_disable`): tasks at its limit wait for the caller
   * to free memory. The helper turns the killer back on when the registration ends, however
   * its owner ends, except after close(true) (docs/DAEMON.md). cgroup v2 has no such switch.
   */
  holdOomKiller(containerName: string, callback: NotificationCallback): number {
    if (this.machine.version === 2) throw new LmctfyError(Code.UNIMPLEMENTED, 'cgroup v2 has no switch that holds the kernel OOM killer off (oom_kill_disable is cgroup v1 only)');
    return this.add(containerName, { type: 'oom', holdKiller: true }, callback);
  }

  private add(containerName: string, wanted: WantedEvent, callback: NotificationCallback): number {
    if (this.closedFlag) throw new LmctfyError(Code.FAILED_PRECONDITION, 'the notification hub is closed');
    const m = this.machine;
    const container = resolveName(containerName, m.ownContainer());
    if (!m.io.exists(m.trackingDir(container))) throw new LmctfyError(Code.NOT_FOUND, `container ${container} does not exist`);
    const id = this.nextId++;
    const reg = this.start(id, container, wanted, callback);
    this.regs.set(id, reg);
    this.keepAliveIfNeeded();
    return id;
  }

  /** Resolves once the kernel registration is in place: events from then on are not missed. */
  armed(id: number): Promise<void> {
    const reg = this.regs.get(id);
    if (!reg) return Promise.reject(unknownId(id));
    if (reg.armed) return Promise.resolve();
    return new Promise((resolve, reject) => reg.waiters.push({ resolve, reject }));
  }

  /** Stops a registration and releases its fds; no callback follows. */
  unregister(id: number): void {
    const reg = this.regs.get(id);
    if (!reg) throw unknownId(id);
    this.regs.delete(id);
    reg.stop();
    settle(reg, new LmctfyError(Code.CANCELLED, `notification ${id} was unregistered`));
    this.keepAliveIfNeeded();
  }

  /**
   * Drops every registration without callbacks and ends the helper. `now`: the helper is
   * killed rather than told, so nothing it held is put back after this returns: for an owner
   * that has put back what it held itself (holdOomKiller) before another may take it.
   */
  close(now = false): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const reg of this.regs.values()) {
      if (!reg.viaHelper) reg.stop();
      settle(reg, new LmctfyError(Code.CANCELLED, 'the notification hub was closed'));
    }
    this.regs.clear();
    this.helper?.close(now);
    this.helper = undefined;
  }

  private startV1(id: number, container: string, wanted: WantedEvent, callback: NotificationCallback): Registration {
    if (wanted.type === 'container_empty') {
      throw new LmctfyError(
        Code.UNIMPLEMENTED,
        'container_empty is not available on cgroup v1: the kernel offers no per-cgroup emptiness notification there (only the machine-wide release_agent); it needs cgroup v2 (cgroup.events)',
      );
    }
    const m = this.machine;
    const dir = m.dirOf(container, 'memory');
    if (dir === undefined) throw new LmctfyError(Code.FAILED_PRECONDITION, `${wanted.type} notifications need the cgroup v1 memory hierarchy, which is not mounted`);
    if (!m.io.exists(dir)) {
      throw new LmctfyError(
        Code.FAILED_PRECONDITION,
        `container ${container} has no memory cgroup of its own (created without a memory spec, it shares its parent's); ${wanted.type} notifications need one`,
      );
    }
    const command = addCommand(id, dir, wanted);
    const helper = this.startHelper();
    helper.send(command);
    return {
      type: wanted.type,
      container,
      callback,
      armed: false,
      waiters: [],
      viaHelper: true,
      stop: () => this.helper?.send(delCommand(id)),
    };
  }

  private startV2(id: number, container: string, wanted: WantedEvent, callback: NotificationCallback): Registration {
    const m = this.machine;
    const dir = m.trackingDir(container);
    if (wanted.type === 'memory_threshold') {
      throw new LmctfyError(
        Code.UNIMPLEMENTED,
        'memory_threshold is not available on cgroup v2: the kernel has no memory usage threshold notification there (v1 cgroup.event_control has no v2 equivalent)',
      );
    }
    const file = wanted.type === 'oom' ? 'memory.events' : 'cgroup.events';
    if (wanted.type === 'oom' && !m.io.exists(`${dir}/${file}`)) {
      throw new LmctfyError(
        Code.FAILED_PRECONDITION,
        `container ${container} has no memory controller enabled (no ${file} in ${dir}); oom notifications need a container created with a memory spec`,
      );
    }
    const watch = watchCgroupFile(m.io, dir, file, {
      // oom: one event per observed rise of oom_kill (bursts coalesce, like v1's eventfd read).
      edge: (initial) => (wanted.type === 'oom' ? counterRose('oom_kill', initial) : fellToZero('populated', initial)),
      fire: () => this.fire(id),
      gone: () => this.finish(id, destroyed(container)),
      failed: (e) => this.finish(id, e),
    });
    return { type: wanted.type, container, callback, armed: true, waiters: [], viaHelper: false, stop: () => watch.close() };
  }

  private startHelper(): NotifyHelper {
    if (this.helper) return this.helper;
    const file = this.opts.helperPath ?? findHelper();
    if (file === undefined) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, 'the cgroup v1 notification helper build/lmctfy-notify was not found; build it with `npm run build` (needs a C compiler)');
    }
    const helper = new NotifyHelper(file, {
      reply: (r) => this.onReply(r),
      died: (why) => this.onHelperDied(helper, why),
    });
    this.helper = helper;
    return helper;
  }

  private onReply(r: HelperReply): void {
    if (r.id === undefined) {
      // Only a malformed command gets an id-less error: a bug on our side, not the user's.
      process.emitWarning(`lmctfy-notify rejected a command: ${r.kind === 'error' ? r.message : r.kind}`);
      return;
    }
    const reg = this.regs.get(r.id);
    if (!reg) return; // unregistered while the reply was in flight
    switch (r.kind) {
      case 'ok':
        reg.armed = true;
        for (const w of reg.waiters.splice(0)) w.resolve();
        return;
      case 'event':
        this.fire(r.id);
        return;
      case 'gone':
        this.finish(r.id, destroyed(reg.container), false);
        return;
      case 'error': {
        const dir = this.machine.dirOf(reg.container, 'memory');
        const gone = dir === undefined || !this.machine.io.exists(dir);
        this.finish(r.id, gone ? destroyed(reg.container) : new LmctfyError(Code.INTERNAL, `${reg.type} notification for ${reg.container}: ${r.message}`), false);
        return;
      }
    }
  }

  private onHelperDied(helper: NotifyHelper, why: string): void {
    if (this.helper !== helper) return;
    this.helper = undefined;
    const status = new LmctfyError(Code.UNAVAILABLE, `the notification helper ended: ${why}`);
    for (const [id, reg] of [...this.regs]) if (reg.viaHelper) this.finish(id, status, false);
  }

  private fire(id: number): void {
    const reg = this.regs.get(id);
    if (reg) deliver(reg.callback, { type: reg.type, container: reg.container });
  }

  /** Ends a registration with a status: one last callback. */
  private finish(id: number, status: LmctfyError, stop = true): void {
    const reg = this.regs.get(id);
    if (!reg) return;
    this.regs.delete(id);
    if (stop) reg.stop();
    settle(reg, status);
    this.keepAliveIfNeeded();
    deliver(reg.callback, { type: reg.type, container: reg.container, status });
  }

  private keepAliveIfNeeded(): void {
    this.helper?.keepAlive([...this.regs.values()].some((r) => r.viaHelper));
  }
}

const hubs = new WeakMap<Machine, NotificationHub>();

/** A hub of its own for an opened engine (a ContainerApi), for a caller that closes it when done. */
export function openNotificationHub(api: { readonly machine: Machine }): NotificationHub {
  return new NotificationHub(api.machine);
}

/** The Machine's hub, created on first use (and again after close()). */
export function notificationHub(machine: Machine): NotificationHub {
  let hub = hubs.get(machine);
  if (!hub || hub.closed) {
    hub = new NotificationHub(machine);
    hubs.set(machine, hub);
  }
  return hub;
}

function unknownId(id: number): LmctfyError {
  return new LmctfyError(Code.INVALID_ARGUMENT, `no notification registered with id ${id}`);
}

function destroyed(container: string): LmctfyError {
  return new LmctfyError(Code.NOT_FOUND, `container ${container} was destroyed`);
}

function settle(reg: Registration, status: LmctfyError): void {
  for (const w of reg.waiters.splice(0)) w.reject(status);
}

/** A throwing callback must not break the hub's bookkeeping: rethrow it on its own tick. */
function deliver(callback: NotificationCallback, event: NotificationEvent): void {
  try {
    callback(event);
  } catch (e) {
    process.nextTick(() => {
      throw e;
    });
  }
}
