/**
 * Every refusal of the domain is a DomainError with a stable, dotted `code`
 * (`incident.root_cause_required`). The code is the contract: messages may change, codes may not.
 * No HTTP status lives here; the service kit maps codes to responses.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** Throws `DomainError(code)` unless the condition holds. */
export function ensure(
  condition: boolean,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): asserts condition {
  if (!condition) throw new DomainError(code, message, details);
}
