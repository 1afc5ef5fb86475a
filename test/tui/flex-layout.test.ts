import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Yoga itself (Ink's dependency), which the build and vitest.config.ts replace under Ink only.
import Yoga from 'yoga-layout';
import Flex, { UnsupportedLayoutError } from '../../src/ui/render/flex-layout.js';
import { shippedConsoleCode } from './helpers.js';

/** A node as both layouts are given it: only what Ink's styles.js and dom.js can set in this console. */
interface Spec {
  direction: 'row' | 'column';
  width?: number;
  height?: number;
  grow: number;
  shrink: number;
  margin: [number, number][];
  padding: [number, number][];
  border: [number, number][];
  gap?: [number, number];
  justify: number;
  alignItems: number;
  alignSelf: number;
  hidden: boolean;
  /** A text leaf: its length in cells, wrapped at the width offered (as Ink's measureTextNode does) when `wraps`, else of that width whatever it is offered. */
  text?: number;
  wraps: boolean;
  children: Spec[];
}

const EDGES = [Yoga.EDGE_LEFT, Yoga.EDGE_TOP, Yoga.EDGE_RIGHT, Yoga.EDGE_BOTTOM, Yoga.EDGE_START, Yoga.EDGE_END, Yoga.EDGE_HORIZONTAL, Yoga.EDGE_VERTICAL, Yoga.EDGE_ALL];
const size = fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined, freq: 2 });
const none = fc.constant([] as [number, number][]);

/**
 * Trees of what the console's components give Ink (src/ui/components): Boxes in a row or a
 * column, with or without a width and a height, shrinking or not (Ink's Box shrinks by
 * default), a left margin of a cell, and Text leaves (Ink's Text: a row that shrinks, its
 * size measured). `wide` adds what Ink's Box can set and the console does not use today
 * (padding, borders, gaps, justify, align, growth, hidden boxes). With `wraps`, a text's
 * height depends on the width it is offered, and which of its earlier measurements Yoga
 * reuses decides the result: compared on fresh layouts of the console's kinds of boxes.
 * Elsewhere texts are of one size whatever they are offered, where no reuse can change an
 * answer (our cache keeps Yoga's rules, but not every one of its orders of visits).
 */
const spec = (wide: boolean, wraps: boolean): fc.Memo<Spec> =>
  fc.memo((depth) =>
    fc.record({
      direction: fc.constantFrom('row' as const, 'column' as const),
      width: size,
      height: size,
      grow: wide ? fc.constantFrom(0, 0, 1, 2) : fc.constant(0),
      shrink: fc.constantFrom(0, 1),
      margin: wide ? fc.array(fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: 0, max: 3 })), { maxLength: 2 }) : fc.option(fc.constant([[Yoga.EDGE_START, 1]] as [number, number][]), { nil: [], freq: 3 }),
      padding: wide ? fc.array(fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: 0, max: 2 })), { maxLength: 2 }) : none,
      border: wide ? fc.array(fc.tuple(fc.constantFrom(Yoga.EDGE_LEFT, Yoga.EDGE_TOP, Yoga.EDGE_RIGHT, Yoga.EDGE_BOTTOM), fc.constantFrom(0, 1)), { maxLength: 4 }) : none,
      gap: wide ? fc.option(fc.tuple(fc.constantFrom(Yoga.GUTTER_ALL, Yoga.GUTTER_ROW, Yoga.GUTTER_COLUMN), fc.integer({ min: 0, max: 2 })), { nil: undefined, freq: 3 }) : fc.constant(undefined),
      justify: wide ? fc.constantFrom(Yoga.JUSTIFY_FLEX_START, Yoga.JUSTIFY_CENTER, Yoga.JUSTIFY_FLEX_END, Yoga.JUSTIFY_SPACE_BETWEEN, Yoga.JUSTIFY_SPACE_AROUND, Yoga.JUSTIFY_SPACE_EVENLY) : fc.constant(Yoga.JUSTIFY_FLEX_START),
      alignItems: wide ? fc.constantFrom(Yoga.ALIGN_STRETCH, Yoga.ALIGN_FLEX_START, Yoga.ALIGN_CENTER, Yoga.ALIGN_FLEX_END) : fc.constant(Yoga.ALIGN_STRETCH),
      alignSelf: wide ? fc.constantFrom(Yoga.ALIGN_AUTO, Yoga.ALIGN_AUTO, Yoga.ALIGN_FLEX_START, Yoga.ALIGN_CENTER, Yoga.ALIGN_STRETCH) : fc.constant(Yoga.ALIGN_AUTO),
      hidden: wide ? fc.integer({ min: 0, max: 9 }).map((i) => i === 0) : fc.constant(false),
      text: depth > 1 ? fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined, freq: 2 }) : fc.integer({ min: 0, max: 60 }),
      wraps: fc.constant(wraps),
      children: depth > 1 ? fc.array(spec(wide, wraps)(depth - 1), { maxLength: 4 }) : fc.constant([]),
    }),
  );

