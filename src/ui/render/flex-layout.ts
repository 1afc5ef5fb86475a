/**
 * The console's stand-in for yoga-layout under Ink (src/ui/render/ink-output-plugin.mjs):
 * the same node API and the same results, computed in JavaScript for the part of flexbox
 * Ink's Box and Text reach in this console — one line of items (no wrap), row or column,
 * sizes in cells, flex grow and shrink, margins, padding, borders, gaps, justify and align,
 * display none and measured text. Yoga is WebAssembly: instantiating it kept ~9 MB resident
 * in the console for the life of the process (V8's WebAssembly decoders and compilers paged
 * in from the node binary, their per-thread malloc arenas, the module's code and memory;
 * BENCHMARKS.md section 4b). What Yoga could do and this does not (wrap, reversed
 * directions, absolute positions, percentages, minimum and maximum sizes, flex basis)
 * throws an UnsupportedLayoutError naming it, rather than laying out differently. The
 * algorithm follows Yoga's (its steps and sizing modes, its measurement cache, its rounding
 * to whole cells); a test lays out random trees with both and compares every box
 * (test/tui/flex-layout.test.ts; docs/DEPENDENCIES.md).
 */

/** Yoga's enum values, as Ink passes them. */
export const ALIGN_AUTO = 0;
export const ALIGN_FLEX_START = 1;
export const ALIGN_CENTER = 2;
export const ALIGN_FLEX_END = 3;
export const ALIGN_STRETCH = 4;
export const DIRECTION_LTR = 1;
export const DISPLAY_FLEX = 0;
export const DISPLAY_NONE = 1;
export const EDGE_LEFT = 0;
export const EDGE_TOP = 1;
export const EDGE_RIGHT = 2;
export const EDGE_BOTTOM = 3;
export const EDGE_START = 4;
export const EDGE_END = 5;
export const EDGE_HORIZONTAL = 6;
export const EDGE_VERTICAL = 7;
export const EDGE_ALL = 8;
export const FLEX_DIRECTION_COLUMN = 0;
export const FLEX_DIRECTION_COLUMN_REVERSE = 1;
export const FLEX_DIRECTION_ROW = 2;
export const FLEX_DIRECTION_ROW_REVERSE = 3;
export const GUTTER_COLUMN = 0;
export const GUTTER_ROW = 1;
export const GUTTER_ALL = 2;
export const JUSTIFY_FLEX_START = 0;
export const JUSTIFY_CENTER = 1;
export const JUSTIFY_FLEX_END = 2;
export const JUSTIFY_SPACE_BETWEEN = 3;
export const JUSTIFY_SPACE_AROUND = 4;
export const JUSTIFY_SPACE_EVENLY = 5;
export const MEASURE_MODE_UNDEFINED = 0;
export const MEASURE_MODE_EXACTLY = 1;
export const MEASURE_MODE_AT_MOST = 2;
export const POSITION_TYPE_STATIC = 0;
export const POSITION_TYPE_RELATIVE = 1;
export const POSITION_TYPE_ABSOLUTE = 2;
export const WRAP_NO_WRAP = 0;
export const WRAP_WRAP = 1;
export const WRAP_WRAP_REVERSE = 2;

/** How a size is given to a layout: Yoga's sizing modes (stretch-fit = exactly, fit-content = at most, max-content = unbounded). */
const Sizing = { MaxContent: MEASURE_MODE_UNDEFINED, StretchFit: MEASURE_MODE_EXACTLY, FitContent: MEASURE_MODE_AT_MOST } as const;
type Sizing = (typeof Sizing)[keyof typeof Sizing];

export type MeasureFunction = (width: number, widthMode: number, height: number, heightMode: number) => { width: number; height: number };

/** Thrown for what this layout does not do; Ink's components in this console never ask for it. */
export class UnsupportedLayoutError extends Error {
  constructor(what: string) {
    super(`console layout: ${what} is not supported (src/ui/render/flex-layout.ts lays out what the console's components use)`);
    this.name = 'UnsupportedLayoutError';
  }
}

// Yoga keeps sizes in 32-bit floats.
const f32 = Math.fround;
const defined = (x: number) => !Number.isNaN(x);
const near = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) < 0.0001;
/** Yoga's maxOrDefined. */
const maxOf = (a: number, b: number) => (defined(a) && defined(b) ? Math.max(a, b) : defined(a) ? a : b);

const ROW = 0;
const COLUMN = 1;
type Axis = typeof ROW | typeof COLUMN;
const LEFT = 0;
const TOP = 1;
const RIGHT = 2;
const BOTTOM = 3;
const leading = (axis: Axis) => (axis === ROW ? LEFT : TOP);
const trailing = (axis: Axis) => (axis === ROW ? RIGHT : BOTTOM);

