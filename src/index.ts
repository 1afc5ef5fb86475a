/** lmctfy as a library: the engine API, the spec codec and the stats room. */
export { ContainerApi, type ApiOptions } from './engine/container-api.js';
export { Container, type ListOptions, type RunOptions } from './engine/container.js';
export { Code, LmctfyError } from './engine/errors.js';
export { resolveName } from './engine/names.js';
export type * from './spec/types.js';
