import { z } from 'zod';
import { EXPORT_ID, periodKindSchema } from './cost-common.schemas.js';

const instant = (description: string) =>
  z.iso.datetime({ offset: true }).optional().describe(description);

export const exportBody = z
  .strictObject({
    projectId: z.string().min(1).max(256).optional().describe('Only this project'),
    period: periodKindSchema.optional().describe('Only day or only month signals'),
    from: instant('Periods starting at or after this instant (ISO-8601)'),
    to: instant('Periods starting before this instant (ISO-8601)'),
  })
  .describe('Which signals to export (all of the tenant when empty); a malformed field is a 400')
  .meta({
    example: {
      projectId: 'checkout',
      period: 'day',
      from: '2024-05-01T00:00:00Z',
      to: '2024-06-01T00:00:00Z',
    },
  });

export const exportIdParams = z
  .object({ id: z.uuid().describe('Export id').meta({ example: EXPORT_ID }) })
  .meta({ example: { id: EXPORT_ID } });

export const exportSchema = z
  .object({
    id: z.uuid(),
    status: z
      .enum(['pending', 'succeeded', 'failed'])
      .describe('pending until the export job has written the CSV to Blob'),
    filter: z.object({
      projectId: z.string().optional(),
      period: periodKindSchema.optional(),
      from: z.string().optional(),
      to: z.string().optional(),
    }),
    requestedBy: z.string(),
    requestedAt: z.string(),
    completedAt: z.string().nullable(),
    rowCount: z.number().int().nullable().describe('Signals written (excluding the header)'),
    byteSize: z.number().int().nullable(),
    error: z.string().nullable(),
    downloadUrl: z
      .string()
      .nullable()
      .describe('Where the CSV streams from once succeeded (same token, read scope)'),
  })
  .describe('A CSV export of cost signals and its status')
  .meta({
    example: {
      id: EXPORT_ID,
      status: 'succeeded',
      filter: { projectId: 'checkout', period: 'day' },
      requestedBy: 'user-42',
      requestedAt: '2024-06-01T08:00:00.000Z',
      completedAt: '2024-06-01T08:00:02.000Z',
      rowCount: 31,
      byteSize: 4821,
      error: null,
      downloadUrl: `/v1/cost-signals/exports/${EXPORT_ID}/download`,
    },
  });
