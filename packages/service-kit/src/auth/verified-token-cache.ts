/**
 * Tokens already verified, with what they resolved to. An entry lives until the token expires,
 * and never longer than `maxAgeMs`, so a key removed from a JWKS stops working within that time.
 * Bounded: at `maxEntries` the oldest entry goes (a Map iterates in insertion order).
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { readonly value: T; readonly until: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  get(token: string, now: number): T | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.value;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, value: T, expiresAt: number | undefined, now: number): void {
    const until = Math.min(expiresAt ?? Number.POSITIVE_INFINITY, now + this.maxAgeMs);
    if (until <= now) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, until });
  }
}
