import { createContext, useContext } from 'react';
import type { FreezerState } from '../../messages/types.js';

/** What a piece of text means; the theme turns it into a colour (or nothing under NO_COLOR). */
export type Tone = 'ok' | 'warn' | 'error' | 'frozen';

const TONE_COLOR: Record<Tone, string> = { ok: 'green', warn: 'yellow', error: 'red', frozen: 'cyan' };

/** https://no-color.org: any non-empty NO_COLOR turns every escape sequence off. */
export function colorEnabled(env: Record<string, string | undefined>): boolean {
  const noColor = env['NO_COLOR'];
  return noColor === undefined || noColor === '';
}

/** Usage against a limit: above 95 % red, above 80 % yellow. */
export function usageTone(fraction: number | undefined): Tone | undefined {
  if (fraction === undefined || !Number.isFinite(fraction)) return undefined;
  if (fraction > 0.95) return 'error';
  if (fraction > 0.8) return 'warn';
  return undefined;
}

export function stateTone(state: FreezerState | undefined): Tone | undefined {
  return state === 'FROZEN' ? 'frozen' : undefined;
}

/** Whether components may emit colours and styles (bold, inverse); false under NO_COLOR. */
export const ColorContext = createContext(true);

export function useColor(): boolean {
  return useContext(ColorContext);
}

/** The Ink colour of a tone. */
export function toneColor(tone: Tone | undefined): string | undefined {
  return tone === undefined ? undefined : TONE_COLOR[tone];
}

/** Ink `Text` props for a tone and styles, or none at all when colour is off. */
export function paint(
  color: boolean,
  tone: Tone | undefined,
  styles: { bold?: boolean; inverse?: boolean; dimColor?: boolean } = {},
): { color?: string; bold?: boolean; inverse?: boolean; dimColor?: boolean } {
  if (!color) return {};
  return tone === undefined ? styles : { ...styles, color: TONE_COLOR[tone] };
}
