import { Box, Text } from 'ink';
import { elideMiddle } from '../view/format.js';
import { visibleWindow, type Field } from '../view/text-input.js';
import { paint, useColor } from '../view/theme.js';

export interface PromptProps {
  label: string;
  /** The text and cursor (edited by the console's reducer: view/text-input.ts editField). */
  field: Field;
  /** Shown under the field in red; the prompt stays open so the text can be fixed. */
  error?: string;
  hint?: string;
  width: number;
}

/** A one-line text field: Enter submits, Esc cancels, ←/→/Home/End move, Backspace deletes. */
export function Prompt({ label, field, error, hint, width }: PromptProps) {
  const color = useColor();
  const prefix = `${label} `;
  const shown = visibleWindow(field, width - prefix.length - 1);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text {...paint(color, undefined, { bold: true })}>{prefix}</Text>
        {shown.before}
        {/* Under NO_COLOR there is no inverse video, so the cursor is drawn as a bar. */}
        {color ? <Text inverse>{shown.at}</Text> : `▏${shown.at === ' ' ? '' : shown.at}`}
        {shown.after}
      </Text>
      <Text wrap="truncate" {...paint(color, error === undefined ? undefined : 'error', { dimColor: error === undefined })}>
        {/* A spec problem says where at its start and what at its end: both must show. */}
        {error === undefined ? (hint ?? 'Enter to confirm, Esc to cancel') : elideMiddle(error, width)}
      </Text>
    </Box>
  );
}