/** An edge set as Yoga keeps it: nine optional values (left, top, right, bottom, start, end, horizontal, vertical, all). */
type Edges = number[];
const noEdges = (): Edges => new Array<number>(9).fill(NaN);
/** The value of physical edge `edge` (LEFT..BOTTOM), left-to-right: start/end before left/right, then the axis, then all. */
function edgeValue(edges: Edges, edge: number): number {
  const logical = edge === LEFT ? edges[EDGE_START] : edge === RIGHT ? edges[EDGE_END] : NaN;
  if (defined(logical!)) return logical!;
  if (defined(edges[edge]!)) return edges[edge]!;
  const axis = edge === LEFT || edge === RIGHT ? edges[EDGE_HORIZONTAL]! : edges[EDGE_VERTICAL]!;
  if (defined(axis)) return axis;
  return defined(edges[EDGE_ALL]!) ? edges[EDGE_ALL]! : 0;
}

export class Node {
  /** The style, as Ink set it. */
  private s = { flexDirection: FLEX_DIRECTION_COLUMN, justify: JUSTIFY_FLEX_START, alignItems: ALIGN_STRETCH, alignSelf: ALIGN_AUTO, display: DISPLAY_FLEX, grow: 0, shrink: 0, width: NaN, height: NaN };
  private margin = noEdges();
  private padding = noEdges();
  private border = noEdges();
  private gaps = [NaN, NaN, NaN];
  private measure: MeasureFunction | undefined;
  /**
   * Yoga's measurement cache, which decides results and not only speed: a text measured once
   * is not measured again for a size that rounds to the same cell, or that still fits what it
   * measured, so a layout that shrinks boxes to fractions of a cell rounds as Yoga's does
   * only with the same cache. Changed since its last layout (`dirty`), the layout generation
   * of its last visit, the last full layout's inputs and result, and up to eight measurements.
   */
  private dirty = false;
  private visited = -1;
  private cachedLayout = emptyEntry();
  private cachedMeasurements: Entry[] = [];
  private nextMeasurement = 0;
  private children: Node[] = [];
  private owner: Node | undefined;

  // Results: measured sizes of the last layout or measurement, unrounded position and size, and the rounded ones Ink reads.
  private measured = [NaN, NaN];
  private flexBasis = NaN;
  private position = [0, 0];
  private size = [0, 0];
  private computed = [0, 0, 0, 0];

  static create(): Node {
    return new Node();
  }

  private style<K extends keyof Node['s']>(key: K, value: number): void {
    if (same(this.s[key], value)) return;
    this.s[key] = value;
    this.markDirtyAndPropagate();
  }
  private setEdge(edges: number[], at: number, value: number): void {
    if (same(edges[at]!, value)) return;
    edges[at] = value;
    this.markDirtyAndPropagate();
  }
  private markDirtyAndPropagate(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.owner?.markDirtyAndPropagate();
  }

