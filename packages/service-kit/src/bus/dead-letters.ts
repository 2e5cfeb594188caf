import { DLQ_HEADERS, dlqTopicFor } from '@obs/event-envelope';
import type { BusMessage, DeliveredMessage, EventBus } from './event-bus.js';

/** A record of a `<topic>.dlq` topic, read for an operator. */
export interface DeadLetter {
  /** The envelope's eventId, or undefined when the value is not an envelope (a poison record). */
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  readonly error: string;
  readonly attempts: number;
  /** The consumer group that gave up on it. */
  readonly consumer: string;
  /** `topic:partition:offset` it was read from. */
  readonly origin: string;
  /** How many times it was replayed before this dead-lettering. */
  readonly replays: number;
  readonly message: DeliveredMessage;
}

/** `orders` and `orders.dlq` both name the dead letters of `orders`. */
export function originTopicOf(topic: string): string {
  const suffix = dlqTopicFor('');
  return topic.endsWith(suffix) ? topic.slice(0, -suffix.length) : topic;
}

export function deadLetterOf(message: DeliveredMessage): DeadLetter {
  const envelope = parseObject(message.value);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    eventId: text(envelope?.eventId),
    eventType: text(envelope?.eventType),
    error: message.headers[DLQ_HEADERS.error] ?? '',
    attempts: Number(message.headers[DLQ_HEADERS.attempts] ?? 0),
    consumer: message.headers[DLQ_HEADERS.consumer] ?? '',
    origin: message.headers[DLQ_HEADERS.origin] ?? '',
    replays: Number(message.headers[DLQ_HEADERS.replays] ?? 0),
    message,
  };
}

/**
 * The record as its producer published it, back on the origin topic with the same key (so it
 * keeps its place in its aggregate's order from now on), without the dlq-* headers, and with the
 * replay counted. Every group on the topic receives it again; those that applied it already skip
 * it through their inbox, the one that gave up applies it.
 */
export function replayOf(letter: DeadLetter, originTopic: string): BusMessage {
  const headers = Object.fromEntries(
    Object.entries(letter.message.headers).filter(([name]) => !name.startsWith('dlq-')),
  );
  return {
    topic: originTopic,
    key: letter.message.key,
    value: letter.message.value,
    headers: { ...headers, [DLQ_HEADERS.replays]: String(letter.replays + 1) },
  };
}

export async function readDeadLetters(
  bus: EventBus,
  topic: string,
  limit: number,
): Promise<DeadLetter[]> {
  return (await bus.read(dlqTopicFor(originTopicOf(topic)), limit)).map(deadLetterOf);
}

/**
 * Replays the dead letters of a topic (one eventId, or all of them). Replaying twice is harmless:
 * consumers apply an eventId once.
 */
export async function replayDeadLetters(
  bus: EventBus,
  topic: string,
  select: { readonly eventId?: string; readonly limit: number },
): Promise<DeadLetter[]> {
  const origin = originTopicOf(topic);
  const letters = (await readDeadLetters(bus, origin, select.limit)).filter(
    (letter) => select.eventId === undefined || letter.eventId === select.eventId,
  );
  await bus.publish(letters.map((letter) => replayOf(letter, origin)));
  return letters;
}

function parseObject(value: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
