import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator } from './kafka-logging.js';

function capture() {
  const lines: { level: 'warn' | 'error'; message: string }[] = [];
  const log = kafkaLogCreator({
    warn: (_obj, message) => lines.push({ level: 'warn', message }),
    error: (_obj, message) => lines.push({ level: 'error', message }),
  })(logLevel.INFO);
  const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) =>
    log({ namespace: 'test', level, label: '', log: { message, timestamp: '', ...extra } });
  return { lines, entry };
}

describe('kafkaLogCreator', () => {
  it('logs a broker that is still warming up at warn, not error', () => {
    const { lines, entry } = capture();
    entry(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', {
      error: 'The group coordinator is not available',
    });
    entry(
      logLevel.ERROR,
      '[Connection] There is no leader for this topic-partition as we are in the middle of a leadership election',
    );
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn']);
  });

  it('keeps other errors at error, and drops info chatter', () => {
    const { lines, entry } = capture();
    entry(logLevel.ERROR, 'Connection timeout', { error: 'SASL authentication failed' });
    entry(logLevel.INFO, 'Consumer has joined the group');
    expect(lines).toEqual([{ level: 'error', message: 'Connection timeout' }]);
  });
});