  // Style setters, as Ink's styles.js and dom.js call them.
  setFlexDirection(v: number): void {
    if (v === FLEX_DIRECTION_ROW_REVERSE || v === FLEX_DIRECTION_COLUMN_REVERSE) throw new UnsupportedLayoutError('a reversed flexDirection');
    this.style('flexDirection', v);
  }
  setJustifyContent(v: number): void {
    this.style('justify', v);
  }
  setAlignItems(v: number): void {
    if (v !== ALIGN_STRETCH && v !== ALIGN_FLEX_START && v !== ALIGN_CENTER && v !== ALIGN_FLEX_END) throw new UnsupportedLayoutError(`alignItems ${v}`);
    this.style('alignItems', v);
  }
  setAlignSelf(v: number): void {
    if (v !== ALIGN_AUTO && v !== ALIGN_STRETCH && v !== ALIGN_FLEX_START && v !== ALIGN_CENTER && v !== ALIGN_FLEX_END) throw new UnsupportedLayoutError(`alignSelf ${v}`);
    this.style('alignSelf', v);
  }
  setFlexWrap(v: number): void {
    if (v !== WRAP_NO_WRAP) throw new UnsupportedLayoutError('flexWrap');
  }
  setPositionType(v: number): void {
    if (v === POSITION_TYPE_ABSOLUTE) throw new UnsupportedLayoutError('position absolute');
  }
  setDisplay(v: number): void {
    this.style('display', v);
  }
  getDisplay(): number {
    return this.s.display;
  }
  setFlexGrow(v: number | undefined): void {
    this.style('grow', v ?? 0);
  }
  setFlexShrink(v: number | undefined): void {
    this.style('shrink', v ?? 0);
  }
  setFlexBasis(): void {
    throw new UnsupportedLayoutError('flexBasis');
  }
  setFlexBasisAuto(): void {
    throw new UnsupportedLayoutError('flexBasis');
  }
  setFlexBasisPercent(): void {
    throw new UnsupportedLayoutError('flexBasis');
  }
  setWidth(v: number | undefined): void {
    this.style('width', points(v));
  }
  setWidthAuto(): void {
    this.style('width', NaN);
  }
  setWidthPercent(): void {
    throw new UnsupportedLayoutError('a width in percent');
  }
  setHeight(v: number | undefined): void {
    this.style('height', points(v));
  }
  setHeightAuto(): void {
    this.style('height', NaN);
  }
  setHeightPercent(): void {
    throw new UnsupportedLayoutError('a height in percent');
  }
  setMinWidth(): void {
    throw new UnsupportedLayoutError('minWidth');
  }
  setMinWidthPercent(): void {
    throw new UnsupportedLayoutError('minWidth');
  }
  setMinHeight(): void {
    throw new UnsupportedLayoutError('minHeight');
  }
  setMinHeightPercent(): void {
    throw new UnsupportedLayoutError('minHeight');
  }
  setMargin(edge: number, v: number | undefined): void {
    this.setEdge(this.margin, edge, points(v));
  }
  setPadding(edge: number, v: number | undefined): void {
    this.setEdge(this.padding, edge, points(v));
  }
  setBorder(edge: number, v: number | undefined): void {
    this.setEdge(this.border, edge, points(v));
  }
  setGap(gutter: number, v: number | undefined): void {
    this.setEdge(this.gaps, gutter, points(v));
  }
  setMeasureFunc(fn: MeasureFunction): void {
    this.measure = fn;
  }
  unsetMeasureFunc(): void {
    this.measure = undefined;
  }
  /** Ink's text changed: measured again at the next layout, and its owners laid out again. */
  markDirty(): void {
    this.markDirtyAndPropagate();
  }

  insertChild(child: Node, index: number): void {
    if (this.measure) throw new UnsupportedLayoutError('a child under a measured node');
    child.owner = this;
    this.children.splice(index, 0, child);
    this.markDirtyAndPropagate();
  }
  removeChild(child: Node): void {
    const at = this.children.indexOf(child);
    if (at < 0) return;
    this.children.splice(at, 1);
    child.owner = undefined;
    child.resetLayout();
    this.markDirtyAndPropagate();
  }
  getChildCount(): number {
    return this.children.length;
  }
  getChild(index: number): Node {
    return this.children[index]!;
  }
  free(): void {
    this.owner?.removeChild(this);
  }
  freeRecursive(): void {
    for (const c of [...this.children]) c.freeRecursive();
    this.free();
  }

  getComputedLeft(): number {
    return this.computed[0]!;
  }
  getComputedTop(): number {
    return this.computed[1]!;
  }
  getComputedWidth(): number {
    return this.computed[2]!;
  }
  getComputedHeight(): number {
    return this.computed[3]!;
  }
  getComputedBorder(edge: number): number {
    return edgeValue(this.border, edge);
  }
  getComputedPadding(edge: number): number {
    return edgeValue(this.padding, edge);
  }

  /** Lays out the tree below this node, as Yoga's calculateLayout with an owner of no size (as Ink calls it). */
  calculateLayout(ownerWidth: number | undefined = NaN, ownerHeight: number | undefined = NaN, direction = DIRECTION_LTR): void {
    if (direction !== DIRECTION_LTR) throw new UnsupportedLayoutError('a right-to-left direction');
    const ow = ownerWidth ?? NaN;
    const oh = ownerHeight ?? NaN;
    const w = defined(this.s.width) ? this.s.width + this.marginFor(ROW) : ow;
    const h = defined(this.s.height) ? this.s.height + this.marginFor(COLUMN) : oh;
    generation += 1;
    if (!this.layout(w, h, defined(w) ? Sizing.StretchFit : Sizing.MaxContent, defined(h) ? Sizing.StretchFit : Sizing.MaxContent, true)) return;
    this.position = [edgeValue(this.margin, LEFT), edgeValue(this.margin, TOP)];
    this.round(0, 0);
  }

  // --- the algorithm ---

