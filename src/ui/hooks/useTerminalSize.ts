import { useStdout } from 'ink';
import { useLayoutEffect } from 'react';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The terminal's size now; 80×24 when the stream does not say. */
export function measure(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/**
 * Calls `onResize` with the new size on every 'resize' of the terminal. The size goes
 * straight into the console's state (not into a state of its own first), so no frame is
 * laid out with one size and drawn with another.
 */
export function useTerminalResize(onResize: (size: TerminalSize) => void): NodeJS.WriteStream {
  const { stdout } = useStdout();
  useLayoutEffect(() => {
    const listener = () => onResize(measure(stdout));
    stdout.on('resize', listener);
    return () => {
      stdout.off('resize', listener);
    };
  }, [stdout, onResize]);
  return stdout;
}
