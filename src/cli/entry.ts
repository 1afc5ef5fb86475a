import { main } from './main.js';

// A reader that stops early (`lmctfy list pids -r / | head -1`) ends the output quietly, not
// with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit();
});

process.exitCode = await main(process.argv.slice(2));
