import * as fs from 'node:fs';
import { Code, LmctfyError } from '../engine/errors.js';
import type { MessageName } from '../messages/codec.js';

/**
 * The spec of a command: from `-c FILE` (text, JSON or binary) or the command line
 * argument (text or JSON). Both at once is ambiguous and refused.
 */
export async function readSpec<T>(type: MessageName, arg: string | undefined, configFile: string | undefined): Promise<T> {
  // The codec (its parsers and the schema) loads only for commands that take a spec.
  const { MAX_SPEC_BYTES, parseSpecInput } = await import('../messages/codec.js');
  if (arg !== undefined && configFile !== undefined) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `give the ${type} either on the command line or with -c, not both`);
  }
  if (configFile !== undefined) {
    let bytes: Buffer;
    try {
      // Refuse a huge file before reading it into memory.
      const size = fs.statSync(configFile).size;
      if (size > MAX_SPEC_BYTES) throw new LmctfyError(Code.INVALID_ARGUMENT, `spec file ${configFile} is ${size} bytes; the limit is ${MAX_SPEC_BYTES}`);
      bytes = fs.readFileSync(configFile);
    } catch (e) {
      if (e instanceof LmctfyError) throw e;
      throw new LmctfyError(Code.INVALID_ARGUMENT, `cannot read spec file ${configFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return parseSpecInput<T>(type, new Uint8Array(bytes), 'auto');
  }
  return parseSpecInput<T>(type, arg ?? '', 'auto');
}
