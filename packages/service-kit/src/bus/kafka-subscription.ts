import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import type { BusLogger } from './bus-logger.js';
import type { MessageHandler, SubscribeOptions, Subscription } from './event-bus.js';
import { toDeliveredMessage } from './kafka-messages.js';

export interface KafkaSubscriptionSettings {
  /** How long a partition rests after a handler rejection before the message is redelivered. */
  readonly redeliveryDelayMs: number;
  readonly logger: BusLogger;
}

/**
 * One consumer-group member. Offsets are committed explicitly, one message at a time, only after the
 * handler resolved (autoCommit off), so nothing is ever committed past an unhandled message. A
 * rejection pauses the partition and seeks back to the failed offset: the same message comes back
 * after a short rest, and the messages behind it wait, which keeps per-partition (per-key) order.
 */
export class KafkaSubscription implements Subscription {
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | undefined;
  /** The message being handled and committed, which stop() lets finish. */
  private inFlight: Promise<void> | undefined;

  private constructor(
    private readonly consumer: Consumer,
    private readonly topics: readonly string[],
    private readonly handler: MessageHandler,
    private readonly settings: KafkaSubscriptionSettings,
    private readonly onStopped: (subscription: KafkaSubscription) => void,
  ) {}

  static async start(
    kafka: Kafka,
    options: SubscribeOptions,
    handler: MessageHandler,
    settings: KafkaSubscriptionSettings,
    onStopped: (subscription: KafkaSubscription) => void,
  ): Promise<KafkaSubscription> {
    const consumer = kafka.consumer({
      groupId: options.groupId,
      // A consumer must not create topics with broker defaults; ensureTopics owns their shape.
      allowAutoTopicCreation: false,
      // Bounds how long stop() waits for an idle long-poll; delivery latency is unaffected.
      maxWaitTimeInMs: 500,
      // A crashed member is evicted after 10 s instead of kafkajs's 30 s, so its partitions move
      // to a healthy member sooner; heartbeats every second keep live members well inside it.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    const subscription = new KafkaSubscription(
      consumer,
      options.topics,
      handler,
      settings,
      onStopped,
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      settings.logger.error(
        { groupId: options.groupId, err: payload.error, restart: payload.restart },
        'kafka consumer crashed',
      );
    });
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: [...options.topics],
        fromBeginning: options.fromBeginning ?? false,
      });
      await consumer.run({
        autoCommit: false,
        eachMessage: (payload) => subscription.onMessage(payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return subscription;
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async onMessage(payload: EachMessagePayload): Promise<void> {
    // Once stopping, leave the rest uncommitted: whoever takes the partition over starts there.
    if (this.stopping) return;
    const work = this.handle(payload);
    this.inFlight = work;
    try {
      await work;
    } finally {
      if (this.inFlight === work) this.inFlight = undefined;
    }
  }

  private async handle(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    try {
      await this.handler(toDeliveredMessage(topic, partition, message));
    } catch (error) {
      this.redeliverLater(payload, error);
      return;
    }
    // Kafka's committed offset is the NEXT offset to read. If this commit fails (a rebalance), the
    // error propagates and the message is delivered again: at-least-once, never skipped.
    const next = (BigInt(message.offset) + 1n).toString();
    await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
  }

  private redeliverLater(payload: EachMessagePayload, error: unknown): void {
    const { topic, partition } = payload;
    const { offset } = payload.message;
    this.settings.logger.warn(
      { topic, partition, offset, err: error },
      'event handler rejected; message will be redelivered',
    );
    if (this.stopping) return; // nothing committed, so the next member starts at this message
    // Pausing makes kafkajs abandon the rest of the fetched batch for this partition; the seek
    // rewinds the fetch position (with autoCommit off, kafkajs seeks locally, committing nothing).
    const resume = payload.pause();
    this.consumer.seek({ topic, partition, offset });
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, this.settings.redeliveryDelayMs);
    this.resumeTimers.add(timer);
  }

  private async shutdown(): Promise<void> {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    try {
      // kafkajs silently drops commits once its runner is stopping, so the in-flight handler must
      // finish and commit BEFORE disconnect(); pausing first keeps new messages from starting.
      this.pauseAll();
      await this.inFlight?.catch(() => undefined);
      // Leaving the group (inside disconnect) reassigns the partitions at once instead of after a
      // session timeout.
      await this.consumer.disconnect();
    } finally {
      this.onStopped(this);
    }
  }

  private pauseAll(): void {
    try {
      this.consumer.pause(this.topics.map((topic) => ({ topic })));
    } catch {
      // The runner never started (nothing to pause).
    }
  }
}
