import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { validateTraceTree, type TraceTreeNode } from './trace-tree.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TENANT = 'acme';

type Node = { -readonly [K in keyof TraceTreeNode]: TraceTreeNode[K] };

const id = (i: number): string => (i + 1).toString(16).padStart(16, '0');
const node = (i: number, parent: number | null, durationMs = 1): Node => ({
  traceId: TRACE,
  tenantId: TENANT,
  spanId: id(i),
  parentSpanId: parent === null ? null : id(parent),
  durationMs,
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const validate = (spans: readonly Node[]): string | undefined =>
  codeOf(() => validateTraceTree(spans, TRACE, TENANT));

/** A random tree: node 0 is the root, node i>0 hangs below a node created before it. */
const treeArb = fc
  .array(fc.nat(), { maxLength: 40 })
  .map((choices) => [node(0, null), ...choices.map((c, i) => node(i + 1, c % (i + 1)))])
  .chain((nodes) => fc.shuffledSubarray(nodes, { minLength: nodes.length }));

function parentIndex(n: Node): number | null {
  return n.parentSpanId === null ? null : parseInt(n.parentSpanId, 16) - 1;
}

function descendantsOf(nodes: readonly Node[], index: number): number[] {
  const found = [index];
  for (let changed = true; changed;) {
    changed = false;
    for (const n of nodes) {
      const self = parseInt(n.spanId, 16) - 1;
      const parent = parentIndex(n);
      if (parent !== null && found.includes(parent) && !found.includes(self)) {
        found.push(self);
        changed = true;
      }
    }
  }
  return found;
}

const withParent = (nodes: readonly Node[], index: number, parent: string | null): Node[] =>
  nodes.map((n) => (n.spanId === id(index) ? { ...n, parentSpanId: parent } : n));

describe('validateTraceTree', () => {
  it('accepts a valid tree and returns its root', () => {
    const spans = [node(2, 1), node(0, null), node(1, 0), node(3, 0)];
    expect(validateTraceTree(spans, TRACE, TENANT).spanId).toBe(id(0));
  });

  it('accepts a single root span with zero duration', () => {
    expect(validate([node(0, null, 0)])).toBeUndefined();
  });

  it('refuses an empty set: trace.missing_root', () => {
    expect(validate([])).toBe('trace.missing_root');
  });

  it('refuses spans that all have parents: trace.missing_root', () => {
    expect(validate([node(0, 1), node(1, 0)])).toBe('trace.missing_root');
  });

  it('refuses two roots: trace.multiple_roots', () => {
    expect(validate([node(0, null), node(1, null)])).toBe('trace.multiple_roots');
  });

  it('refuses a span whose parent is absent: trace.orphan_span', () => {
    expect(validate([node(0, null), node(1, 7)])).toBe('trace.orphan_span');
  });

  it('refuses a self-parented span: trace.cycle', () => {
    expect(validate([node(0, null), node(1, 1)])).toBe('trace.cycle');
  });

  it('refuses a cycle below the root: trace.cycle', () => {
    expect(validate([node(0, null), node(1, 2), node(2, 1)])).toBe('trace.cycle');
  });

  it('refuses a span of another trace: trace.trace_id_mismatch', () => {
    const other = { ...node(1, 0), traceId: 'ffffffffffffffffffffffffffffffff' };
    expect(validate([node(0, null), other])).toBe('trace.trace_id_mismatch');
  });

  it('refuses a span of another tenant: trace.tenant_mismatch', () => {
    expect(validate([node(0, null), { ...node(1, 0), tenantId: 'other' }])).toBe(
      'trace.tenant_mismatch',
    );
  });

  it('refuses a negative duration: trace.negative_duration', () => {
    expect(validate([node(0, null), node(1, 0, -1)])).toBe('trace.negative_duration');
  });

  it('refuses a non-finite duration: trace.invalid_duration', () => {
    expect(validate([node(0, null, Number.NaN)])).toBe('trace.invalid_duration');
  });

  it('refuses two spans with one spanId: trace.duplicate_span', () => {
    expect(validate([node(0, null), node(1, 0), node(1, 0)])).toBe('trace.duplicate_span');
  });

  it('names the offending spans in the error details', () => {
    try {
      validateTraceTree([node(0, null), node(1, 2), node(2, 1)], TRACE, TENANT);
      expect.unreachable();
    } catch (error) {
      expect((error as DomainError).details).toEqual({ unreachableSpanIds: [id(1), id(2)] });
    }
  });
});

describe('validateTraceTree properties', () => {
  it('accepts every random tree, whatever the span order', () => {
    fc.assert(
      fc.property(treeArb, (nodes) => {
        expect(validateTraceTree(nodes, TRACE, TENANT).spanId).toBe(id(0));
      }),
    );
  });

  it('refuses a tree given a second root', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), (nodes, pick) => {
        fc.pre(nodes.length > 1);
        const victim = 1 + (pick % (nodes.length - 1));
        expect(validate(withParent(nodes, victim, null))).toBe('trace.multiple_roots');
      }),
    );
  });

  it('refuses a tree with an orphan', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), (nodes, pick) => {
        fc.pre(nodes.length > 1);
        const victim = 1 + (pick % (nodes.length - 1));
        expect(validate(withParent(nodes, victim, id(10_000)))).toBe('trace.orphan_span');
      }),
    );
  });

  it('refuses a tree with a cycle', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(), (nodes, pick, pickBelow) => {
        fc.pre(nodes.length > 1);
        const victim = 1 + (pick % (nodes.length - 1));
        const below = descendantsOf(nodes, victim);
        const target = below[pickBelow % below.length] as number;
        expect(validate(withParent(nodes, victim, id(target)))).toBe('trace.cycle');
      }),
    );
  });

  it('refuses a tree with a foreign span', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), (nodes, pick) => {
        const victim = pick % nodes.length;
        const mutated = nodes.map((n) =>
          n.spanId === id(victim) ? { ...n, traceId: '0af7651916cd43dd8448eb211c80319c' } : n,
        );
        expect(validate(mutated)).toBe('trace.trace_id_mismatch');
      }),
    );
  });
});
