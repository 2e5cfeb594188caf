import type { z } from 'zod';

/** Stable codes: consumers and the DLQ tooling branch on these, never on messages. */
export const ENVELOPE_ERROR_CODES = [
  'envelope.invalid_envelope',
  'envelope.unknown_event_type',
  'envelope.unknown_event_version',
  'envelope.invalid_payload',
  'envelope.tenant_mismatch',
] as const;
export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODES)[number];

/** One failing field, addressed by its dotted path inside the envelope (`payload.severity`). */
export interface EnvelopeIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown when an envelope cannot be built or read. Not a DomainError on purpose: a producer that
 * builds a bad envelope has a bug (5xx), and a consumer dead-letters the record; neither is a
 * business rule refusing a command (422).
 */
export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  readonly issues: readonly EnvelopeIssue[];

  constructor(code: EnvelopeErrorCode, summary: string, issues: readonly EnvelopeIssue[] = []) {
    super(issues.length === 0 ? summary : `${summary}: ${formatIssues(issues)}`);
    this.name = 'EnvelopeError';
    this.code = code;
    this.issues = issues;
  }
}

function formatIssues(issues: readonly EnvelopeIssue[]): string {
  return issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ');
}

/** Flattens zod issues into dotted paths, prefixed so payload problems read `payload.x.y`. */
export function issuesFromZod(
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): EnvelopeIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
  }));
}
