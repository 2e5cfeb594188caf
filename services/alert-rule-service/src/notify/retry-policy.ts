/**
 * When to try a notification again. Exponential backoff with jitter ("equal jitter": half the
 * delay fixed, half random, so retries of many notifications spread out but never come early),
 * capped; a Retry-After answer is honoured as given (capped the same way).
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (attempts >= 1). */
export function backoffMs(policy: RetryPolicy, attempts: number, random: () => number): number {
  const exponential = Math.min(
    policy.backoffMaxMs,
    policy.backoffBaseMs * 2 ** Math.min(attempts - 1, 30),
  );
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** Retry-After (delay-seconds or an HTTP-date) in ms from `now`, or undefined when absent or bad. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A 4xx other than 408 (timeout) and 429 (rate limited) will not change by retrying. */
export function isFinalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
