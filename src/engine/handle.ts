import type { Machine } from './kernel/machine.js';
import type { V1Controller } from './kernel/layout.js';
import { resourcesFor } from './resources/index.js';
import type { CgroupHandle } from './resources/types.js';
import { parentName } from './names.js';

/**
 * The kernel view of one container for resource handlers: which dirs it has, where its
 * parent is, and the controllers of the machine's cgroup version (chosen here, once per
 * handle, by resourcesFor). A handle serves one operation, so whether a dir exists is
 * looked up once.
 */
export function handleFor(machine: Machine, name: string): CgroupHandle {
  const known = new Map<string, boolean>();
  const exists = (d: string) => {
    let e = known.get(d);
    if (e === undefined) known.set(d, (e = machine.io.exists(d)));
    return e;
  };
  return {
    io: machine.io,
    name,
    resources: resourcesFor(machine.version),
    dir(controller: V1Controller) {
      return machine.presentDir(name, controller, exists);
    },
    parentDir(controller: V1Controller) {
      for (let p = parentName(name); p !== undefined; p = parentName(p)) {
        const d = machine.presentDir(p, controller, exists);
        if (d !== undefined) return d;
      }
      return machine.dirOf('/', controller)!;
    },
  };
}

/**
 * A handle whose set of hierarchies is already known (a sampler learns it once per cgroup
 * lifetime, and keeps the handle as long), so reading stats neither stats every hierarchy
 * nor builds its dir names again on every pass.
 */
export function handleWith(machine: Machine, name: string, controllers: ReadonlySet<V1Controller>): CgroupHandle {
  const base = handleFor(machine, name);
  const dirs = new Map<V1Controller, string | undefined>();
  return {
    ...base,
    dir: (controller: V1Controller) => {
      if (dirs.has(controller)) return dirs.get(controller);
      const d = controllers.has(controller) ? machine.dirOf(name, controller) : undefined;
      dirs.set(controller, d);
      return d;
    },
  };
}

/** The hierarchies a container has a directory in now (v2: all of them). */
export function presentControllers(machine: Machine, name: string): Set<V1Controller> {
  const h = handleFor(machine, name);
  return new Set(machine.controllers().filter((c) => h.dir(c) !== undefined));
}
