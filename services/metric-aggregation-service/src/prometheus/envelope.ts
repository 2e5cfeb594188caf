import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { PROM_ERROR_STATUS, type PromError } from './promql/errors.js';

/** Prometheus' response envelope (web/api/v1/api.go `Response`). */
export const promErrorSchema = z
  .object({
    status: z.literal('error'),
    errorType: z.enum(['bad_data', 'execution', 'timeout', 'internal', 'not_found', 'unavailable']),
    error: z.string(),
  })
  .describe('Prometheus error envelope');

export function success<T extends z.ZodType>(data: T) {
  return z.object({
    status: z.literal('success'),
    data,
    warnings: z.array(z.string()).optional(),
    infos: z.array(z.string()).optional(),
  });
}

export function sendSuccess(reply: FastifyReply, data: unknown): FastifyReply {
  return reply.code(200).send({ status: 'success', data });
}

export function sendError(reply: FastifyReply, error: PromError): FastifyReply {
  return reply
    .code(PROM_ERROR_STATUS[error.type])
    .send({ status: 'error', errorType: error.type, error: error.message });
}

export function sendUnavailable(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(503).send({ status: 'error', errorType: 'unavailable', error: message });
}
