// Image import against Debian's skopeo + umoci (goal: ≤ 1.0×, issue 18). The image: a busybox
// rootfs plus Python's standard library (about 100 MB in some 10,000 files) as one gzip layer
// in an oci-archive. lmctfy: `lmctfy image import ARCHIVE` into an empty store (digests
// checked, the layer unpacked into the layer cache, ready as an overlay lower dir). The
// baseline: `skopeo copy oci-archive:ARCHIVE oci:DIR:x` then `umoci unpack --image DIR:x
// BUNDLE`, what a user of those tools runs to get a root file system out of the archive.
// Paired and interleaved: each round runs both once, in turn; the figure is the median of the
// rounds' ratios. Beside it, CPU time (user + system of waited-for children).
// Run: npm run build && node bench/image-import.mjs   (BENCH_RUNS=N rounds, default 3; as root)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCommand, median, record, table } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 3);
const root = `lmctfy-bench-${process.pid}`;
const bin = path.resolve('bin/lmctfy.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-bench-image-'));
const env = (store) => ({ ...process.env, LMCTFY_ROOT: root, LMCTFY_IMAGE_STORE: store });

function run(argv, e = process.env) {
  const r = spawnSync(argv[0], argv.slice(1), { env: e, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** CPU time (user + system, in ms) of this process's waited-for children, from /proc/self/stat (10 ms ticks). */
function childrenCpuMs() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** Wall and CPU time of fn (which runs commands), in ms. */
function timed(fn) {
  const c0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  fn();
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: childrenCpuMs() - c0 };
}

ensureCommand('skopeo', 'skopeo');
ensureCommand('umoci', 'umoci');
run([bin, 'init', ''], env(path.join(work, 'build-store')));
try {
  // The image: busybox plus a copy of Python's standard library, imported once to make the archive.
  const rootfs = path.join(work, 'rootfs');
  run([bin, 'rootfs', 'build', rootfs]);
  fs.mkdirSync(path.join(rootfs, 'usr', 'lib'), { recursive: true });
  for (const lib of ['/usr/lib/python3', '/usr/lib/python3.11']) if (fs.existsSync(lib)) run(['cp', '-a', lib, path.join(rootfs, 'usr', 'lib')]);
  const bytes = Number(run(['du', '-sb', rootfs]).split('\t')[0]);
  const files = Number(run(['sh', '-c', `find '${rootfs}' | wc -l`]).trim());
  const buildStore = path.join(work, 'build-store');
  run([bin, 'image', 'import', rootfs, '--name', 'bench:1'], env(buildStore));
  const layout = path.join(buildStore, 'roots', fs.readdirSync(path.join(buildStore, 'roots'))[0]);
  const archive = path.join(work, 'image.tar');
  run(['tar', '-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  run([bin, 'image', 'remove', 'bench:1'], env(buildStore));
  const archiveBytes = fs.statSync(archive).size;

  const ours = [];
  const peer = [];
  for (let k = 0; k < N; k++) {
    const store = path.join(work, `store-${k}`);
    ours.push(timed(() => run([bin, 'image', 'import', archive, '--name', 'bench:1'], env(store))));
    const copy = path.join(work, `oci-${k}`);
    const bundle = path.join(work, `bundle-${k}`);
    peer.push(
      timed(() => {
        run(['skopeo', '--insecure-policy', 'copy', `oci-archive:${archive}`, `oci:${copy}:bench`]);
        run(['umoci', 'unpack', '--image', `${copy}:bench`, bundle]);
      }),
    );
    run([bin, 'image', 'remove', 'bench:1'], env(store));
    for (const d of [store, copy, bundle]) fs.rmSync(d, { recursive: true, force: true });
  }
  const ratios = ours.map((o, i) => o.wall / peer[i].wall).sort((a, b) => a - b);
  const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);
  table([
    { what: 'skopeo copy + umoci unpack', median_ms: median(peer.map((p) => p.wall)).toFixed(0), cpu_ms: median(peer.map((p) => p.cpu)).toFixed(0), paired_ratio: '1', cpu_ratio: '1' },
    { what: 'lmctfy image import', median_ms: median(ours.map((o) => o.wall)).toFixed(0), cpu_ms: median(ours.map((o) => o.cpu)).toFixed(0), paired_ratio: median(ratios).toFixed(2), cpu_ratio: (sum(ours, 'cpu') / sum(peer, 'cpu')).toFixed(2) },
  ]);
  const baseline = { what: 'skopeo copy + umoci unpack', value: median(peer.map((p) => p.wall)) };
  record('images', `lmctfy image import, ${(bytes / 1e6).toFixed(0)} MB image`, median(ours.map((o) => o.wall)), 'ms', {
    baseline,
    goal: { on: 'ratio', max: 1.0, text: '≤ 1.0× skopeo copy + umoci unpack (#18)' },
    ratio: median(ratios),
  });
  console.log(
    `\nimage: ${(bytes / 1e6).toFixed(0)} MB in ${files} files, archive ${(archiveBytes / 1e6).toFixed(0)} MB; goal: paired ratio ≤ 1.0 (rounds=${N}, load ${os.loadavg()[0].toFixed(2)})`,
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  removeRootDirs(root);
}