  private marginFor(axis: Axis): number {
    return edgeValue(this.margin, leading(axis)) + edgeValue(this.margin, trailing(axis));
  }
  private paddingBorder(axis: Axis): number {
    return edgeValue(this.padding, leading(axis)) + edgeValue(this.padding, trailing(axis)) + edgeValue(this.border, leading(axis)) + edgeValue(this.border, trailing(axis));
  }
  private leadingPaddingBorder(axis: Axis): number {
    return edgeValue(this.padding, leading(axis)) + edgeValue(this.border, leading(axis));
  }
  private styleSize(axis: Axis): number {
    return axis === ROW ? this.s.width : this.s.height;
  }
  /** Yoga's boundAxis without minimum or maximum sizes: never under padding and border. */
  private bound(axis: Axis, value: number): number {
    return maxOf(value, this.paddingBorder(axis));
  }
  private alignOf(child: Node): number {
    return child.s.alignSelf === ALIGN_AUTO ? this.s.alignItems : child.s.alignSelf;
  }
  private gapFor(axis: Axis): number {
    const g = axis === ROW ? this.gaps[GUTTER_COLUMN]! : this.gaps[GUTTER_ROW]!;
    if (defined(g)) return g;
    return defined(this.gaps[GUTTER_ALL]!) ? this.gaps[GUTTER_ALL]! : 0;
  }
  private dimWithMargin(axis: Axis): number {
    return this.measured[axis]! + this.marginFor(axis);
  }

  /**
   * Yoga's calculateLayoutInternal: the node's measured size (and with `full` its children's
   * positions and sizes) from its caches when they answer for these inputs and nothing
   * changed, else laid out afresh and cached. False when the whole result came from cache.
   */
  private layout(availW: number, availH: number, wMode: Sizing, hMode: Sizing, full: boolean): boolean {
    const fresh = (this.dirty && this.visited !== generation) || this.visited < 0;
    if (fresh) {
      this.nextMeasurement = 0;
      this.cachedLayout = emptyEntry();
    }
    let cached: Entry | undefined;
    if (this.measure) {
      const mr = this.marginFor(ROW);
      const mc = this.marginFor(COLUMN);
      const fits = (e: Entry) => canUseCached(wMode, availW, hMode, availH, e, mr, mc);
      cached = fits(this.cachedLayout) ? this.cachedLayout : this.cachedMeasurements.slice(0, this.nextMeasurement).find(fits);
    } else {
      const matches = (e: Entry) => near(e.availW, availW) && near(e.availH, availH) && e.wMode === wMode && e.hMode === hMode;
      cached = full ? (matches(this.cachedLayout) ? this.cachedLayout : undefined) : this.cachedMeasurements.slice(0, this.nextMeasurement).find(matches);
    }
    if (!fresh && cached) this.measured = [cached.width, cached.height];
    else {
      this.layoutAfresh(availW, availH, wMode, hMode, full);
      if (!cached) {
        if (this.nextMeasurement === MAX_MEASUREMENTS) this.nextMeasurement = 0;
        const entry = { availW, availH, wMode, hMode, width: this.measured[ROW]!, height: this.measured[COLUMN]! };
        if (full) this.cachedLayout = entry;
        else this.cachedMeasurements[this.nextMeasurement++] = entry;
      }
    }
    if (full) {
      this.size = [this.measured[ROW]!, this.measured[COLUMN]!];
      this.dirty = false;
    }
    this.visited = generation;
    return fresh || cached === undefined;
  }

  /** Yoga's calculateLayoutImpl for one node: its measured size, and with `full` its children's positions and sizes. */
  private layoutAfresh(availW: number, availH: number, wMode: Sizing, hMode: Sizing, full: boolean): void {
    const availWidth = availW - this.marginFor(ROW);
    const availHeight = availH - this.marginFor(COLUMN);
    if (this.measure) this.measureText(availWidth, availHeight, wMode, hMode);
    else if (this.children.length === 0) {
      this.measured[ROW] = this.bound(ROW, wMode === Sizing.StretchFit ? availWidth : this.paddingBorder(ROW));
      this.measured[COLUMN] = this.bound(COLUMN, hMode === Sizing.StretchFit ? availHeight : this.paddingBorder(COLUMN));
    } else if (!full && (fitsNothing(availWidth, wMode) || fitsNothing(availHeight, hMode) || (wMode === Sizing.StretchFit && hMode === Sizing.StretchFit))) {
      this.measured[ROW] = this.bound(ROW, !defined(availWidth) || (wMode === Sizing.FitContent && availWidth < 0) ? 0 : availWidth);
      this.measured[COLUMN] = this.bound(COLUMN, !defined(availHeight) || (hMode === Sizing.FitContent && availHeight < 0) ? 0 : availHeight);
    } else this.flex(availWidth, availHeight, wMode, hMode, full);
  }

