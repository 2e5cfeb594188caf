import { Decimal } from 'decimal.js';

/*
 * Money crosses the API as decimal strings and is held in two exact forms: Postgres `numeric`
 * (cost lines, daily rollups, signal totals) and integer micro-units (the domain's Money). Every
 * conversion and division goes through decimal.js; a binary float never carries an amount.
 */

/** A private Decimal with enough precision for any numeric(24,6) sum and ratio. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

/** Fraction digits of an amount: micro-units, the domain's Money resolution. */
export const AMOUNT_SCALE = 6;

/**
 * A non-negative amount of at most 9 integer and 6 fraction digits ("0.1", "12.345678"). The
 * schema states it, so a negative, exponent or over-precise amount is a 400 naming the field.
 */
export const AMOUNT_PATTERN = /^(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?$/;

/** "12.34" → 12340000 micro-units, exactly. */
export function microsOf(amount: string): number {
  const micros = new D(amount).times(1_000_000);
  if (!micros.isInteger()) throw new RangeError(`${amount} has more than 6 fraction digits`);
  const value = micros.toNumber();
  if (!Number.isSafeInteger(value)) throw new RangeError(`${amount} is too large`);
  return value;
}

/** 12340000 micro-units → "12.34": the shortest exact decimal string. */
export function amountOfMicros(micros: number): string {
  return new D(micros).dividedBy(1_000_000).toFixed();
}

/** A numeric value as Postgres returns it ("12.340000") → "12.34". */
export function normalizeAmount(amount: string): string {
  return new D(amount).toFixed();
}

/** Exact sum of decimal strings. */
export function sumAmounts(amounts: readonly string[]): string {
  return amounts.reduce((sum, a) => sum.plus(a), new D(0)).toFixed();
}

/** A decimal amount as a number of currency units (anomaly settings only, never for sums). */
export function amountAsNumber(amount: string): number {
  return new D(amount).toNumber();
}

/**
 * Cost per token and per million tokens of a model, from its exact sum and token counts:
 * costPerToken rounded half-even to 12 decimals, per million to 6; null without tokens.
 */
export function tokenPrices(
  amount: string,
  tokens: number,
): { costPerToken: string | null; costPerMillionTokens: string | null } {
  if (tokens <= 0) return { costPerToken: null, costPerMillionTokens: null };
  const perToken = new D(amount).dividedBy(tokens);
  return {
    costPerToken: perToken.toDecimalPlaces(12).toFixed(),
    costPerMillionTokens: perToken.times(1_000_000).toDecimalPlaces(AMOUNT_SCALE).toFixed(),
  };
}
