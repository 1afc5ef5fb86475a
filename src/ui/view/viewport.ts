/** Which slice of the rows the table shows, and where movement keys take the selection. */

/** The first visible row: moves only as far as needed to keep `selected` on screen. */
export function scrollTop(previousTop: number, selected: number, height: number, total: number): number {
  if (height <= 0 || total <= height) return 0;
  let top = Math.min(Math.max(previousTop, 0), total - height);
  if (selected < top) top = selected;
  else if (selected >= top + height) top = selected - height + 1;
  return Math.max(top, 0);
}

export type Movement = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end';

/** The row index after a movement key, clamped to the rows. */
export function move(index: number, movement: Movement, pageSize: number, total: number): number {
  if (total === 0) return -1;
  const page = Math.max(1, pageSize);
  const target = {
    up: index - 1,
    down: index + 1,
    pageUp: index - page,
    pageDown: index + page,
    home: 0,
    end: total - 1,
  }[movement];
  return Math.min(Math.max(target, 0), total - 1);
}