  private measureText(availWidth: number, availHeight: number, wMode: Sizing, hMode: Sizing): void {
    const w = wMode === Sizing.MaxContent ? NaN : availWidth;
    const h = hMode === Sizing.MaxContent ? NaN : availHeight;
    const pbRow = this.paddingBorder(ROW);
    const pbColumn = this.paddingBorder(COLUMN);
    if (wMode === Sizing.StretchFit && hMode === Sizing.StretchFit) {
      this.measured[ROW] = this.bound(ROW, w);
      this.measured[COLUMN] = this.bound(COLUMN, h);
      return;
    }
    const innerW = defined(w) ? Math.max(0, w - pbRow) : w;
    const innerH = defined(h) ? Math.max(0, h - pbColumn) : h;
    const m = this.measure!(innerW, wMode, innerH, hMode);
    this.measured[ROW] = this.bound(ROW, wMode !== Sizing.StretchFit ? f32(m.width) + pbRow : w);
    this.measured[COLUMN] = this.bound(COLUMN, hMode !== Sizing.StretchFit ? f32(m.height) + pbColumn : h);
  }

  private flex(availWidth: number, availHeight: number, wMode: Sizing, hMode: Sizing, full: boolean): void {
    const main: Axis = this.s.flexDirection === FLEX_DIRECTION_ROW ? ROW : COLUMN;
    const cross: Axis = main === ROW ? COLUMN : ROW;
    const mainRow = main === ROW;
    const mainMode = mainRow ? wMode : hMode;
    const crossMode = mainRow ? hMode : wMode;
    const pbCross = this.paddingBorder(cross);
    const innerWidth = this.availableInner(ROW, availWidth);
    const innerHeight = this.availableInner(COLUMN, availHeight);
    const innerMain = mainRow ? innerWidth : innerHeight;
    const innerCross = mainRow ? innerHeight : innerWidth;

    // Flex bases.
    const items = this.children.filter((c) => c.s.display !== DISPLAY_NONE);
    for (const c of this.children) {
      if (c.s.display !== DISPLAY_NONE) continue;
      c.zeroOut();
      c.dirty = false;
    }
    let single: Node | undefined;
    if (mainMode === Sizing.StretchFit) {
      // Hidden children count here, as in Yoga.
      for (const c of this.children) {
        if (c.s.grow > 0 || c.s.shrink > 0) {
          if (single !== undefined || near(c.s.grow, 0) || near(c.s.shrink, 0)) {
            single = undefined;
            break;
          }
          single = c;
        }
      }
    }
    let consumed = 0;
    let totalGrow = 0;
    let totalShrinkScaled = 0;
    for (const c of items) {
      if (full) c.position = [edgeValue(c.margin, LEFT), edgeValue(c.margin, TOP)];
      if (c === single) c.flexBasis = 0;
      else this.basisFor(c, main, innerWidth, wMode, innerHeight, hMode);
      consumed += c.flexBasis + c.marginFor(main);
      if (c.s.grow > 0 || c.s.shrink > 0) {
        totalGrow += c.s.grow;
        totalShrinkScaled += -c.s.shrink * c.flexBasis;
      }
    }
    const gap = this.gapFor(main);
    if (items.length > 1) consumed += gap * (items.length - 1);

    // Free space: none for a node sized by its content on the main axis (Yoga's "size based on content").
    const free0 = mainMode === Sizing.StretchFit && defined(innerMain) ? innerMain - consumed : Math.max(0, -consumed);

    const canSkipFlex = !full && crossMode === Sizing.StretchFit;
    let free = canSkipFlex ? free0 : this.resolveFlexible(items, main, cross, free0, totalGrow, totalShrinkScaled, innerCross, crossMode, full);

    // Main axis: justification; the line's cross size.
    if (mainMode === Sizing.FitContent && free > 0) free = 0;
    let lead = 0;
    let between = gap;
    const justify = free >= 0 ? this.s.justify : this.s.justify === JUSTIFY_SPACE_BETWEEN ? JUSTIFY_FLEX_START : this.s.justify === JUSTIFY_SPACE_AROUND || this.s.justify === JUSTIFY_SPACE_EVENLY ? JUSTIFY_FLEX_START : this.s.justify;
    if (justify === JUSTIFY_CENTER) lead = free / 2;
    else if (justify === JUSTIFY_FLEX_END) lead = free;
    else if (justify === JUSTIFY_SPACE_BETWEEN) {
      if (items.length > 1) between += free / (items.length - 1);
    } else if (justify === JUSTIFY_SPACE_EVENLY) {
      lead = free / (items.length + 1);
      between += lead;
    } else if (justify === JUSTIFY_SPACE_AROUND) {
      lead = (0.5 * free) / items.length;
      between += lead * 2;
    }
    let mainDim = this.leadingPaddingBorder(main) + lead;
    let crossDim = 0;
    items.forEach((c, i) => {
      if (full) c.position[main] = f32(c.position[main]! + mainDim);
      if (i < items.length - 1) mainDim += between;
      if (canSkipFlex) {
        mainDim += c.marginFor(main) + c.flexBasis;
        crossDim = innerCross;
      } else {
        mainDim += c.dimWithMargin(main);
        crossDim = maxOf(crossDim, c.dimWithMargin(cross));
      }
    });
    mainDim += edgeValue(this.padding, trailing(main)) + edgeValue(this.border, trailing(main));

    let containerCross = innerCross;
    if (crossMode !== Sizing.StretchFit) containerCross = this.bound(cross, crossDim + pbCross) - pbCross;
    if (crossMode === Sizing.StretchFit) crossDim = innerCross;
    crossDim = this.bound(cross, crossDim + pbCross) - pbCross;

    // Cross axis: stretch, or align.
    if (full) {
      for (const c of items) {
        let leadCross = this.leadingPaddingBorder(cross);
        const align = this.alignOf(c);
        if (align === ALIGN_STRETCH) {
          if (!defined(c.styleSize(cross))) {
            const childMain = c.measured[main]! + c.marginFor(main);
            const childCross = crossDim;
            const w = mainRow ? childMain : childCross;
            const h = mainRow ? childCross : childMain;
            c.layout(w, h, defined(w) ? Sizing.StretchFit : Sizing.MaxContent, defined(h) ? Sizing.StretchFit : Sizing.MaxContent, true);
          }
        } else {
          const remaining = containerCross - c.dimWithMargin(cross);
          if (align === ALIGN_CENTER) leadCross += remaining / 2;
          else if (align === ALIGN_FLEX_END) leadCross += remaining;
        }
        c.position[cross] = f32(c.position[cross]! + leadCross);
      }
    }

    // The node's own size.
    this.measured[ROW] = this.bound(ROW, availWidth);
    this.measured[COLUMN] = this.bound(COLUMN, availHeight);
    if (mainMode === Sizing.MaxContent || mainMode === Sizing.FitContent) this.measured[main] = this.bound(main, mainDim);
    if (crossMode === Sizing.MaxContent || crossMode === Sizing.FitContent) this.measured[cross] = this.bound(cross, crossDim + pbCross);
  }

