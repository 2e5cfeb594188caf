import { ensure } from '../kernel/domain-error.js';
import { requiredText } from '../kernel/ids.js';
import { CORRELATION_KINDS, correlationKind, type CorrelationKind } from './correlation-kind.js';

/**
 * What the owning service needs besides the id to find the record, e.g. a metric window's
 * coordinates (metricName, window, windowStart, ...). Keys are kept sorted so two equal locators
 * compare (and serialise) equal whatever order they were built in.
 */
export type LinkLocator = Readonly<Record<string, string>>;

/** A pointer from a trace to one record of another context. (kind, targetId) is its identity. */
export interface CorrelationLink {
  readonly kind: CorrelationKind;
  readonly targetId: string;
  /** Which store holds the record (e.g. `app-insights`, `log-analytics`, `postgres`). */
  readonly store: string;
  /** Present only for kinds whose record the id alone does not locate. */
  readonly locator?: LinkLocator;
}

const STORE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const MAX_LOCATOR_ENTRIES = 64;
const MAX_LOCATOR_KEY = 256;
const MAX_LOCATOR_VALUE = 1024;

export function correlationLink(input: {
  readonly kind: string;
  readonly targetId: string;
  readonly store: string;
  readonly locator?: Readonly<Record<string, string>> | undefined;
}): CorrelationLink {
  const kind = correlationKind(input.kind);
  const targetId = requiredText(input.targetId, 'targetId', 'correlation.invalid_target_id');
  ensure(
    STORE_PATTERN.test(input.store),
    'correlation.invalid_store',
    'store must be 1-64 letters, digits, dot, underscore, colon or dash',
    { store: input.store },
  );
  if (input.locator === undefined) return Object.freeze({ kind, targetId, store: input.store });
  return Object.freeze({ kind, targetId, store: input.store, locator: linkLocator(input.locator) });
}

function linkLocator(input: Readonly<Record<string, string>>): LinkLocator {
  const entries = Object.entries(input);
  ensure(
    entries.length > 0 && entries.length <= MAX_LOCATOR_ENTRIES,
    'correlation.invalid_locator',
    `a locator has 1-${MAX_LOCATOR_ENTRIES} entries`,
    { entries: entries.length },
  );
  for (const [key, value] of entries) {
    ensure(
      key.length > 0 &&
        key.length <= MAX_LOCATOR_KEY &&
        typeof value === 'string' &&
        value.length <= MAX_LOCATOR_VALUE,
      'correlation.invalid_locator',
      `locator keys are 1-${MAX_LOCATOR_KEY} characters and values strings of at most ${MAX_LOCATOR_VALUE}`,
      { key },
    );
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.freeze(Object.fromEntries(entries));
}

export function sameLinkTarget(a: CorrelationLink, b: CorrelationLink): boolean {
  return a.kind === b.kind && a.targetId === b.targetId;
}

/** Same store and same locator (both absent, or equal entry by entry). */
export function sameLinkLocation(a: CorrelationLink, b: CorrelationLink): boolean {
  if (a.store !== b.store) return false;
  if (a.locator === undefined || b.locator === undefined) return a.locator === b.locator;
  const keys = Object.keys(a.locator);
  return (
    keys.length === Object.keys(b.locator).length &&
    keys.every((key) => a.locator?.[key] === b.locator?.[key])
  );
}

/** Links are kept in one canonical order so the snapshot does not depend on event order. */
export function compareLinks(a: CorrelationLink, b: CorrelationLink): number {
  const byKind = CORRELATION_KINDS.indexOf(a.kind) - CORRELATION_KINDS.indexOf(b.kind);
  if (byKind !== 0) return byKind;
  return a.targetId < b.targetId ? -1 : a.targetId > b.targetId ? 1 : 0;
}
