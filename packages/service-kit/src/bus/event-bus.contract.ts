import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  BusMessage,
  DeliveredMessage,
  EventBus,
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './event-bus.js';

export interface EventBusContractFactory {
  /** A connected adapter; the suite closes it when done. */
  create(): Promise<EventBus>;
  /** The same adapter aimed at an address where nothing listens. */
  createUnreachable(): EventBus;
}

interface Payload {
  readonly key: string;
  readonly seq: number;
}

const WAIT_MS = 45_000;

/** Polls instead of sleeping a fixed time: fast when things work, bounded when they don't. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function unique(label: string): string {
  return `contract.${label}.${randomUUID().slice(0, 8)}`;
}

function messages(topic: string, seqs: readonly number[], keyCount: number): BusMessage[] {
  return seqs.map((seq) => {
    const key = `key-${seq % keyCount}`;
    return {
      topic,
      key,
      value: JSON.stringify({ key, seq }),
      headers: { 'event-type': 'ContractChecked', seq: String(seq) },
    };
  });
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function payload(message: DeliveredMessage): Payload {
  return JSON.parse(message.value) as Payload;
}

/** seqs seen per key, in arrival order. */
function byKey(received: readonly DeliveredMessage[]): Map<string, number[]> {
  const result = new Map<string, number[]>();
  for (const message of received) {
    const { key, seq } = payload(message);
    result.set(key, [...(result.get(key) ?? []), seq]);
  }
  return result;
}

function expectedByKey(seqs: readonly number[], keyCount: number): Map<string, number[]> {
  return byKey(
    messages('unused', seqs, keyCount).map((m) => ({ ...m, offset: '0', partition: 0 })),
  );
}

/**
 * The behaviour every EventBus adapter must show, run against real infrastructure. Exactly-once
 * EFFECTS are not the bus's promise: it delivers at least once, and the consumer runner's inbox
 * (keyed by consumer and eventId) turns redeliveries into no-ops; that is tested with the runner.
 */
