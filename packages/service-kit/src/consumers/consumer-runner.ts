import { DLQ_HEADERS, parseEnvelope, dlqTopicFor, type Envelope } from '@obs/event-envelope';
import type { Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { DeliveredMessage, EventBus, Subscription } from '../bus/event-bus.js';
import { quoteIdent } from '../db/data-source.js';
import type { EventOrigin, Transaction, UnitOfWork } from '../db/unit-of-work.js';
import { startConsumerSpan } from '../telemetry.js';

/** A consumer of one or more event types. Its effect and the inbox row commit together. */
export interface ConsumerDefinition {
  /** Stable name: the inbox key and (prefixed with the service) the consumer group. */
  readonly name: string;
  readonly topics: readonly string[];
  readonly eventTypes: readonly string[];
  handle(envelope: Envelope, tx: Transaction): Promise<void>;
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
 * redelivered event finds its row and is skipped. Failures retry with exponential backoff; after
 * `maxAttempts` the message goes to `<topic>.dlq` with the error in headers and the group moves on.
 */
export class ConsumerRunner {
  private subscription: Subscription | undefined;
  private readonly inbox: string;

  constructor(
    private readonly consumer: ConsumerDefinition,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.inbox = `${quoteIdent(options.schema)}.inbox`;
  }

  get groupId(): string {
    return `${this.options.service}.${this.consumer.name}`;
  }

  async start(): Promise<void> {
    const topics = [...this.consumer.topics];
    await this.options.bus.ensureTopics([...topics, ...topics.map(dlqTopicFor)]);
    this.subscription = await this.options.bus.subscribe(
      { groupId: this.groupId, topics, fromBeginning: true },
      (message) => this.onMessage(message),
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  private async onMessage(message: DeliveredMessage): Promise<void> {
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(JSON.parse(message.value) as unknown);
    } catch (err) {
      // Malformed input never becomes valid by retrying: dead-letter it at once.
      await this.deadLetter(message, err, 1);
      return;
    }
    if (!this.consumer.eventTypes.includes(envelope.eventType)) return;

    const { span, context } = startConsumerSpan(`consume ${envelope.eventType}`, message.headers);
    const maxAttempts = this.options.maxAttempts ?? 5;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.applyOnce(envelope, context);
          return;
        } catch (err) {
          if (attempt >= maxAttempts) {
            recordFailure(span, err);
            await this.deadLetter(message, err, attempt);
            return;
          }
          this.options.logger.warn(
            {
              consumer: this.consumer.name,
              eventId: envelope.eventId,
              attempt,
              err: messageOf(err),
            },
            'consumer attempt failed',
          );
          await delay((this.options.baseBackoffMs ?? 100) * 2 ** (attempt - 1));
        }
      }
    } finally {
      span.end();
    }
  }

  private async applyOnce(envelope: Envelope, context: EventOrigin['context']): Promise<void> {
    await this.options.uow.run(
      { context, correlationId: envelope.correlationId, causationId: envelope.eventId },
      async (tx) => {
        const inserted: unknown[] = await tx.manager.query(
          `INSERT INTO ${this.inbox} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.consumer.name, envelope.eventId],
        );
        if (inserted.length === 0) return; // already applied: a redelivery
        await this.consumer.handle(envelope, tx);
      },
    );
  }

  private async deadLetter(
    message: DeliveredMessage,
    err: unknown,
    attempts: number,
  ): Promise<void> {
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
