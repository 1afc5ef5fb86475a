import { build } from 'esbuild';
import * as path from 'node:path';
import Module from 'node:module';
import { writeFileSync } from 'node:fs';
const top = process.cwd();
const keep = process.argv[2]; // 'inspect' or 'lifecycle'
const groups = { lifecycle: 'registerLifecycle', processes: 'registerProcesses', inspect: 'registerInspect', notify: 'registerNotify', events: 'registerEvents', top: 'registerTop', serve: 'registerServe', help: 'registerHelp', rootfs: 'registerRootfs', policy: 'registerPolicy', record: 'registerRecord', daemon: 'registerDaemon', checkpoint: 'registerCheckpoint', image: 'registerImage' };
const stubs = {
  'vhost/index.ts': ['isVirtualHost', 'prepareVirtualHost', 'startVirtualHost', 'virtualHostInit', 'checkEnterVirtualHost', 'spawnInContainer', 'savedVirtualHostSpec', 'planLimitsUpdate', 'removeVirtualHost'],
  'checkpoint/origin.ts': ['writeOrigin', 'readOrigin', 'removeOrigin', 'describeOrigin'],
};
const plugin = { name: 'p', setup(b) {
  b.onResolve({ filter: /^\.\/commands\/[a-z]+\.js$/ }, (a) => { const g = a.path.match(/commands\/([a-z]+)\.js/)[1]; if (a.importer.endsWith('program.ts') && g !== keep && g !== 'help' && g !== 'options') return { path: g, namespace: 'stubcmd' }; });
  b.onLoad({ filter: /.*/, namespace: 'stubcmd' }, (a) => ({ contents: `export function ${groups[a.path]}() {}`, loader: 'js' }));
  if (process.env.STUB_ENGINE) {
    b.onResolve({ filter: /(vhost\/index|checkpoint\/origin)\.js$/ }, (a) => { const k = a.path.match(/(vhost\/index|checkpoint\/origin)/)[1] + '.ts'; return { path: k, namespace: 'stubeng' }; });
    b.onLoad({ filter: /.*/, namespace: 'stubeng' }, (a) => ({ contents: stubs[a.path].map((n) => `export function ${n}() { return undefined; }`).join('\n'), loader: 'js' }));
  }
  b.onResolve({ filter: /^\.\.\/top\.js$/ }, (args) => args.importer.endsWith(path.join('src', 'cli', 'commands', 'top.ts')) ? { path: path.join(top, 'src/cli/console-bridge.ts') } : undefined);
  b.onResolve({ filter: /^(node:)?(child_process|crypto|zlib|stream|stream\/promises|os)$/ }, (a) => ({ path: a.path, external: true }));
} };
const r = await build({ absWorkingDir: top, entryPoints: { lmctfy: 'src/cli/entry.ts' }, bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false, outdir: '/tmp/metaout', metafile: true, minifyWhitespace: true, define: { 'process.env.NODE_ENV': '"production"', LMCTFY_VERSION: '"x"', 'import.meta.url': '__lmctfyImportMetaUrl' }, banner: { js: `const __lmctfyImportMetaUrl = require('node:url').pathToFileURL(__filename).href;` }, logLevel: 'error', external: ['react-devtools-core'], plugins: [plugin] });
const out = Object.values(r.metafile.outputs).find((o) => o.entryPoint);
console.log('total', out.bytes);
let dirs = {};
for (const [k, v] of Object.entries(out.inputs)) { const d = k.replace(/\/[^/]*$/, ''); dirs[d] = (dirs[d] ?? 0) + v.bytesInOutput; }
for (const [d, b] of Object.entries(dirs).sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(String(b).padStart(8), d);
const code = r.outputFiles.find((f) => f.path.endsWith('lmctfy.js')).text;
writeFileSync(process.argv[3], Module.wrap(code));