  /** Yoga's calculateAvailableInnerDimension, without minimum or maximum sizes. */
  private availableInner(axis: Axis, avail: number): number {
    const pb = this.paddingBorder(axis);
    const inner = avail - pb;
    return defined(inner) ? Math.max(inner, 0) : inner;
  }

  /** Yoga's computeFlexBasisForChild. */
  private basisFor(c: Node, main: Axis, width: number, wMode: Sizing, height: number, hMode: Sizing): void {
    const mainRow = main === ROW;
    if (mainRow && defined(c.s.width)) {
      c.flexBasis = maxOf(c.s.width, c.paddingBorder(ROW));
      return;
    }
    if (!mainRow && defined(c.s.height)) {
      c.flexBasis = maxOf(c.s.height, c.paddingBorder(COLUMN));
      return;
    }
    let cw = NaN;
    let ch = NaN;
    let cwMode: Sizing = Sizing.MaxContent;
    let chMode: Sizing = Sizing.MaxContent;
    if (defined(c.s.width)) {
      cw = c.s.width + c.marginFor(ROW);
      cwMode = Sizing.StretchFit;
    }
    if (defined(c.s.height)) {
      ch = c.s.height + c.marginFor(COLUMN);
      chMode = Sizing.StretchFit;
    }
    if (!defined(cw) && defined(width)) {
      cw = width;
      cwMode = Sizing.FitContent;
    }
    if (!defined(ch) && defined(height)) {
      ch = height;
      chMode = Sizing.FitContent;
    }
    const stretch = this.alignOf(c) === ALIGN_STRETCH;
    if (!mainRow && !defined(c.s.width) && defined(width) && wMode === Sizing.StretchFit && stretch && cwMode !== Sizing.StretchFit) {
      cw = width;
      cwMode = Sizing.StretchFit;
    }
    if (mainRow && !defined(c.s.height) && defined(height) && hMode === Sizing.StretchFit && stretch && chMode !== Sizing.StretchFit) {
      ch = height;
      chMode = Sizing.StretchFit;
    }
    c.layout(cw, ch, cwMode, chMode, false);
    c.flexBasis = maxOf(c.measured[main]!, c.paddingBorder(main));
  }

