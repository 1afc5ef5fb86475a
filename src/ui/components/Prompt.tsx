import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { useKeys } from '../hooks/useKeys.js';
import { deleteBack, insertText, moveCursor, visibleWindow, type Field } from '../view/text-input.js';
import { paint, useColor } from '../view/theme.js';

export interface PromptProps {
  label: string;
  initial?: string;
  /** Shown under the field in red; the prompt stays open so the text can be fixed. */
  error?: string;
  hint?: string;
  width: number;
  onSubmit: (value: string) => void;
  onCancel: () => void;
  onChange?: (value: string) => void;
}

/** A one-line text field: Enter submits, Esc cancels, ←/→/Home/End move, Backspace deletes. */
export function Prompt({ label, initial = '', error, hint, width, onSubmit, onCancel, onChange }: PromptProps) {
  const color = useColor();
  const [field, setField] = useState<Field>({ value: initial, cursor: initial.length });
  // Keys can come faster than renders: each edit starts from the previous key's result.
  const live = useRef(field);
  const edit = (change: (f: Field) => Field) => {
    const before = live.current;
    const next = change(before);
    live.current = next;
    setField(next);
    if (next.value !== before.value) onChange?.(next.value);
  };
  useKeys((input, key) => {
    if (key.escape) onCancel();
    else if (key.return) onSubmit(live.current.value);
    else if (key.leftArrow) edit((f) => moveCursor(f, f.cursor - 1));
    else if (key.rightArrow) edit((f) => moveCursor(f, f.cursor + 1));
    else if (key.home || (key.ctrl && input === 'a')) edit((f) => moveCursor(f, 0));
    else if (key.end || (key.ctrl && input === 'e')) edit((f) => moveCursor(f, f.value.length));
    else if (key.backspace || key.delete) edit(deleteBack);
    else if (key.ctrl && input === 'u') edit(() => ({ value: '', cursor: 0 }));
    else if (input !== '' && !key.ctrl && !key.meta && !key.tab) edit((f) => insertText(f, input));
  });
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
        {error ?? hint ?? 'Enter to confirm, Esc to cancel'}
      </Text>
    </Box>
  );
}
