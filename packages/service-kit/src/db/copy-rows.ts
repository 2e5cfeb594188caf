import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import type { Transaction } from './unit-of-work.js';

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/**
 * One field in COPY's text format: backslash, tab, newline and carriage return escaped; null and
 * undefined are \N; numbers and booleans as String() writes them; objects as JSON.
 */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  return COPY_SPECIAL.test(text)
    ? text.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c] ?? c)
    : text;
}

/** The pg client under a TypeORM transaction: COPY needs the driver's own query(). */
interface CopyClient {
  query(stream: CopyStreamQuery): CopyStreamQuery;
}

/**
 * Writes rows with COPY FROM STDIN on the transaction's own connection, so they commit or roll
 * back with the rest of it: the cheapest bulk path PostgreSQL has, one text stream and no
 * statement per row. `text` is the rows in COPY text format, each ending in a newline.
 */
export async function copyRows(
  tx: Transaction,
  table: string,
  columns: readonly string[],
  text: string,
): Promise<void> {
  if (text === '') return;
  const runner = tx.manager.queryRunner;
  if (runner === undefined) throw new Error(`COPY into ${table} needs a transaction`);
  const client = (await runner.connect()) as CopyClient;
  await pipeline(
    Readable.from([text]),
    client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)),
  );
}
