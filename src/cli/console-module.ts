// The interactive console as an ES module of its own (dist/console.js). The CLI is a
// CommonJS bundle (scripts/build.mjs), but Ink and yoga-layout need ES modules (top-level
// await), so `lmctfy top` reaches the console through src/cli/console-bridge.ts.
export { runInteractiveTop } from './top.js';
export { LmctfyError } from '../engine/errors.js';
