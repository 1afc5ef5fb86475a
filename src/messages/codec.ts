/** The spec codec: lmctfy's messages in text format, JSON and binary protobuf. */
export { MAX_SPEC_BYTES, MESSAGE_NAMES, type MessageName } from './schema.js';
export { parseText, formatText } from './text.js';
export { parseJson, formatJson } from './json.js';
export { parseBinary, encodeBinary } from './binary.js';
export { parseSpecInput, detectFormat, type SpecFormat } from './input.js';
