import { ensure } from '../shared/domain-error.js';
import { requiredText } from '../shared/ids.js';
import { CORRELATION_KINDS, correlationKind, type CorrelationKind } from './correlation-kind.js';

/** A pointer from a trace to one record of another context. (kind, targetId) is its identity. */
export interface CorrelationLink {
  readonly kind: CorrelationKind;
  readonly targetId: string;
  /** Which store holds the record (e.g. `app-insights`, `log-analytics`, `postgres`). */
  readonly store: string;
}

const STORE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function correlationLink(input: {
  readonly kind: string;
  readonly targetId: string;
  readonly store: string;
}): CorrelationLink {
  const kind = correlationKind(input.kind);
  const targetId = requiredText(input.targetId, 'targetId', 'correlation.invalid_target_id');
  ensure(
    STORE_PATTERN.test(input.store),
    'correlation.invalid_store',
    'store must be 1-64 letters, digits, dot, underscore, colon or dash',
    { store: input.store },
  );
  return Object.freeze({ kind, targetId, store: input.store });
}

export function sameLinkTarget(a: CorrelationLink, b: CorrelationLink): boolean {
  return a.kind === b.kind && a.targetId === b.targetId;
}

/** Links are kept in one canonical order so the snapshot does not depend on event order. */
export function compareLinks(a: CorrelationLink, b: CorrelationLink): number {
  const byKind = CORRELATION_KINDS.indexOf(a.kind) - CORRELATION_KINDS.indexOf(b.kind);
  if (byKind !== 0) return byKind;
  return a.targetId < b.targetId ? -1 : a.targetId > b.targetId ? 1 : 0;
}
