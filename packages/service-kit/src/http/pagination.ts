import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { HttpProblem } from '../problem.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** `?limit=` shared by every list route. */
const limitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_LIMIT)
  .default(DEFAULT_LIMIT)
  .describe('Page size (1-500, default 50)');

/**
 * A keyset cursor whose every well-formed value is a real position: `<sort key>.<uuid>`, where the
 * sort key is an integer (epoch milliseconds or a sequence number). Because the shape is a regular
 * expression, the OpenAPI document states it exactly: a malformed cursor fails schema validation
 * (400), and any value the schema admits pages from that position (never a 4xx or 5xx).
 */
export interface KeysetCursor {
  /** The `?cursor=` parameter, documented by its pattern. */
  readonly schema: z.ZodOptional<z.ZodString>;
  encode(sortKey: number, id: string): string;
  decode(cursor: string | undefined): { readonly sortKey: number; readonly id: string } | undefined;
}

const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * A keyset cursor `<sort key>.<id>` whose id matches `idPattern` (a regular expression source,
 * lower-case): a uuid for most resources, a 32-hex traceId for traces. The sort key has at most 15
 * digits, so it fits a bigint and a JS number exactly and any matching cursor is a real position.
 * `signed` admits a negative sort key: only for a bigint sort column (epoch ms held as a number),
 * never a timestamptz, which cannot hold a time that far back.
 */
export function keysetCursorOf(
  idPattern: string,
  options: { signed?: boolean } = {},
): KeysetCursor {
  const sign = options.signed === true ? '-?' : '';
  const pattern = new RegExp(`^(${sign}[0-9]{1,15})[.](${idPattern})$`);
  return {
    schema: z
      .string()
      .regex(pattern)
      .optional()
      .describe('Opaque cursor: the nextCursor of the previous page'),
    encode: (sortKey, id) => `${Math.trunc(sortKey)}.${id.toLowerCase()}`,
    decode(cursor) {
      if (cursor === undefined) return undefined;
      const match = pattern.exec(cursor);
      if (!match?.[1] || !match[2]) {
        throw new HttpProblem(
          400,
          'invalid_cursor',
          'Bad Request',
          'cursor is not one this service issued',
          [{ field: 'querystring.cursor', message: 'invalid cursor' }],
        );
      }
      return { sortKey: Number(match[1]), id: match[2] };
    },
  };
}

/** The cursor of resources identified by a uuid. */
export const keysetCursor: KeysetCursor = keysetCursorOf(UUID_PATTERN);

/** `?limit=&cursor=` with a keyset cursor; spread into a list route's querystring schema. */
export const keysetPageQuery = {
  limit: limitQuery,
  cursor: keysetCursor.schema,
};

/** A page from `limit + 1` rows, its cursor the keyset position of the last item served. */
export function toKeysetPage<T>(
  rows: readonly T[],
  limit: number,
  positionOf: (item: T) => { readonly sortKey: number; readonly id: string },
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  if (rows.length <= limit || last === undefined) return { items, nextCursor: null };
  const position = positionOf(last);
  return { items, nextCursor: keysetCursor.encode(position.sortKey, position.id) };
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** `?limit=&cursor=` as a list query gives them to its store. */
export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/**
 * How a list is ordered for keyset paging: by a sort key (a timestamp in whole milliseconds or
 * an integer), then by id, both in one direction. The SQL names are the query's aliases
 * (`i.opened_at`), never user input.
 */
export interface KeysetOrder {
  readonly sortColumn: string;
  readonly sortType: 'timestamptz' | 'bigint';
  readonly idColumn: string;
  readonly idType: 'uuid' | 'text';
  /** Default DESC: newest first. */
  readonly direction?: 'ASC' | 'DESC';
  /** Default the uuid cursor. */
  readonly cursor?: KeysetCursor;
}

/**
 * One page of `query` (already filtered, within the tenant) in keyset order: continues after the
 * cursor's position, reads `limit + 1` rows to know whether there is a next page, and gives the
 * last served row's position as its cursor. The one keyset query every list route uses.
 */
export async function keysetPage<Row extends ObjectLiteral, T>(
  query: SelectQueryBuilder<Row>,
  order: KeysetOrder,
  page: PageRequest,
  map: {
    readonly toItem: (row: Row) => T;
    readonly positionOf: (row: Row) => { readonly sortKey: number; readonly id: string };
  },
): Promise<Page<T>> {
  const direction = order.direction ?? 'DESC';
  const after = (order.cursor ?? keysetCursor).decode(page.cursor);
  if (after) {
    const sortKey = order.sortType === 'timestamptz' ? new Date(after.sortKey) : after.sortKey;
    query.andWhere(
      `(${order.sortColumn}, ${order.idColumn}) ${direction === 'DESC' ? '<' : '>'} (CAST(:keysetSort AS ${order.sortType}), CAST(:keysetId AS ${order.idType}))`,
      { keysetSort: sortKey, keysetId: after.id },
    );
  }
  const rows = await query
    .orderBy(order.sortColumn, direction)
    .addOrderBy(order.idColumn, direction)
    .limit(page.limit + 1)
    .getMany();
  const served = toKeysetPage(rows, page.limit, map.positionOf);
  return { items: served.items.map(map.toItem), nextCursor: served.nextCursor };
}
