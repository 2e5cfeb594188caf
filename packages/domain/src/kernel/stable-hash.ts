/**
 * Deterministic identities for aggregates that are pure functions of their scope (QualityScore per
 * project+window, CostSignal per project+period): recomputing must land on the same id so the
 * repository upserts instead of duplicating. node:crypto is off limits in the domain, so this is
 * FNV-1a (128-bit) over UTF-8: stable across runtimes and languages, not a security primitive.
 */
const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV128_PRIME = 0x0000000001000000000000000000013bn;
const MASK_128 = (1n << 128n) - 1n;
const encoder = new TextEncoder();

/** FNV-1a 128-bit of the UTF-8 bytes of `text`, as 32 lowercase hex characters. */
export function fnv1a128(text: string): string {
  let hash = FNV128_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV128_PRIME) & MASK_128;
  }
  return hash.toString(16).padStart(32, '0');
}

/**
 * `<prefix>_<hash>` over the parts. Each part is length-prefixed so ('ab','c') and ('a','bc')
 * cannot collide by concatenation.
 */
export function stableId(prefix: string, parts: readonly string[]): string {
  return `${prefix}_${fnv1a128(parts.map((part) => `${part.length}:${part}`).join('|'))}`;
}
