/**
 * The event bus port. Two adapters implement it and pass one contract suite: Kafka (kafkajs) for
 * production and multi-process runs, and an event log in PostgreSQL for `pnpm start` on a machine
 * with nothing installed. Everything above this port is broker-agnostic.
 */
export interface BusMessage {
  readonly topic: string;
  /** Partitioning key: the aggregate id, so events of one aggregate stay in order. */
  readonly key: string;
  /** The canonical envelope serialised as JSON. */
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeliveredMessage extends BusMessage {
  /** Position within the topic (partition-local for Kafka), as a decimal string. */
  readonly offset: string;
  readonly partition: number;
}

/**
 * Handles one message. Resolving commits the message's position for the group; rejecting leaves
 * it uncommitted, and the adapter redelivers it (the consumer runner adds retries and the DLQ).
 */
export type MessageHandler = (message: DeliveredMessage) => Promise<void>;

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Start from the earliest retained message when the group has no committed position. */
  readonly fromBeginning?: boolean;
}

export interface Subscription {
  /** Stops fetching, lets the in-flight handler finish, and leaves the group. */
  stop(): Promise<void>;
}

export interface EventBus {
  readonly kind: 'kafka' | 'postgres';
  /** Creates the topics if they are missing (idempotent). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Publishes in order; resolves once the broker acknowledged every message (acks=all). */
  publish(messages: readonly BusMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions, handler: MessageHandler): Promise<Subscription>;
  /**
   * Up to `limit` messages of a topic from its oldest retained one, ordered by partition then
   * offset, without a consumer group's position being kept or moved: an operator's read (the
   * dead-letter CLI), never a service's way to consume.
   */
  read(topic: string, limit: number): Promise<DeliveredMessage[]>;
  /** True when the broker answers; used by /readyz. */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
}