export function describeEventBusContract(name: string, factory: EventBusContractFactory): void {
  describe(`event bus contract: ${name}`, () => {
    let bus: EventBus;
    const open: Subscription[] = [];

    beforeAll(async () => {
      bus = await factory.create();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((subscription) => subscription.stop()));
    });
    afterAll(async () => {
      await bus.close();
    });

    async function subscribe(
      options: SubscribeOptions,
      handler: MessageHandler,
    ): Promise<Subscription> {
      const subscription = await bus.subscribe(options, handler);
      open.push(subscription);
      return subscription;
    }

    async function newTopic(label: string): Promise<string> {
      const topic = unique(label);
      await bus.ensureTopics([topic]);
      return topic;
    }

    it('reports the broker reachable, and an address with no broker unreachable', async () => {
      expect(await bus.isReachable()).toBe(true);
      const nowhere = factory.createUnreachable();
      try {
        const started = Date.now();
        expect(await nowhere.isReachable()).toBe(false);
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await nowhere.close();
      }
    });

    it('creates topics idempotently', async () => {
      const topic = unique('ensure');
      await bus.ensureTopics([topic, topic]);
      await bus.ensureTopics([topic]);
      await bus.ensureTopics([topic, unique('ensure-other')]);
      await bus.ensureTopics([]);
      await bus.publish([]);

      const received: DeliveredMessage[] = [];
      await subscribe({ groupId: unique('group'), topics: [topic], fromBeginning: true }, (m) => {
        received.push(m);
        return Promise.resolve();
      });
      await bus.publish(messages(topic, [0], 1));
      await waitFor('one message', () => received.length === 1);
    });

    it('a new group starting at latest sees only what is published after it joined', async () => {
      const topic = await newTopic('latest');
      await bus.publish(messages(topic, [0], 1));
      const received: DeliveredMessage[] = [];
      await subscribe({ groupId: unique('group'), topics: [topic], fromBeginning: false }, (m) => {
        received.push(m);
        return Promise.resolve();
      });
      // The join completes asynchronously: probe until the group receives something.
      for (let seq = 1; received.length === 0; seq += 1) {
        if (seq > 90) throw new Error('the latest-starting group never received a probe');
        await bus.publish(messages(topic, [seq], 1));
        await sleep(500);
      }
      expect(received.map((m) => payload(m).seq)).not.toContain(0);
    });

    it('read() answers a topic from its oldest message without moving any group', async () => {
      const topic = await newTopic('read');
      expect(await bus.read(topic, 10)).toEqual([]);
      await bus.publish(messages(topic, range(0, 12), 4));
      const all = await bus.read(topic, 100);
      expect(all).toHaveLength(12);
      expect(byKey(all)).toEqual(expectedByKey(range(0, 12), 4));
      expect(all.find((m) => payload(m).seq === 5)).toMatchObject({
        topic,
        key: 'key-1',
        headers: { 'event-type': 'ContractChecked', seq: '5' },
      });
      expect(await bus.read(topic, 5)).toHaveLength(5);
      // A group joining afterwards from the beginning still receives everything.
      const received: DeliveredMessage[] = [];
      await subscribe({ groupId: unique('group'), topics: [topic], fromBeginning: true }, (m) => {
        received.push(m);
        return Promise.resolve();
      });
      await waitFor('12 messages', () => received.length >= 12);
    });

    it('delivers each key in publish order, with key, value and headers intact', async () => {
      const topic = await newTopic('order');
      const sent = messages(topic, range(0, 50), 3);
      for (let i = 0; i < sent.length; i += 10) await bus.publish(sent.slice(i, i + 10));

      const received: DeliveredMessage[] = [];
      await subscribe({ groupId: unique('group'), topics: [topic], fromBeginning: true }, (m) => {
        received.push(m);
        return Promise.resolve();
      });
      await waitFor('50 messages', () => received.length >= 50);

      expect(received).toHaveLength(50);
      expect(byKey(received)).toEqual(expectedByKey(range(0, 50), 3));
      const first = received.find((m) => payload(m).seq === 0);
      expect(first).toMatchObject({
        topic,
        key: 'key-0',
        value: sent[0]?.value,
        headers: { 'event-type': 'ContractChecked', seq: '0' },
      });
      // Offsets grow within a partition: they are positions a consumer can resume from.
      const lastOffset = new Map<number, bigint>();
      for (const message of received) {
        const offset = BigInt(message.offset);
        expect(offset > (lastOffset.get(message.partition) ?? -1n)).toBe(true);
        lastOffset.set(message.partition, offset);
      }
    });

    it('skips nothing a concurrent publisher commits while a consumer is reading', async () => {
      const topic = await newTopic('concurrent');
      const received: DeliveredMessage[] = [];
      await subscribe({ groupId: unique('group'), topics: [topic], fromBeginning: true }, (m) => {
        received.push(m);
        return Promise.resolve();
      });
      // Waves of 20 calls in flight at once, one key each, while the consumer polls: a log whose
      // positions became visible out of order would let the consumer read past a later commit.
      const calls = range(0, 60).map((call) =>
        messages(topic, range(call * 5, 5), 1).map((m) => ({ ...m, key: `call-${call}` })),
      );
      for (let wave = 0; wave < calls.length; wave += 20) {
        await Promise.all(calls.slice(wave, wave + 20).map((batch) => bus.publish(batch)));
      }

      await waitFor('300 messages', () => received.length >= 300);
      expect(new Set(received.map((m) => payload(m).seq))).toEqual(new Set(range(0, 300)));
      for (const [call, batch] of calls.entries()) {
        const arrived = received.filter((m) => m.key === `call-${call}`).map((m) => m.value);
        expect(arrived).toEqual(batch.map((m) => m.value));
      }
    });

    it('delivers every event to every consumer group', async () => {
      const topic = await newTopic('fanout');
      const groups = [unique('group-a'), unique('group-b')];
      const received = new Map<string, DeliveredMessage[]>(groups.map((g) => [g, []]));
      for (const groupId of groups) {
        await subscribe({ groupId, topics: [topic], fromBeginning: true }, (m) => {
          received.get(groupId)?.push(m);
          return Promise.resolve();
        });
      }
      await bus.publish(messages(topic, range(0, 30), 4));

      for (const groupId of groups) {
        const got = received.get(groupId) ?? [];
        await waitFor(`30 messages in ${groupId}`, () => got.length >= 30);
        expect(byKey(got)).toEqual(expectedByKey(range(0, 30), 4));
      }
    });

    it('redelivers a message whose handler rejected, without skipping or reordering', async () => {
      const topic = await newTopic('retry');
      const attempts = new Map<number, number>();
      const handled: DeliveredMessage[] = [];
      await subscribe({ groupId: unique('group'), topics: [topic], fromBeginning: true }, (m) => {
        const { seq } = payload(m);
        const attempt = (attempts.get(seq) ?? 0) + 1;
        attempts.set(seq, attempt);
        if (seq % 5 === 0 && attempt === 1) return Promise.reject(new Error(`fail ${seq} once`));
        handled.push(m);
        return Promise.resolve();
      });
      await bus.publish(messages(topic, range(0, 20), 2));

      const handledSeqs = (): Set<number> => new Set(handled.map((m) => payload(m).seq));
      await waitFor('all 20 handled', () => handledSeqs().size === 20);
      for (const seq of [0, 5, 10, 15]) expect(attempts.get(seq)).toBeGreaterThanOrEqual(2);
      // The first successful handling per key follows publish order: the rejected message held
      // back the ones behind it instead of being overtaken.
      const seen = new Set<string>();
      const firstSeen = handled.filter((m) => {
        const id = `${m.partition}:${m.offset}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      expect(byKey(firstSeen)).toEqual(expectedByKey(range(0, 20), 2));
    });

    it('resumes a restarted group from its committed position', async () => {
      const topic = await newTopic('resume');
      const groupId = unique('group');
      const options = { groupId, topics: [topic], fromBeginning: true };
      await bus.publish(messages(topic, range(0, 10), 2));

      const firstRun: DeliveredMessage[] = [];
      const first = await subscribe(options, (m) => {
        firstRun.push(m);
        return Promise.resolve();
      });
      await waitFor('the first 10', () => firstRun.length >= 10);
      await first.stop();
      expect(byKey(firstRun)).toEqual(expectedByKey(range(0, 10), 2));

      await bus.publish(messages(topic, range(10, 10), 2));
      const secondRun: DeliveredMessage[] = [];
      // fromBeginning only applies to a group without a committed position, so it must not
      // replay the first ten here.
      await subscribe(options, (m) => {
        secondRun.push(m);
        return Promise.resolve();
      });
      await waitFor('the next 10', () => secondRun.length >= 10);
      // A replayed message would arrive before the new ones of its key, so it would show here.
      expect(byKey(secondRun)).toEqual(expectedByKey(range(10, 10), 2));
    });

    it('stop() lets the in-flight handler finish and commits its message', async () => {
      const topic = await newTopic('stop');
      const groupId = unique('group');
      const options = { groupId, topics: [topic], fromBeginning: true };
      let started = false;
      let finished = false;
      const subscription = await subscribe(options, async () => {
        started = true;
        await sleep(300);
        finished = true;
      });
      await bus.publish(messages(topic, [0], 1));
      await waitFor('the handler to start', () => started);
      await subscription.stop();
      expect(finished).toBe(true);

      const afterRestart: DeliveredMessage[] = [];
      await subscribe(options, (m) => {
        afterRestart.push(m);
        return Promise.resolve();
      });
      await bus.publish(messages(topic, [1], 1));
      await waitFor('the new message', () => afterRestart.length >= 1);
      expect(afterRestart.map((m) => payload(m).seq)).toEqual([1]);
    });

    it('never hands one key to two members of a group at the same time', async () => {
      const topic = await newTopic('members');
      const groupId = unique('group');
      const busyKeys = new Set<string>();
      const overlaps: string[] = [];
      const handled = new Set<number>();
      const handler: MessageHandler = async (m) => {
        const { key, seq } = payload(m);
        if (busyKeys.has(key)) overlaps.push(key);
        busyKeys.add(key);
        await sleep(2);
        busyKeys.delete(key);
        handled.add(seq);
      };
      await subscribe({ groupId, topics: [topic], fromBeginning: true }, handler);
      await subscribe({ groupId, topics: [topic], fromBeginning: true }, handler);
      await bus.publish(messages(topic, range(0, 60), 6));

      await waitFor('all 60 handled', () => handled.size === 60);
      expect(overlaps).toEqual([]);
    });
  });
}
