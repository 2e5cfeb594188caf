import { DomainError } from '@obs/domain';
import { EnvelopeError } from '@obs/event-envelope';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyFailure } from './failure-kind.js';

const withCode = (code: string, message = 'failed'): Error =>
  Object.assign(new Error(message), { code });

describe('classifyFailure: only failures known to pass are retried', () => {
  it.each([
    ['a serialization failure', withCode('40001')],
    ['a deadlock', withCode('40P01')],
    ['a dropped connection (class 08)', withCode('08006')],
    ['an admin shutdown (class 57)', withCode('57P01')],
    ['too many connections (class 53)', withCode('53300')],
    [
      'a TypeORM-wrapped deadlock',
      Object.assign(new Error('q'), { driverError: withCode('40P01') }),
    ],
    ['a uniqueness clash with a concurrent writer', withCode('23505')],
    ['a refused socket', withCode('ECONNREFUSED')],
    [
      'fetch failed with a reset socket',
      new TypeError('fetch failed', { cause: withCode('ECONNRESET') }),
    ],
    ['pg losing its connection', new Error('Connection terminated unexpectedly')],
  ])('%s is transient', (_name, err) => {
    expect(classifyFailure(err)).toBe('transient');
  });

  it.each([
    ['a DomainError', new DomainError('incident.illegal_transition', 'no')],
    ['an envelope that fails its schema', new EnvelopeError('envelope.invalid_payload', 'bad')],
    ['a zod error', z.string().safeParse(1).error],
    ['a data exception', withCode('22003')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a thrown string', 'boom'],
  ])('%s is permanent', (_name, err) => {
    expect(classifyFailure(err)).toBe('permanent');
  });
});
