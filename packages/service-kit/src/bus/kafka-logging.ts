import { logLevel, type logCreator } from 'kafkajs';
import type { BusLogger } from './bus-logger.js';

/**
 * We bound the idempotent producer's retries on purpose and replace the producer after a failed
 * publish (see KafkaEventBus.publish), which is what keeps sequence numbers valid; kafkajs cannot
 * know that and warns on every connect.
 */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * Routes kafkajs's WARN and ERROR entries to the service's logger; INFO and DEBUG are join/leave
 * chatter that would drown the service's own logs.
 */
export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...details } = log;
      const context = { component: 'kafkajs', namespace, ...details };
      if (level === logLevel.ERROR) {
        logger.error(context, message);
      } else if (level === logLevel.WARN) {
        if (EXPECTED_WARNINGS.some((expected) => message.startsWith(expected))) return;
        logger.warn(context, message);
      }
    };
}
