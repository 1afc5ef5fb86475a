// Swaps eight of Ink's modules for ours: its Output (node_modules/ink/build/output.js,
// imported only by Ink's renderer) for src/ui/render/frame-output.ts, which also gets the
// colouring and squashing of Ink's Text to draw a table row without a frame (textLine); its measureText
// (measure-text.js, imported only by Ink's dom) for src/ui/render/measure-text.ts and its
// wrap-text (imported by dom.js and render-node-to-output.js) for src/ui/render/wrap-text.ts,
// whose caches are bounded; its log-update (imported only by ink.js) for
// src/ui/render/line-writer.ts, which writes only the lines that changed and hands streams it
// does not draw to Ink's own; its write-synchronized (imported only by ink.js) for a wrapper
// that leaves the synchronized-update marks of those streams to that writer (in the frame's
// own write); the widest-line that its render-node-to-output imports for
// src/ui/render/text-width.ts's, which counts the console's glyphs without string-width's
// grapheme segmentation (measureText uses the same); and is-in-ci (imported by ink.js and
// its write-synchronized) for `false`, so CI=true in the environment does not blank the
// console; and yoga-layout, Ink's WebAssembly layout engine (imported by many of Ink's
// files), for src/ui/render/flex-layout.ts. One plugin for esbuild (scripts/build.mjs,
// bench/ui-render.mjs) and one for Vite
// (vitest.config.ts), so tests run what ships. The stand-ins get Ink's own string-width, slice-ansi, ansi-tokenize, wrap-ansi
// and cli-truncate: the modules below are resolved from Ink's directory, whatever versions
// npm placed where. This is why Ink is pinned: what an upgrade must keep passing is in
// docs/DEPENDENCIES.md.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const FRAME_OUTPUT = fileURLToPath(new URL('./frame-output.ts', import.meta.url));
const MEASURE_TEXT = fileURLToPath(new URL('./measure-text.ts', import.meta.url));
const LINE_WRITER = fileURLToPath(new URL('./line-writer.ts', import.meta.url));
const TEXT_WIDTH = fileURLToPath(new URL('./text-width.ts', import.meta.url));
const WRAP_TEXT = fileURLToPath(new URL('./wrap-text.ts', import.meta.url));
const FLEX_LAYOUT = fileURLToPath(new URL('./flex-layout.ts', import.meta.url));
const NAMESPACE = 'lmctfy-ink-output';
const QUERY = '?lmctfy-ink-stand-in';