  /** Yoga's resolveFlexibleLength (two passes: an item held at its padding and border is frozen first): sizes each item on the main axis, lays it out, and returns the free space left. */
  private resolveFlexible(items: Node[], main: Axis, cross: Axis, free: number, totalGrow: number, totalShrinkScaled: number, innerCross: number, crossMode: Sizing, full: boolean): number {
    const original = free;
    // First pass: items whose minimum binds are frozen at it.
    let delta = 0;
    for (const c of items) {
      const basis = c.flexBasis;
      if (free < 0) {
        const scaled = -c.s.shrink * basis;
        if (defined(scaled) && scaled !== 0) {
          const base = basis + (free / totalShrinkScaled) * scaled;
          const bound = c.bound(main, base);
          if (defined(base) && defined(bound) && base !== bound) {
            delta += bound - basis;
            totalShrinkScaled -= -c.s.shrink * c.flexBasis;
          }
        }
      } else if (defined(free) && free > 0 && c.s.grow !== 0) {
        const base = basis + (free / totalGrow) * c.s.grow;
        const bound = c.bound(main, base);
        if (defined(base) && defined(bound) && base !== bound) {
          delta += bound - basis;
          totalGrow -= c.s.grow;
        }
      }
    }
    free -= delta;
    // Second pass: sizes.
    let distributed = 0;
    const mainRow = main === ROW;
    for (const c of items) {
      const basis = c.flexBasis;
      let size = basis;
      if (defined(free) && free < 0) {
        const scaled = -c.s.shrink * basis;
        if (scaled !== 0) size = c.bound(main, totalShrinkScaled === 0 ? basis + scaled : basis + (free / totalShrinkScaled) * scaled);
      } else if (defined(free) && free > 0 && c.s.grow !== 0) {
        size = c.bound(main, basis + (free / totalGrow) * c.s.grow);
      }
      size = f32(size);
      distributed += size - basis;
      const childMain = size + c.marginFor(main);
      let childCross: number;
      let childCrossMode: Sizing;
      const stretch = this.alignOf(c) === ALIGN_STRETCH;
      if (defined(innerCross) && !defined(c.styleSize(cross)) && crossMode === Sizing.StretchFit && stretch) {
        childCross = innerCross;
        childCrossMode = Sizing.StretchFit;
      } else if (!defined(c.styleSize(cross))) {
        childCross = innerCross;
        childCrossMode = defined(childCross) ? Sizing.FitContent : Sizing.MaxContent;
      } else {
        childCross = c.styleSize(cross) + c.marginFor(cross);
        childCrossMode = Sizing.StretchFit;
      }
      const requiresStretch = !defined(c.styleSize(cross)) && stretch;
      const w = mainRow ? childMain : childCross;
      const h = mainRow ? childCross : childMain;
      c.layout(w, h, mainRow ? Sizing.StretchFit : childCrossMode, mainRow ? childCrossMode : Sizing.StretchFit, full && !requiresStretch);
    }
    return original - distributed;
  }

  /** Yoga's empty layout: no measurement, no flex basis, no position or size. */
  private resetLayout(): void {
    this.measured = [NaN, NaN];
    this.flexBasis = NaN;
    this.position = [0, 0];
    this.size = [0, 0];
    this.visited = -1;
    this.cachedLayout = emptyEntry();
    this.nextMeasurement = 0;
  }

  private zeroOut(): void {
    this.resetLayout();
    for (const c of this.children) c.zeroOut();
  }

  /** Yoga's roundLayoutResultsToPixelGrid at one point per cell. */
  private round(absLeft: number, absTop: number): void {
    const [left, top] = this.position as [number, number];
    const [width, height] = this.size as [number, number];
    const absNodeLeft = absLeft + left;
    const absNodeTop = absTop + top;
    const text = this.measure !== undefined;
    const fracW = !near(width % 1, 0) && !near(width % 1, 1);
    const fracH = !near(height % 1, 0) && !near(height % 1, 1);
    this.computed = [
      toGrid(left, false, text),
      toGrid(top, false, text),
      toGrid(absNodeLeft + width, text && fracW, text && !fracW) - toGrid(absNodeLeft, false, text),
      toGrid(absNodeTop + height, text && fracH, text && !fracH) - toGrid(absNodeTop, false, text),
    ];
    for (const c of this.children) c.round(absNodeLeft, absNodeTop);
  }
}

