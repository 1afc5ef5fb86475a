import type { Command } from 'commander';
import { Option } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { exportContainer, importImage, listImages, removeImage, storeDir, type ExportFormat } from '../../engine/image/index.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf } from '../output.js';
import { flagsOf, subcommand, type CommandFlags } from './options.js';

/** `image import|list|remove|export`: disk images for virtual hosts (docs/IMAGES.md). */
export function registerImage(program: Command): void {
  const image = program.command('image').description("disk images (OCI) for virtual hosts' filesystem:{image:'NAME'} (docs/IMAGES.md)");
  const scopeOf = (f: CommandFlags) => openApi(f).machine.trackingDir('/');

  subcommand(image, 'import', 'import an oci-archive or docker-archive FILE, an OCI image layout DIR or a root file system DIR into this root\'s image store (as root)')
    .argument('<source>', 'an archive FILE or a DIR')
    .option('--name <name>', 'name of the image in the store (default: its name in the source)')
    .option('--ref <ref>', 'which image of a source holding several (its ref.name, or REPO:TAG of a docker-archive)')
    .action(async (source: string, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { name?: string; ref?: string }>(cmd);
      const r = await importImage(scopeOf(f), source, { name: f.name, ref: f.ref });
      stdout.write(formatRows([{ name: r.name, digest: r.digest, layers: r.layers, unpacked: r.unpacked }], styleOf(f)));
    });

  subcommand(image, 'list', "this root's images: name, manifest digest, layers, bytes, created, virtual hosts running on it", { rows: true }).action((_o, cmd: Command) => {
    const f = flagsOf<CommandFlags>(cmd);
    const rows = listImages(scopeOf(f)).map((r) => ({ ...r, used_by: r.used_by.join(',') }));
    stdout.write(formatRows(rows, styleOf(f)));
  });

  subcommand(image, 'remove', 'remove an image (refused while a virtual host runs on it) and the layers no other image uses (as root)')
    .argument('<name>', 'image name')
    .action(async (name: string, _o, cmd: Command) => {
      await removeImage(scopeOf(flagsOf<CommandFlags>(cmd)), name);
    });

  subcommand(image, 'export', "write virtual host NAME's image plus its changes (one new layer) to FILE (as root)")
    .argument('<name>', 'a virtual host created with filesystem:{image:...}')
    .argument('<file>', 'the archive to write')
    .addOption(new Option('--format <format>', 'archive format').choices(['oci-archive', 'docker-archive']).default('oci-archive'))
    .option('--name <ref>', "the image's name in the archive (default: the container's base name, tag latest)")
    .action(async (name: string, file: string, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { format: ExportFormat; name?: string }>(cmd);
      const api = openApi(f);
      const abs = api.resolve(name);
      if (!api.exists(abs)) throw new LmctfyError(Code.NOT_FOUND, `container ${abs} does not exist`);
      const r = await exportContainer(api.machine.trackingDir('/'), abs, file, { format: f.format, ref: f.name });
      stdout.write(formatRows([{ file, format: f.format, name: r.ref, digest: r.digest, layers: r.layers }], styleOf(f)));
    });

  image.addHelpText('after', () => `\nThe store: ${safeStoreDir()} (env LMCTFY_IMAGE_STORE), one OCI layout per root below roots/.`);
}

function safeStoreDir(): string {
  try {
    return storeDir();
  } catch (e) {
    return (e as Error).message;
  }
}
