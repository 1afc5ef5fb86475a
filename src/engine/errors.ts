/** Canonical status codes; the numeric value is lmctfy's process exit code (docs/INTERFACE.md). */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
}

/** The one error type that crosses module boundaries for expected failures. */
export class LmctfyError extends Error {
  override readonly name = 'LmctfyError';
  /** The kernel errno behind this error, when one is (EBUSY, ENOENT, ...): retries key on it. */
  readonly errno?: string;
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown; errno?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.errno) this.errno = options.errno;
  }

  /** `INVALID_ARGUMENT: message`, the single stderr line the CLI prints. */
  describe(): string {
    return `${Code[this.code]}: ${this.message}`;
  }
}

export function fail(code: Code, message: string, cause?: unknown): never {
  throw new LmctfyError(code, message, cause === undefined ? undefined : { cause });
}

export function isLmctfyError(e: unknown, code?: Code): e is LmctfyError {
  return e instanceof LmctfyError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into an LmctfyError (unexpected errors become INTERNAL). */
export function asLmctfyError(e: unknown): LmctfyError {
  if (e instanceof LmctfyError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new LmctfyError(Code.INTERNAL, message, { cause: e });
}

/** Runs a read; NOT_FOUND (the file, cgroup or task is gone) becomes undefined, other errors propagate. */
export function unlessNotFound<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (isLmctfyError(e, Code.NOT_FOUND)) return undefined;
    throw e;
  }
}
