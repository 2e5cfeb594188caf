import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type KafkaConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { silentBusLogger, type BusLogger } from './bus-logger.js';
import type {
  BusMessage,
  DeliveredMessage,
  EventBus,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './event-bus.js';
import { LazyClient } from './kafka-lazy-client.js';
import { describeKafkaConnectError } from './kafka-security.js';
import { kafkaLogCreator } from './kafka-logging.js';
import { toTopicMessages } from './kafka-messages.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { readKafkaTopic } from './kafka-topic-reader.js';

export interface KafkaEventBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** kafkajs WARN/ERROR go here; without a logger kafkajs is silenced entirely. */
  readonly logger?: BusLogger;
  /** Partitions for topics that ensureTopics creates (default 3). */
  readonly numPartitions?: number;
  /** Rest before a rejected message is redelivered (default 500 ms). */
  readonly redeliveryDelayMs?: number;
  /** isReachable answers false after this long (default 2000 ms). */
  readonly reachabilityTimeoutMs?: number;
  /** Attempts per publish before it rejects (default 6, roughly 20 s of backoff). */
  readonly publishRetries?: number;
  /** For managed brokers (Azure Event Hubs needs TLS and SASL PLAIN). */
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: SASLOptions;
}

/** The Kafka adapter of the event bus port (kafkajs; see docs/design.md#event-bus). */
export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: LazyClient<Producer>;
  private readonly admin: LazyClient<Admin>;
  /** Separate client with no retries, so a health probe fails fast instead of backing off. */
  private readonly probe: LazyClient<Admin>;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly logger: BusLogger;
  private publishing: Promise<void> = Promise.resolve();

  constructor(private readonly options: KafkaEventBusOptions) {
    this.logger = options.logger ?? silentBusLogger;
    const base: KafkaConfig = {
      clientId: options.clientId,
      brokers: [...options.brokers],
      ssl: options.ssl,
      sasl: options.sasl,
      connectionTimeout: 3000,
      logLevel: options.logger ? logLevel.WARN : logLevel.NOTHING,
      logCreator: options.logger ? kafkaLogCreator(options.logger) : undefined,
    };
    this.kafka = new Kafka(base);
    const timeout = options.reachabilityTimeoutMs ?? 2000;
    const probeKafka = new Kafka({
      ...base,
      connectionTimeout: timeout,
      requestTimeout: timeout,
      retry: { retries: 0 },
    });
    this.producer = new LazyClient(() =>
      this.kafka.producer({
        idempotent: true,
        // One request in flight: kafkajs does not re-sequence in-flight batches after a retry the
        // way the Java client does, so more could reorder a partition. The relay is sequential.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Murmur2, the Java client's partitioner: Java/.NET consumers agree on key → partition.
        createPartitioner: Partitioners.DefaultPartitioner,
        // Bounded, unlike kafkajs's idempotent default (infinite): a publish must fail eventually
        // so the relay can report it; publish() then replaces the producer (see below).
        retry: { retries: options.publishRetries ?? 6 },
      }),
    );
    this.admin = new LazyClient(() => this.kafka.admin());
    this.probe = new LazyClient(() => probeKafka.admin({ retry: { retries: 0 } }));
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set(topics)];
    if (wanted.length === 0) return;
    let existing: Set<string>;
    let admin: Admin;
    try {
      admin = await this.admin.get();
      existing = new Set(await admin.listTopics());
    } catch (error) {
      // The first call a service makes at start: a refused login or TLS failure is named here.
      throw describeKafkaConnectError(error, this.options);
    }
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    const { brokers } = await admin.describeCluster();
    // Three copies where the cluster has them; a local single broker can only hold one.
    const replicationFactor = Math.min(3, brokers.length);
    // A concurrent creator may win the race; kafkajs then resolves false instead of throwing.
    // Its own waitForLeaders retries only LEADER_NOT_AVAILABLE, and a topic still being created
    // (by us or by that other creator) can answer UNKNOWN_TOPIC_OR_PARTITION: so we wait here.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: this.options.numPartitions ?? 3,
        replicationFactor,
      })),
    });
    await waitForLeaders(admin, missing);
  }

  /**
   * Calls are serialised so that two publishes never interleave, and so a producer replaced after
   * a failure is never shared with a send still in flight.
   */
  publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const sending = this.publishing.then(() => this.send(messages));
    this.publishing = sending.catch(() => undefined);
    return sending;
  }

  async subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    const subscription = await KafkaSubscription.start(
      this.kafka,
      options,
      handler,
      { redeliveryDelayMs: this.options.redeliveryDelayMs ?? 500, logger: this.logger },
      (stopped) => this.subscriptions.delete(stopped),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async read(topic: string, limit: number): Promise<DeliveredMessage[]> {
    return readKafkaTopic(this.kafka, await this.admin.get(), topic, limit);
  }

  async isReachable(): Promise<boolean> {
    const timeoutMs = this.options.reachabilityTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('kafka probe timed out')), timeoutMs);
    });
    try {
      await Promise.race([this.probe.get().then((admin) => admin.describeCluster()), timedOut]);
      return true;
    } catch {
      void this.probe.reset(); // reconnect on the next probe; don't wait for a dead socket
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.publishing;
    await Promise.all([this.producer.reset(), this.admin.reset(), this.probe.reset()]);
  }

  private async send(messages: readonly BusMessage[]): Promise<void> {
    const producer = await this.producer.get();
    try {
      await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(messages) });
    } catch (error) {
      // After giving up, kafkajs rolls its sequence numbers back although the broker may have
      // written the batch; reusing them could make the broker drop the NEXT batch as a duplicate.
      // A fresh producer gets a new producer id, so the caller's retry is a plain duplicate at
      // worst, which consumers absorb through their inbox.
      await this.producer.reset();
      throw error;
    }
  }
}

/** Errors a broker answers about a topic that exists, or is about to, but has no leader yet. */
const NOT_YET = new Set(['LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION']);

/** Resolves once every partition of the topics has a leader, within 30 s. */
async function waitForLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const led = found.every(
        (topic) =>
          topic.partitions.length > 0 &&
          topic.partitions.every((partition) => partition.leader >= 0),
      );
      if (led && found.length === topics.length) return;
    } catch (error) {
      if (!NOT_YET.has((error as { type?: string }).type ?? '')) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Kafka topics have no leader after 30 s: ${topics.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