/** The layout pass under way: a node visited in an earlier one lays itself out again only when changed since. */
let generation = 0;
const MAX_MEASUREMENTS = 8;

/** One cached layout or measurement: its inputs and the size it gave. */
interface Entry {
  availW: number;
  availH: number;
  wMode: Sizing;
  hMode: Sizing;
  width: number;
  height: number;
}
const emptyEntry = (): Entry => ({ availW: -1, availH: -1, wMode: Sizing.MaxContent, hMode: Sizing.MaxContent, width: -1, height: -1 });

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** Yoga's canUseCachedMeasurement with a scale of one point a cell: may a text's earlier measurement stand for these inputs? */
function canUseCached(wMode: Sizing, availW: number, hMode: Sizing, availH: number, last: Entry, marginRow: number, marginColumn: number): boolean {
  if ((defined(last.height) && last.height < 0) || (defined(last.width) && last.width < 0)) return false;
  const fits = (mode: Sizing, avail: number, lastMode: Sizing, lastAvail: number, lastSize: number, margin: number) => {
    const size = avail - margin;
    return (
      (lastMode === mode && near(toGrid(lastAvail, false, false), toGrid(avail, false, false))) ||
      (mode === Sizing.StretchFit && near(size, lastSize)) ||
      (mode === Sizing.FitContent && lastMode === Sizing.MaxContent && (size >= lastSize || near(size, lastSize))) ||
      (lastMode === Sizing.FitContent && mode === Sizing.FitContent && defined(lastAvail) && defined(size) && defined(lastSize) && lastAvail - margin > size && (lastSize <= size || near(size, lastSize)))
    );
  };
  return fits(wMode, availW, last.wMode, last.availW, last.width, marginRow) && fits(hMode, availH, last.hMode, last.availH, last.height, marginColumn);
}

/** A size Ink passes: a number of cells, or undefined for none. */
function points(v: number | undefined): number {
  if (v === undefined || Number.isNaN(v)) return NaN;
  return f32(v);
}

/** Offered at most no room: measured at its size without laying out its children (Yoga 3.2's measureNodeWithFixedSize). */
function fitsNothing(dim: number, mode: Sizing): boolean {
  return defined(dim) && mode === Sizing.FitContent && dim <= 0;
}

/** Yoga's roundValueToPixelGrid with a scale factor of 1. */
function toGrid(value: number, ceil: boolean, floor: boolean): number {
  let fraction = value % 1;
  if (fraction < 0) fraction += 1;
  let out: number;
  if (near(fraction, 0)) out = value - fraction;
  else if (near(fraction, 1)) out = value - fraction + 1;
  else if (ceil) out = value - fraction + 1;
  else if (floor) out = value - fraction;
  else out = value - fraction + (fraction > 0.5 || near(fraction, 0.5) ? 1 : 0);
  return f32(out);
}

const Yoga = {
  Node,
  ALIGN_AUTO,
  ALIGN_FLEX_START,
  ALIGN_CENTER,
  ALIGN_FLEX_END,
  ALIGN_STRETCH,
  DIRECTION_LTR,
  DISPLAY_FLEX,
  DISPLAY_NONE,
  EDGE_LEFT,
  EDGE_TOP,
  EDGE_RIGHT,
  EDGE_BOTTOM,
  EDGE_START,
  EDGE_END,
  EDGE_HORIZONTAL,
  EDGE_VERTICAL,
  EDGE_ALL,
  FLEX_DIRECTION_COLUMN,
  FLEX_DIRECTION_COLUMN_REVERSE,
  FLEX_DIRECTION_ROW,
  FLEX_DIRECTION_ROW_REVERSE,
  GUTTER_COLUMN,
  GUTTER_ROW,
  GUTTER_ALL,
  JUSTIFY_FLEX_START,
  JUSTIFY_CENTER,
  JUSTIFY_FLEX_END,
  JUSTIFY_SPACE_BETWEEN,
  JUSTIFY_SPACE_AROUND,
  JUSTIFY_SPACE_EVENLY,
  MEASURE_MODE_UNDEFINED,
  MEASURE_MODE_EXACTLY,
  MEASURE_MODE_AT_MOST,
  POSITION_TYPE_STATIC,
  POSITION_TYPE_RELATIVE,
  POSITION_TYPE_ABSOLUTE,
  WRAP_NO_WRAP,
  WRAP_WRAP,
  WRAP_WRAP_REVERSE,
};
export default Yoga;
