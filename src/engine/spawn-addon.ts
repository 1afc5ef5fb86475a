import { nativeHelper } from './native-helpers.js';

/** The functions of lmctfy's add-on (native/spawn-addon.c says what each returns). */
export interface SpawnAddon {
  pipe(): [number, number] | number;
  spawn(file: string, argv: string[], envp: string[] | null, fds: number[]): number;
  reap(pid: number): number;
  /** Ends this process at once with `code`, 0 to 255 (_exit): nothing after it runs. */
  exit(code: number): never;
}

let addon: SpawnAddon | undefined;

/** The add-on, loaded on first use; FAILED_PRECONDITION when it was not built. */
export function spawnAddon(): SpawnAddon {
  if (addon === undefined) {
    const module = { exports: {} as SpawnAddon };
    process.dlopen(module, nativeHelper('lmctfy-spawn.node', 'spawn add-on'));
    addon = module.exports;
  }
  return addon;
}
