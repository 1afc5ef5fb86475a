import { useMemo } from 'react';
import { Console, type ConsoleProps } from './Console.js';
import { KeyRouter } from './KeyRouter.js';
import { ColorContext, colorEnabled } from '../view/theme.js';

export type AppProps = ConsoleProps;

/** `lmctfy top`: the console with its colour policy (NO_COLOR) and key routing. */
export function App(props: AppProps) {
  const color = useMemo(() => colorEnabled(process.env), []);
  return (
    <ColorContext.Provider value={color}>
      <KeyRouter>
        <Console {...props} />
      </KeyRouter>
    </ColorContext.Provider>
  );
}
