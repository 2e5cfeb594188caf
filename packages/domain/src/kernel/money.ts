import { ensure } from './domain-error.js';

/**
 * Money is held in integer minor units (micro-units: 1e-6 of the currency) so sums are exact;
 * floating point sums of cost lines would break "total equals the sum of its breakdown".
 */
export const MICROS_PER_UNIT = 1_000_000;

export interface Money {
  readonly currency: string;
  readonly micros: number;
}

export function currency(value: string): string {
  ensure(
    /^[A-Z]{3}$/.test(value),
    'money.invalid_currency',
    'currency must be an ISO-4217 code such as USD',
    {
      value,
    },
  );
  return value;
}

export function money(amount: number, cur: string): Money {
  ensure(Number.isFinite(amount), 'money.invalid_amount', 'amount must be a finite number', {
    amount,
  });
  ensure(amount >= 0, 'cost.negative_amount', 'amounts must be ≥ 0', { amount });
  const micros = Math.round(amount * MICROS_PER_UNIT);
  ensure(Number.isSafeInteger(micros), 'money.invalid_amount', 'amount is too large', { amount });
  return { currency: currency(cur), micros };
}

export function moneyFromMicros(micros: number, cur: string): Money {
  ensure(
    Number.isSafeInteger(micros) && micros >= 0,
    'cost.negative_amount',
    'amounts must be ≥ 0',
    { micros },
  );
  return { currency: currency(cur), micros };
}

export function addMoney(a: Money, b: Money): Money {
  ensure(
    a.currency === b.currency,
    'money.currency_mismatch',
    'cannot add amounts in different currencies',
    {
      left: a.currency,
      right: b.currency,
    },
  );
  return { currency: a.currency, micros: a.micros + b.micros };
}

export function toAmount(m: Money): number {
  return m.micros / MICROS_PER_UNIT;
}
