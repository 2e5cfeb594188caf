import { z } from 'zod';
import { HttpProblem } from '../problem.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** `?limit=&cursor=` shared by every list route. */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .describe('Page size (1-500, default 50)'),
  cursor: z.string().max(512).optional().describe('Opaque cursor from a previous page'),
});

/** A keyset position: the sort value and id of the last item of the previous page. */
export interface CursorPosition {
  readonly sortKey: string;
  readonly id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sortKey, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      parsed.every((v) => typeof v === 'string')
    ) {
      return { sortKey: parsed[0] as string, id: parsed[1] as string };
    }
  } catch {
    // fall through to the 400 below
  }
  throw new HttpProblem(
    400,
    'invalid_cursor',
    'Bad Request',
    'cursor is not one this service issued',
    [{ field: 'querystring.cursor', message: 'invalid cursor' }],
  );
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Builds a page from `limit + 1` fetched rows: the extra row only tells that more exist. */
export function toPage<T>(
  rows: readonly T[],
  limit: number,
  positionOf: (item: T) => CursorPosition,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
