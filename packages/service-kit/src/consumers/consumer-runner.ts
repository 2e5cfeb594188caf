import {
  DLQ_HEADERS,
  HEADERS,
  dlqTopicFor,
  latestVersionOf,
  parseEnvelope,
  type Envelope,
  type EventType,
} from '@obs/event-envelope';
import type { Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { DeliveredMessage, EventBus, Subscription } from '../bus/event-bus.js';
import { quoteIdent } from '../db/data-source.js';
import type { EventOrigin, Transaction, UnitOfWork } from '../db/unit-of-work.js';
import { startConsumerSpan } from '../telemetry.js';
import { classifyFailure } from './failure-kind.js';

/**
 * Where a new consumer group starts: `earliest` replays what the topic retains (a consumer whose
 * state is built from history), `latest` takes only what is published from now on (a reaction
 * that would be wrong, or harmful, for old events). Every consumer states its choice and why.
 */
export type StartPosition = 'earliest' | 'latest';

/** A consumer of one or more event types. Its effect and the inbox row commit together. */
export interface ConsumerDefinition {
  /** Stable name: the inbox key and (prefixed with the service) the consumer group. */
  readonly name: string;
  readonly topics: readonly string[];
  /** The types it handles; any other type on its topics is skipped (counted, never dead-lettered). */
  readonly eventTypes: readonly EventType[];
  /**
   * The versions it handles per type; default the latest registered one. Another version is
   * skipped and counted, so a producer moving to v2 first never fills this consumer's DLQ.
   */
  readonly eventVersions?: Partial<Record<EventType, readonly number[]>>;
  readonly startFrom: StartPosition;
  handle(envelope: Envelope, tx: Transaction): Promise<void>;
}

/** What a runner did since it started; skipped = types or versions it does not handle. */
export interface ConsumerStats {
  applied: number;
  duplicates: number;
  skipped: number;
  retried: number;
  deadLettered: number;
}

export interface ConsumerRunnerOptions {
  readonly service: string;
  readonly schema: string;
  readonly bus: EventBus;
  readonly uow: UnitOfWork;
  readonly logger: Logger;
  readonly maxAttempts?: number;
  readonly baseBackoffMs?: number;
}

/**
 * Runs a consumer with exactly-once effect over at-least-once delivery: the inbox row
 * (consumer, eventId) is inserted in the same transaction as the handler's writes, so a
 * redelivered event finds its row and is skipped. Transient failures retry with exponential
 * backoff; a permanent one, or the `maxAttempts`-th transient one, sends the message to
 * `<topic>.dlq` with the error in headers, and the group moves on.
 */
export class ConsumerRunner {
  private subscription: Subscription | undefined;
  private readonly inbox: string;
  private readonly handled: ReadonlyMap<string, readonly number[]>;
  readonly stats: ConsumerStats = {
    applied: 0,
    duplicates: 0,
    skipped: 0,
    retried: 0,
    deadLettered: 0,
  };

  constructor(
    private readonly consumer: ConsumerDefinition,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.inbox = `${quoteIdent(options.schema)}.inbox`;
    this.handled = new Map(
      consumer.eventTypes.map((type) => [
        type,
        consumer.eventVersions?.[type] ?? [latestVersionOf(type)],
      ]),
    );
  }

  get name(): string {
    return this.consumer.name;
  }

  get groupId(): string {
    return `${this.options.service}.${this.consumer.name}`;
  }

  async start(): Promise<void> {
    const topics = [...this.consumer.topics];
    await this.options.bus.ensureTopics([...topics, ...topics.map(dlqTopicFor)]);
    this.subscription = await this.options.bus.subscribe(
      { groupId: this.groupId, topics, fromBeginning: this.consumer.startFrom === 'earliest' },
      (message) => this.onMessage(message),
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** Whether the headers name a type and version this consumer handles (undefined: no headers). */
  private handles(
    eventType: string | undefined,
    eventVersion: string | undefined,
  ): boolean | undefined {
    if (eventType === undefined) return undefined;
    const versions = this.handled.get(eventType);
    if (versions === undefined) return false;
    return eventVersion === undefined || versions.includes(Number(eventVersion));
  }

  private countSkipped(message: DeliveredMessage, eventType: string | undefined): void {
    this.stats.skipped += 1;
    this.options.logger.debug(
      { consumer: this.consumer.name, topic: message.topic, offset: message.offset, eventType },
      'event type or version not handled: skipped',
    );
  }

  private async onMessage(message: DeliveredMessage): Promise<void> {
    // Filter on the headers before parsing: a type this consumer does not handle (a new event on a
    // shared topic, a version it does not know yet) is none of its business, not a poison message.
    const headerType = message.headers[HEADERS.eventType];
    if (this.handles(headerType, message.headers[HEADERS.eventVersion]) === false) {
      this.countSkipped(message, headerType);
      return;
    }
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(JSON.parse(message.value) as unknown);
    } catch (err) {
      // Malformed input never becomes valid by retrying: dead-letter it at once.
      await this.deadLetter(message, err, 1);
      return;
    }
    if (!this.handles(envelope.eventType, String(envelope.eventVersion))) {
      this.countSkipped(message, envelope.eventType);
      return;
    }

    const { span, context } = startConsumerSpan(`consume ${envelope.eventType}`, message.headers);
    const maxAttempts = this.options.maxAttempts ?? 5;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const applied = await this.applyOnce(envelope, context);
          if (applied) this.stats.applied += 1;
          else this.stats.duplicates += 1;
          return;
        } catch (err) {
          // Only a failure known to pass is retried; a DomainError or a bad payload would fail the
          // same way N times while holding up every later event of its partition.
          if (attempt >= maxAttempts || classifyFailure(err) === 'permanent') {
            recordFailure(span, err);
            await this.deadLetter(message, err, attempt);
            return;
          }
          this.stats.retried += 1;
          this.options.logger.warn(
            {
              consumer: this.consumer.name,
              eventId: envelope.eventId,
              attempt,
              err: messageOf(err),
            },
            'consumer attempt failed with a transient error; retrying',
          );
          await delay((this.options.baseBackoffMs ?? 100) * 2 ** (attempt - 1));
        }
      }
    } finally {
      span.end();
    }
  }

  /** Applies the event with its inbox row; false when the inbox shows it was applied before. */
  private async applyOnce(envelope: Envelope, context: EventOrigin['context']): Promise<boolean> {
    return this.options.uow.run(
      { context, correlationId: envelope.correlationId, causationId: envelope.eventId },
      async (tx) => {
        const inserted: unknown[] = await tx.manager.query(
          `INSERT INTO ${this.inbox} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.consumer.name, envelope.eventId],
        );
        if (inserted.length === 0) return false; // already applied: a redelivery
        await this.consumer.handle(envelope, tx);
        return true;
      },
    );
  }

  private async deadLetter(
    message: DeliveredMessage,
    err: unknown,
    attempts: number,
  ): Promise<void> {
    this.stats.deadLettered += 1;
    this.options.logger.error(
      {
        consumer: this.consumer.name,
        topic: message.topic,
        offset: message.offset,
        err: messageOf(err),
      },
      'message dead-lettered',
    );
    await this.options.bus.publish([
      {
        topic: dlqTopicFor(message.topic),
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [DLQ_HEADERS.error]: messageOf(err).slice(0, 1000),
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.consumer]: this.groupId,
          [DLQ_HEADERS.origin]: `${message.topic}:${message.partition}:${message.offset}`,
        },
      },
    ]);
  }
}

function recordFailure(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(err) });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