/** Ink's way of measuring a text of `s.text` cells (read at each call, as Ink reads its text): as wide as it is when that fits, else wrapped at the width (at least one cell a line). */
function measureText(s: Spec) {
  return (width: number) => {
    const cells = s.text!;
    if (!(cells > width) || !s.wraps) return { width: cells, height: cells > 0 ? 1 : 0 };
    const w = Math.max(1, Math.floor(width));
    return { width: Math.min(cells, w), height: Math.ceil(cells / w) };
  };
}

type AnyNode = ReturnType<typeof Yoga.Node.create>;
interface Lib {
  Node: { create(): AnyNode };
}

/** Builds the tree in one layout, as Ink's styles.js sets each property. */
function build(lib: Lib, s: Spec): AnyNode {
  const n = lib.Node.create();
  n.setFlexDirection(s.direction === 'row' ? Yoga.FLEX_DIRECTION_ROW : Yoga.FLEX_DIRECTION_COLUMN);
  if (s.width !== undefined) n.setWidth(s.width);
  if (s.height !== undefined) n.setHeight(s.height);
  n.setFlexGrow(s.grow);
  n.setFlexShrink(s.shrink);
  for (const [e, v] of s.margin) n.setMargin(e, v);
  for (const [e, v] of s.padding) n.setPadding(e, v);
  for (const [e, v] of s.border) n.setBorder(e, v);
  if (s.gap) n.setGap(s.gap[0], s.gap[1]);
  n.setJustifyContent(s.justify);
  n.setAlignItems(s.alignItems);
  n.setAlignSelf(s.alignSelf);
  if (s.hidden) n.setDisplay(Yoga.DISPLAY_NONE);
  if (s.text !== undefined && s.children.length === 0) n.setMeasureFunc(measureText(s));
  else s.children.forEach((c, i) => n.insertChild(build(lib, c), i));
  return n;
}

/** Every node's computed box, depth first. */
function boxes(n: AnyNode, out: number[][] = []): number[][] {
  out.push([n.getComputedLeft(), n.getComputedTop(), n.getComputedWidth(), n.getComputedHeight()]);
  for (let i = 0; i < n.getChildCount(); i++) boxes(n.getChild(i), out);
  return out;
}

/** Yoga laying out to fractions of a cell, unrounded: what the comparisons below require to be whole. */
const exactConfig = Yoga.Config.create();
exactConfig.setPointScaleFactor(0);

