import { Text } from 'ink';
import { memo, type ReactNode } from 'react';
import { paint, useColor } from '../view/theme.js';
import { sameParts, type Part } from '../view/row-parts.js';

export interface RowProps {
  parts: readonly Part[];
  selected: boolean;
}

/**
 * One container as one table line: one Ink Text (one Yoga node), its toned parts nested
 * Texts, which Ink flattens into it. The bar, the sparkline and the tree glyphs are in the
 * same string: the console's glyphs are measured without string-width's grapheme
 * segmentation (render/text-width.ts). Memoised on the strings, so a row that did not
 * change is neither rendered nor committed again.
 */
export const Row = memo(
  function Row({ parts, selected }: RowProps) {
    const color = useColor();
    if (!color || parts.length === 1) {
      return (
        <Text wrap="truncate" {...paint(color, parts.length === 1 ? parts[0].tone : undefined, { inverse: selected })}>
          {parts.map((p) => p.text).join('')}
        </Text>
      );
    }
    const children: ReactNode[] = parts.map((part, i) =>
      part.tone === undefined ? (
        part.text
      ) : (
        <Text key={i} {...paint(color, part.tone)}>
          {part.text}
        </Text>
      ),
    );
    return (
      <Text wrap="truncate" {...paint(color, undefined, { inverse: selected })}>
        {children}
      </Text>
    );
  },
  (a, b) => a.selected === b.selected && sameParts(a.parts, b.parts),
);
