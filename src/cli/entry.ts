import { main } from './main.js';
import type { Registrars } from './program.js';
import { startWith, type ImportModule } from './start.js';
import type { PrimedHelper } from '../engine/checkpoint/prime.js';

/** The CLI of the commands `registrars` hold (a bundle's groups), parsed by commander (src/cli/main.ts). */
export function cliOf(registrars: Registrars): (importModule: ImportModule, primedCriu?: PrimedHelper, whole?: () => void) => void {
  return startWith((args) => main(args, registrars));
}