describe('the console layout against Yoga', () => {

  it.each([
    ['the console\'s kinds of boxes, texts wrapping', false, true],
    ['every kind of box Ink sets', true, false],
  ])('lays out random trees of %s exactly as Yoga does, in terminals of any size (positions and sizes in cells)', (_, wide, wraps) => {
    fc.assert(
      fc.property(spec(wide as boolean, wraps as boolean)(4), fc.integer({ min: 1, max: 300 }), fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }), (root, columns, rows) => {
        const layOut = (n: AnyNode) => {
          // As Ink's render does: the root as wide as the terminal, its height from its content unless given.
          n.setWidth(columns);
          if (rows !== undefined) n.setHeight(rows);
          n.calculateLayout(undefined, undefined, Yoga.DIRECTION_LTR);
          return n;
        };
        // Where flexing splits a cell (a box shrunk or grown by a share that is not whole, a
        // centred odd remainder), Yoga's rounding of the fractions depends on which of its
        // cached measurements it reuses: not compared (docs/DEPENDENCIES.md).
        const unrounded = layOut(build({ Node: { create: () => Yoga.Node.create(exactConfig) } }, root));
        const whole = boxes(unrounded).flat().every((v) => Number.isInteger(v));
        unrounded.freeRecursive();
        fc.pre(whole);
        const yoga = layOut(build(Yoga as unknown as Lib, root));
        const ours = layOut(build(Flex as unknown as Lib, root));
        expect(boxes(ours)).toEqual(boxes(yoga));
        yoga.freeRecursive();
      }),
      { numRuns: 2000 },
    );
  });

  it('lays out the same trees again as Yoga does after Ink changes them (texts, sizes, the terminal\'s width)', () => {
    fc.assert(
      fc.property(
        spec(false, false)(4),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('text', 'width', 'height', 'columns'), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 6 }),
        (generated, columns, changes) => {
          // Changed below: a copy, so that fast-check's shrinking sees the values it generated.
          const root = structuredClone(generated);
          const specs: Spec[] = [];
          const walk = (s: Spec) => {
            specs.push(s);
            s.children.forEach(walk);
          };
          walk(root);
          const [yoga, ours] = [Yoga as unknown as Lib, Flex as unknown as Lib].map((lib) => build(lib, root));
          const nodes = (n: AnyNode, out: AnyNode[] = []): AnyNode[] => {
            out.push(n);
            for (let i = 0; i < n.getChildCount(); i++) nodes(n.getChild(i), out);
            return out;
          };
          const layOut = (n: AnyNode) => {
            n.setWidth(columns);
            n.calculateLayout(undefined, undefined, Yoga.DIRECTION_LTR);
          };
          const integral = () => {
            const n = build({ Node: { create: () => Yoga.Node.create(exactConfig) } }, root);
            layOut(n);
            const ok = boxes(n).flat().every((v) => Number.isInteger(v));
            n.freeRecursive();
            return ok;
          };
          for (const [at, what, value] of [[0, 'columns', columns] as const, ...changes]) {
            const i = at % specs.length;
            const s = specs[i]!;
            const targets = [yoga!, ours!].map((t) => nodes(t)[i]!);
            if (what === 'columns') columns = Math.max(1, value * 3);
            else if (what === 'text' && s.text !== undefined && s.children.length === 0) {
              s.text = value;
              for (const t of targets) t.markDirty();
            } else if (what === 'width') {
              s.width = value;
              for (const t of targets) t.setWidth(value);
            } else if (what === 'height') {
              s.height = value;
              for (const t of targets) t.setHeight(value);
            }
            layOut(yoga!);
            layOut(ours!);
            // Compared where Yoga's own fresh layout of the tree is in whole cells, as above.
            if (integral()) expect(boxes(ours!)).toEqual(boxes(yoga!));
          }
          yoga!.freeRecursive();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives the padding and border Ink reads back per edge', () => {
    const n = Flex.Node.create();
    n.setPadding(Flex.EDGE_HORIZONTAL, 2);
    n.setPadding(Flex.EDGE_LEFT, 1);
    n.setBorder(Flex.EDGE_ALL, 1);
    n.setBorder(Flex.EDGE_BOTTOM, 0);
    expect([n.getComputedPadding(Flex.EDGE_LEFT), n.getComputedPadding(Flex.EDGE_RIGHT), n.getComputedBorder(Flex.EDGE_TOP), n.getComputedBorder(Flex.EDGE_BOTTOM)]).toEqual([1, 2, 1, 0]);
  });

  it('refuses what it does not lay out, naming it', () => {
    const n = Flex.Node.create();
    expect(() => n.setFlexWrap(Flex.WRAP_WRAP)).toThrow(UnsupportedLayoutError);
    expect(() => n.setPositionType(Flex.POSITION_TYPE_ABSOLUTE)).toThrow(/position absolute/);
    expect(() => n.setWidthPercent()).toThrow(/width in percent/);
    expect(() => n.setFlexDirection(Flex.FLEX_DIRECTION_ROW_REVERSE)).toThrow(/reversed/);
    expect(() => n.setMinWidth()).toThrow(/minWidth/);
    expect(() => n.setFlexBasis()).toThrow(/flexBasis/);
  });

  it('moves, removes and frees children as Ink does', () => {
    const root = Flex.Node.create();
    const [a, b] = [Flex.Node.create(), Flex.Node.create()];
    a.setHeight(1);
    b.setHeight(2);
    root.insertChild(a, 0);
    root.insertChild(b, 0);
    root.setWidth(10);
    root.calculateLayout(undefined, undefined, Flex.DIRECTION_LTR);
    expect([b.getComputedTop(), a.getComputedTop(), root.getComputedHeight()]).toEqual([0, 2, 3]);
    root.removeChild(b);
    root.calculateLayout(undefined, undefined, Flex.DIRECTION_LTR);
    expect([root.getChildCount(), a.getComputedTop(), root.getComputedHeight()]).toEqual([1, 0, 1]);
    a.free();
    expect(root.getChildCount()).toBe(0);
  });

  it('is what the shipped console bundles in place of Yoga, whose WebAssembly it does not hold', () => {
    const code = shippedConsoleCode();
    expect(code).toContain('lays out what the console');
    // Yoga's module: its WebAssembly binary, inlined as base64 (the wasm magic number's).
    expect(code).not.toContain('AGFzbQ');
    expect(code).not.toContain('yoga-wasm-base64');
  });
});
