import { parseArgs } from 'node:util';
import {
  originTopicOf,
  readDeadLetters,
  replayDeadLetters,
  type DeadLetter,
  type EventBus,
} from '@obs/service-kit';

export const DLQ_USAGE = [
  'usage: pnpm dlq list <topic> [--limit N]',
  '       pnpm dlq show <topic> --id <eventId>',
  '       pnpm dlq replay <topic> (--id <eventId> | --all) [--limit N]',
  '<topic> is the origin topic or its .dlq; the bus is KAFKA_BROKERS when set, else the',
  'PostgreSQL event log at DATABASE_URL (what `pnpm start` prints as "database").',
].join('\n');

export interface DlqOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one `pnpm dlq` command on a bus; answers the exit code (2: usage, 1: nothing matched). */
export async function runDlqCommand(
  argv: readonly string[],
  bus: EventBus,
  io: DlqOutput,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        all: { type: 'boolean', default: false },
        limit: { type: 'string', default: '1000' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${DLQ_USAGE}`);
    return 2;
  }
  const [command, topic] = parsed.positionals;
  const limit = Number(parsed.values.limit);
  if (!topic || !Number.isInteger(limit) || limit <= 0) {
    io.err(DLQ_USAGE);
    return 2;
  }
  const eventId = parsed.values.id;
  switch (command) {
    case 'list': {
      const letters = await readDeadLetters(bus, topic, limit);
      io.out(`${letters.length} dead letter(s) of ${originTopicOf(topic)}`);
      for (const letter of letters) io.out(summary(letter));
      return 0;
    }
    case 'show': {
      if (!eventId) break;
      const letter = (await readDeadLetters(bus, topic, limit)).find((l) => l.eventId === eventId);
      if (!letter) {
        io.err(`no dead letter with eventId ${eventId} on ${originTopicOf(topic)}`);
        return 1;
      }
      io.out(JSON.stringify(detail(letter), null, 2));
      return 0;
    }
    case 'replay': {
      if (!eventId && !parsed.values.all) break;
      const replayed = await replayDeadLetters(bus, topic, {
        limit,
        ...(eventId ? { eventId } : {}),
      });
      if (replayed.length === 0) {
        io.err(`nothing to replay on ${originTopicOf(topic)}${eventId ? ` for ${eventId}` : ''}`);
        return 1;
      }
      io.out(`replayed ${replayed.length} record(s) to ${originTopicOf(topic)}`);
      for (const letter of replayed) io.out(summary(letter));
      return 0;
    }
  }
  io.err(DLQ_USAGE);
  return 2;
}

function summary(letter: DeadLetter): string {
  return [
    letter.eventId ?? '(not an envelope)',
    letter.eventType ?? '-',
    `attempts=${letter.attempts}`,
    `replays=${letter.replays}`,
    `consumer=${letter.consumer}`,
    `origin=${letter.origin}`,
    `error=${letter.error.slice(0, 200)}`,
  ].join('  ');
}

function detail(letter: DeadLetter): Record<string, unknown> {
  const { message, ...rest } = letter;
  let envelope: unknown = message.value;
  try {
    envelope = JSON.parse(message.value);
  } catch {
    // a poison record: shown as the text it is
  }
  return { ...rest, key: message.key, headers: message.headers, envelope };
}
