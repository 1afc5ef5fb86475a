import { checkCreation, createAudited, heldNotesOf } from '../../engine/creation.js';
import { openEngine } from '../context.js';
import { stderr, stdout } from '../output.js';
import { readSpec } from '../spec-input.js';
import type { ContainerSpec } from '../../messages/types.js';
import type { LineShape } from '../plain-line.js';
import type { CommandFlags } from './options.js';

/** The flags of the commands taking a spec; these and the held-value notes serve `update` too. */
export interface SpecFlags extends CommandFlags {
  specFile?: string;
  dryRun?: boolean;
}

/** `create`'s line as create.ts registers it with commander, for its bundle's own parser (src/cli/plain-line.ts). */
export const CREATE_LINE: LineShape = { command: 'create', valued: { '-c': 'specFile' }, switches: { '--dry-run': 'dryRun' }, required: 1, optional: 1 };

/** Values the kernel holds rounded (ContainerApi.heldNotes), said once applied (the spec read back shows them so). */
export function tellHeld(notes: string[]): void {
  for (const note of notes) stderr.write(`lmctfy: ${note}\n`);
}

/**
 * What `lmctfy create` does once its line is parsed, without commander: the command's
 * registration (create.ts) and its bundle (src/cli/entries/create.ts) both call it.
 */
export async function createContainer(name: string, spec: string | undefined, f: SpecFlags): Promise<void> {
  const parsed = await readSpec<ContainerSpec>('ContainerSpec', spec, f.specFile);
  // The engine's creation without ContainerApi, which would bring every other operation into
  // this command's bundle (src/engine/creation.ts).
  const m = openEngine(f);
  if (f.dryRun) return void stdout.write(`${await checkCreation(m, name, parsed)}\n`);
  await createAudited(m, name, parsed, () => undefined);
  tellHeld(heldNotesOf(m, parsed));
}
