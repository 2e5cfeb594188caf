import { logLevel, type logCreator } from 'kafkajs';
import type { BusLogger } from './bus-logger.js';

/**
 * We bound the idempotent producer's retries on purpose and replace the producer after a failed
 * publish (see KafkaEventBus.publish), which is what keeps sequence numbers valid; kafkajs cannot
 * know that and warns on every connect.
 */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * Conditions of a broker that is still starting, or of a group that is (re)balancing: kafkajs logs
 * them at ERROR and then retries by itself. A user reads an error line as a failure, so they are
 * warnings here; a real failure still surfaces as the error of the call that gave up.
 */
const RETRIABLE_WHILE_WARMING_UP = [
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'The coordinator is loading and hence can',
  'There is no leader for this topic-partition',
  'This server does not host this topic-partition',
  'The group is rebalancing',
  'Leader not available',
];

function isWarmingUp(message: string, details: Record<string, unknown>): boolean {
  const text = `${message} ${typeof details.error === 'string' ? details.error : ''}`;
  return RETRIABLE_WHILE_WARMING_UP.some((known) => text.includes(known));
}

/**
 * Routes kafkajs's WARN and ERROR entries to the service's logger; INFO and DEBUG are join/leave
 * chatter that would drown the service's own logs.
 */
export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...details } = log;
      const context = { component: 'kafkajs', namespace, ...details };
      if (level === logLevel.ERROR && !isWarmingUp(message, details)) {
        logger.error(context, message);
      } else if (level === logLevel.ERROR) {
        logger.warn(context, message);
      } else if (level === logLevel.WARN) {
        if (EXPECTED_WARNINGS.some((expected) => message.startsWith(expected))) return;
        logger.warn(context, message);
      }
    };
}
