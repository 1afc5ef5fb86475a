import { Code, LmctfyError } from '../errors.js';

const ERRNO_TO_CODE: Record<string, Code> = {
  ENOENT: Code.NOT_FOUND,
  ENOTDIR: Code.NOT_FOUND,
  ESRCH: Code.NOT_FOUND,
  EEXIST: Code.ALREADY_EXISTS,
  EACCES: Code.PERMISSION_DENIED,
  EPERM: Code.PERMISSION_DENIED,
  EROFS: Code.PERMISSION_DENIED,
  EINVAL: Code.INVALID_ARGUMENT,
  ERANGE: Code.OUT_OF_RANGE,
  EBUSY: Code.FAILED_PRECONDITION,
  ENOTEMPTY: Code.FAILED_PRECONDITION,
  ENOSPC: Code.RESOURCE_EXHAUSTED,
  ENOMEM: Code.RESOURCE_EXHAUSTED,
  EAGAIN: Code.UNAVAILABLE,
  EINTR: Code.UNAVAILABLE,
  ENOTSUP: Code.UNIMPLEMENTED,
  EOPNOTSUPP: Code.UNIMPLEMENTED,
  ENODEV: Code.UNIMPLEMENTED,
};

export function errnoOf(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

export function codeForErrno(errno: string | undefined): Code {
  return (errno === undefined ? undefined : ERRNO_TO_CODE[errno]) ?? Code.UNKNOWN;
}

/** Turns a Node fs/process error into an LmctfyError naming the operation and path. */
export function kernelError(op: string, path: string, e: unknown): LmctfyError {
  if (e instanceof LmctfyError) return e;
  const errno = errnoOf(e);
  return new LmctfyError(codeForErrno(errno), `${op} ${path}: ${errno ?? (e instanceof Error ? e.message : String(e))}`, {
    cause: e,
    errno,
  });
}
