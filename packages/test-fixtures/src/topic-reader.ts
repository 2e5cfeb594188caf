import { parseEnvelope, type Envelope } from '@obs/event-envelope';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

/** Reads a topic from the beginning into memory, so a test can wait for a record to appear. */
export class TopicReader {
  readonly records: { envelope: Envelope; headers: Record<string, string> }[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async open(brokers: string, topic: string): Promise<TopicReader> {
    const kafka = new Kafka({
      clientId: 'e2e-reader',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `e2e-reader-${crypto.randomUUID()}` });
    const reader = new TopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        // parseEnvelope validates every record: an invalid envelope fails the test here.
        reader.records.push({
          envelope: parseEnvelope(JSON.parse(message.value?.toString() ?? 'null')),
          headers,
        });
        return Promise.resolve();
      },
    });
    return reader;
  }

  find(predicate: (envelope: Envelope) => boolean): Envelope | undefined {
    return this.records.find((r) => predicate(r.envelope))?.envelope;
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}
