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
const KEYSET_PATTERN = new RegExp(`^([0-9]{1,15})[.](${UUID_PATTERN})$`);

export const keysetCursor: KeysetCursor = {
  schema: z
    .string()
    .regex(KEYSET_PATTERN)
    .optional()
    .describe('Opaque cursor: the nextCursor of the previous page'),
  encode: (sortKey, id) => `${Math.trunc(sortKey)}.${id.toLowerCase()}`,
  decode(cursor) {
    if (cursor === undefined) return undefined;
    const match = KEYSET_PATTERN.exec(cursor);
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
