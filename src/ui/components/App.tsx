import { useMemo } from 'react';
import { Console, type ConsoleProps } from './Console.js';
import { ColorContext, colorEnabled } from '../view/theme.js';

export type AppProps = ConsoleProps;

/** `lmctfy top`: the console with its colour policy (NO_COLOR). */
export function App(props: AppProps) {
  const color = useMemo(() => colorEnabled(process.env), []);
  return (
    <ColorContext.Provider value={color}>
      <Console {...props} />
    </ColorContext.Provider>
  );
}
