import { Text } from 'ink';
import { memo } from 'react';
import { useColor } from '../view/theme.js';
import { rowText, sameParts, type Part } from '../view/row-parts.js';

export interface RowProps {
  parts: readonly Part[];
  selected: boolean;
}

/**
 * One container as one table line: one Ink Text (one Yoga node), its toned parts nested
 * Texts, which Ink flattens into it (rowText, which the row fast path draws from too). The
 * bar, the sparkline and the tree glyphs are in the same string: the console's glyphs are
 * measured without string-width's grapheme segmentation (render/text-width.ts). Memoised
 * on the strings, so a row that did not change is neither rendered nor committed again.
 */
export const Row = memo(
  function Row({ parts, selected }: RowProps) {
    const text = rowText(parts, selected, useColor());
    return (
      <Text wrap="truncate" color={text.color} inverse={text.inverse}>
        {text.children.map((child, i) =>
          child.color === undefined ? (
            child.text
          ) : (
            <Text key={i} color={child.color}>
              {child.text}
            </Text>
          ),
        )}
      </Text>
    );
  },
  (a, b) => a.selected === b.selected && sameParts(a.parts, b.parts),
);