/** Ink module (as imported) → [the Ink file(s) importing it, the stand-in's source]; each stand-in is named for the module's last path part. */
const STAND_INS = {
  './output.js': [
    'renderer.js',
    `
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import { ansiCodesToString, diffAnsiCodes, styledCharsFromTokens, tokenize } from '@alcalzone/ansi-tokenize';
import chalk from 'chalk';
import colorize from './colorize.js';
import sanitizeAnsi from './sanitize-ansi.js';
import { createOutput } from ${JSON.stringify(FRAME_OUTPUT)};
export default createOutput({
  sliceAnsi, stringWidth, tokenize, styledCharsFromTokens, diffAnsiCodes, ansiCodesToString,
  colorize, inverse: (text) => chalk.inverse(text), sanitizeAnsi,
});
`,
  ],
  './measure-text.js': [
    'dom.js',
    `
import stringWidth from 'string-width';
import { createMeasureText } from ${JSON.stringify(MEASURE_TEXT)};
import { createTextWidth } from ${JSON.stringify(TEXT_WIDTH)};
export default createMeasureText(createTextWidth(stringWidth).widestLine);
`,
  ],
  'widest-line': [
    'render-node-to-output.js',
    `
import stringWidth from 'string-width';
import { createTextWidth } from ${JSON.stringify(TEXT_WIDTH)};
export default createTextWidth(stringWidth).widestLine;
`,
  ],
  // Imported from the stand-in, './log-update.js' is Ink's own again (its importer is not ink.js).
  './log-update.js': [
    'ink.js',
    `
import cliCursor from 'cli-cursor';
import inkLogUpdate from './log-update.js';
import { shouldSynchronize } from './write-synchronized.js';
import { createLogUpdate } from ${JSON.stringify(LINE_WRITER)};
export default createLogUpdate(cliCursor, inkLogUpdate, shouldSynchronize);
`,
  ],
  // Both importers get the one stand-in module (the same path), so one cache.
  './wrap-text.js': [
    ['dom.js', 'render-node-to-output.js'],
    `
import wrapAnsi from 'wrap-ansi';
import cliTruncate from 'cli-truncate';
import { createWrapText } from ${JSON.stringify(WRAP_TEXT)};
export default createWrapText(wrapAnsi, cliTruncate);
`,
  ],
  // Ink's synchronized-update marks, which ink.js writes apart from the frame: on a stream
  // the line writer draws, it sends them itself, in the frame's own write.
  './write-synchronized.js': [
    'ink.js',
    `
import { bsu, esu, shouldSynchronize as inkShouldSynchronize } from './write-synchronized.js';
import { isAnchored } from ${JSON.stringify(LINE_WRITER)};
export { bsu, esu };
export const shouldSynchronize = (stream) => !isAnchored(stream) && inkShouldSynchronize(stream);
`,
  ],
  // Yoga (WebAssembly) for the console's own layout in JavaScript, for every Ink file that
  // imports it: the WebAssembly module is then neither bundled nor instantiated.
  'yoga-layout': [
    ['ink.js', 'dom.js', 'styles.js', 'reconciler.js', 'get-max-width.js', 'render-node-to-output.js', 'render-to-string.js', 'build-layout.js', 'layout.js', 'apply-styles.js'],
    `export { default } from ${JSON.stringify(FLEX_LAYOUT)};\n`,
  ],
  // Ink draws only the last frame, at exit, when CI or CONTINUOUS_INTEGRATION is set: the
  // console runs Ink only on a terminal (otherwise top streams NDJSON), so it is never in CI.
  'is-in-ci': [['ink.js', 'write-synchronized.js'], 'export default false;\n'],
};

/** The imports esbuild asks standIn() about: those STAND_INS lists, exactly. */
const STAND_IN_SOURCES = new RegExp(`^(${Object.keys(STAND_INS).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);

/** The stand-in for `source` when `importer` is the Ink file that imports it. */
function standIn(source, importer) {
  const entry = STAND_INS[source];
  if (!entry || !importer) return undefined;
  const files = [entry[0]].flat();
  const inInk = files.includes(path.basename(importer)) && /[\\/]ink[\\/]build$/.test(path.dirname(importer));
  return inInk ? path.join(path.dirname(importer), standInName(source)) : undefined;
}
const standInName = (source) => (source.endsWith('.js') ? path.basename(source) : `${source}.js`);
const contentsOf = (file) => Object.entries(STAND_INS).find(([source]) => standInName(source) === path.basename(file))[1][1];

/** esbuild plugin. */
export function inkOutputEsbuild() {
  return {
    name: NAMESPACE,
    setup(build) {
      build.onResolve({ filter: STAND_IN_SOURCES }, (args) => {
        const file = standIn(args.path, args.importer);
        return file ? { path: file, namespace: NAMESPACE } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: contentsOf(args.path), resolveDir: path.dirname(args.path), loader: 'js' }));
    },
  };
}

/** Vite plugin; Ink must be inlined (server.deps.inline) for Vite to see its imports. */
export function inkOutputVite() {
  return {
    name: NAMESPACE,
    enforce: 'pre',
    resolveId(source, importer) {
      const file = standIn(source, importer);
      return file ? file + QUERY : undefined;
    },
    load(id) {
      return id.endsWith(QUERY) ? contentsOf(id.slice(0, -QUERY.length)) : undefined;
    },
  };
}
