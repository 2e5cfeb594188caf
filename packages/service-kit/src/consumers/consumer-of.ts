import { topicFor, type Envelope, type EventType } from '@obs/event-envelope';
import type { Transaction } from '../db/unit-of-work.js';
import type { ConsumerDefinition, StartPosition } from './consumer-runner.js';

/** One handler per event type, each given its own envelope type (no hand-written guard); what a handler returns is not read. */
export type EventHandlers = {
  readonly [T in EventType]?: (envelope: Envelope<T>, tx: Transaction) => Promise<unknown>;
};

export interface ConsumerOptions {
  /** Where a new group starts, and the comment at the call says why. */
  readonly startFrom: StartPosition;
  readonly on: EventHandlers;
  readonly eventVersions?: ConsumerDefinition['eventVersions'];
}

/**
 * A consumer declared by the events it handles: the topics and event types derive from `on`, and
 * each handler sees its envelope narrowed to its type. The runner skips every other type on those
 * topics (counted, never dead-lettered), so a handler never needs to check the type itself.
 */
export function consumerOf(name: string, options: ConsumerOptions): ConsumerDefinition {
  const eventTypes = Object.keys(options.on) as EventType[];
  if (eventTypes.length === 0) throw new Error(`consumer ${name} handles no event type`);
  const handlers = options.on as Readonly<
    Record<string, (envelope: Envelope, tx: Transaction) => Promise<unknown>>
  >;
  return {
    name,
    topics: [...new Set(eventTypes.map(topicFor))],
    eventTypes,
    ...(options.eventVersions ? { eventVersions: options.eventVersions } : {}),
    startFrom: options.startFrom,
    async handle(envelope, tx) {
      await handlers[envelope.eventType]?.(envelope, tx);
    },
  };
}
