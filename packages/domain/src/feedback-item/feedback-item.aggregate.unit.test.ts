import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { MAX_ATTACHMENTS, type FeedbackAttachmentInput } from './feedback-attachment.js';
import {
  FeedbackItem,
  type CreateFeedbackItemInput,
  type FeedbackItemSnapshot,
} from './feedback-item.aggregate.js';
import { FEEDBACK_SOURCES, SUMMARY_MAX_LENGTH } from './feedback-values.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const human: CreateFeedbackItemInput = {
  feedbackItemId: 'fb-1',
  tenantId: 'acme',
  projectId: 'proj-1',
  artifactId: 'art-1',
  source: 'human',
  category: 'performance',
  sentiment: 'negative',
  summary: '  Checkout page is slow  ',
  createdAt: '2025-01-01T10:00:00Z',
};

/** An attachment of `kind` stored at `blobRef` (its id derived from the ref). */
function att(blobRef: string, kind = 'log', extra: Partial<FeedbackAttachmentInput> = {}) {
  return {
    attachmentId: `att-${blobRef}`,
    blobRef,
    kind,
    contentType: 'text/plain',
    sizeBytes: 12,
    attachedAt: '2025-01-01T10:30:00Z',
    ...extra,
  };
}

function created(overrides: Partial<CreateFeedbackItemInput> = {}): FeedbackItem {
  return FeedbackItem.create({ ...human, ...overrides });
}

describe('FeedbackItem.create', () => {
  it('captures the item and records FeedbackItemCreated with the contract payload', () => {
    const item = created({ traceId: TRACE });
    expect(item.status).toBe('captured');
    expect(item.id).toBe('fb-1');
    const events = item.pullEvents();
    expect(events).toEqual([
      {
        eventType: 'FeedbackItemCreated',
        aggregateType: 'FeedbackItem',
        aggregateId: 'fb-1',
        tenantId: 'acme',
        traceId: TRACE,
        occurredAt: '2025-01-01T10:00:00.000Z',
        payload: {
          feedbackItemId: 'fb-1',
          projectId: 'proj-1',
          artifactId: 'art-1',
          source: 'human',
          sourceId: null,
          category: 'performance',
          sentiment: 'negative',
          summary: 'Checkout page is slow',
          createdAt: '2025-01-01T10:00:00.000Z',
        },
      },
    ]);
    expect(item.pullEvents()).toEqual([]);
  });

  it.each(['', '   '])('refuses a missing summary (%j)', (summary) => {
    expect(codeOf(() => created({ summary }))).toBe('feedback.summary_required');
  });

  it('refuses an overlong summary and accepts one at the limit', () => {
    expect(codeOf(() => created({ summary: 'x'.repeat(SUMMARY_MAX_LENGTH + 1) }))).toBe(
      'feedback.summary_too_long',
    );
    expect(created({ summary: 'x'.repeat(SUMMARY_MAX_LENGTH) }).toSnapshot().summary).toHaveLength(
      SUMMARY_MAX_LENGTH,
    );
  });

  it.each(['incident', 'runtime-signal'])('requires sourceId when source is %s', (source) => {
    expect(codeOf(() => created({ source, sourceId: null }))).toBe('feedback.source_id_required');
    expect(codeOf(() => created({ source, sourceId: '  ' }))).toBe('feedback.source_id_required');
    expect(created({ source, sourceId: 'inc-9' }).toSnapshot().sourceId).toBe('inc-9');
  });

  it.each(['human', 'agent'])('does not require sourceId when source is %s', (source) => {
    expect(created({ source }).toSnapshot().sourceId).toBeNull();
  });

  it('requires a projectId or an artifactId for attribution', () => {
    expect(codeOf(() => created({ projectId: null, artifactId: null }))).toBe(
      'feedback.attribution_required',
    );
    expect(codeOf(() => created({ projectId: '', artifactId: undefined }))).toBe(
      'feedback.attribution_required',
    );
    expect(created({ projectId: null }).toSnapshot().artifactId).toBe('art-1');
    expect(created({ artifactId: null }).toSnapshot().projectId).toBe('proj-1');
  });

  it.each([
    [{ feedbackItemId: ' ' }, 'feedback.invalid_id'],
    [{ tenantId: 'bad tenant' }, 'tenant.invalid_id'],
    [{ source: 'email' }, 'feedback.invalid_source'],
    [{ category: 'security' }, 'feedback.invalid_category'],
    [{ sentiment: 'angry' }, 'feedback.invalid_sentiment'],
    [{ detail: 'd'.repeat(10_001) }, 'feedback.detail_too_long'],
    [{ projectId: 'p'.repeat(257) }, 'feedback.reference_too_long'],
    [{ traceId: 'not-a-trace' }, 'trace.invalid_trace_id'],
    [{ createdAt: 'yesterday' }, 'time.invalid_instant'],
    [{ attachments: [att('')] }, 'feedback.attachment_blob_ref_required'],
    [{ attachments: [att('b/1', 'video')] }, 'feedback.invalid_attachment_kind'],
    [{ attachments: [att('b/1', 'log', { attachmentId: ' ' })] }, 'feedback.invalid_attachment_id'],
    [
      { attachments: [att('b/1', 'log', { contentType: 'png' })] },
      'feedback.invalid_attachment_content_type',
    ],
    [
      { attachments: [att('b/1', 'log', { contentType: 'text/plain; charset=utf-8' })] },
      'feedback.invalid_attachment_content_type',
    ],
    [{ attachments: [att('b/1', 'log', { sizeBytes: -1 })] }, 'feedback.invalid_attachment_size'],
    [{ attachments: [att('b/1', 'log', { sizeBytes: 1.5 })] }, 'feedback.invalid_attachment_size'],
    [
      { attachments: [att('b/1', 'log', { fileName: 'f'.repeat(256) })] },
      'feedback.attachment_file_name_too_long',
    ],
    [{ attachments: [att('b/1', 'log', { attachedAt: 'soon' })] }, 'time.invalid_instant'],
    [{ attachments: [att('b/1'), att('b/1', 'trace')] }, 'feedback.duplicate_attachment'],
    [
      { attachments: [att('b/1'), att('b/2', 'trace', { attachmentId: 'att-b/1' })] },
      'feedback.duplicate_attachment',
    ],
    [
      { attachments: Array.from({ length: MAX_ATTACHMENTS + 1 }, (_, i) => att(`b/${i}`)) },
      'feedback.too_many_attachments',
    ],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => created(overrides))).toBe(code);
  });

  it('keeps optional fields, blank trace ids and attachments', () => {
    const snapshot = created({
      detail: 'p95 went from 300ms to 2s',
      traceId: '',
      attachments: [
        att('feedback/acme/fb-1/har.json', 'export', {
          contentType: 'Application/JSON',
          fileName: '  har.json ',
        }),
        att('feedback/acme/fb-1/no-name', 'other', { fileName: ' ' }),
      ],
    }).toSnapshot();
    expect(snapshot.detail).toBe('p95 went from 300ms to 2s');
    expect(snapshot.traceId).toBeNull();
    expect(snapshot.attachments).toEqual([
      {
        attachmentId: 'att-feedback/acme/fb-1/har.json',
        blobRef: 'feedback/acme/fb-1/har.json',
        kind: 'export',
        contentType: 'application/json',
        sizeBytes: 12,
        fileName: 'har.json',
        attachedAt: '2025-01-01T10:30:00.000Z',
      },
      expect.objectContaining({ kind: 'other', fileName: null }),
    ]);
  });

  it('property: any valid source/summary pair is captured with the trimmed summary', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FEEDBACK_SOURCES),
        fc.string({ minLength: 1, maxLength: SUMMARY_MAX_LENGTH }).filter((s) => s.trim() !== ''),
        (source, summary) => {
          const item = created({ source, sourceId: 'src-1', summary });
          expect(item.toSnapshot().summary).toBe(summary.trim());
          expect(item.pullEvents()).toHaveLength(1);
        },
      ),
    );
  });
});

describe('FeedbackItem lifecycle', () => {
  it('routes then applies, recording FeedbackItemRouted and FeedbackItemApplied', () => {
    const item = created();
    item.pullEvents();
    item.route({ to: 'factory-backlog', at: '2025-01-01T11:00:00Z' });
    expect(item.status).toBe('routed');
    item.apply({ changeRef: 'github:acme/app#42', at: '2025-01-02T09:00:00Z' });
    const s = item.toSnapshot();
    expect([s.status, s.routedTo, s.routedAt, s.appliedAt, s.appliedChangeRef]).toEqual([
      'applied',
      'factory-backlog',
      '2025-01-01T11:00:00.000Z',
      '2025-01-02T09:00:00.000Z',
      'github:acme/app#42',
    ]);
    const events = item.pullEvents();
    expect(events.map((e) => e.eventType)).toEqual(['FeedbackItemRouted', 'FeedbackItemApplied']);
    expect(events[0]?.payload).toMatchObject({
      routedTo: 'factory-backlog',
      feedbackRouteId: null,
      receiverId: null,
      routedAt: '2025-01-01T11:00:00.000Z',
    });
    expect(events[1]?.payload).toMatchObject({
      routedTo: 'factory-backlog',
      changeRef: 'github:acme/app#42',
      appliedAt: '2025-01-02T09:00:00.000Z',
    });
    expect(item.pullEvents()).toEqual([]);
  });

  it('refuses transitions out of order and leaves the state unchanged', () => {
    const item = created();
    expect(codeOf(() => item.apply({ changeRef: 'pr-1', at: '2025-01-01T11:00:00Z' }))).toBe(
      'feedback.invalid_transition',
    );
    item.route({ to: 'team-a', at: '2025-01-01T11:00:00Z' });
    expect(codeOf(() => item.route({ to: 'team-b', at: '2025-01-01T12:00:00Z' }))).toBe(
      'feedback.invalid_transition',
    );
    item.apply({ changeRef: 'pr-1', at: '2025-01-01T12:00:00Z' });
    expect(codeOf(() => item.apply({ changeRef: 'pr-1', at: '2025-01-01T13:00:00Z' }))).toBe(
      'feedback.invalid_transition',
    );
    expect(item.toSnapshot().routedTo).toBe('team-a');
  });

  it('refuses to apply without a change reference', () => {
    const item = created();
    item.route({ to: 'team-a', at: '2025-01-01T11:00:00Z' });
    expect(codeOf(() => item.apply({ changeRef: ' ', at: '2025-01-01T12:00:00Z' }))).toBe(
      'feedback.change_ref_required',
    );
    expect(item.status).toBe('routed');
  });

  it('refuses a route without a target', () => {
    const item = created();
    expect(codeOf(() => item.route({ to: ' ', at: '2025-01-01T11:00:00Z' }))).toBe(
      'feedback.route_target_required',
    );
    expect(item.status).toBe('captured');
  });

  it('refuses lifecycle times earlier than the previous step', () => {
    const item = created();
    expect(codeOf(() => item.route({ to: 'team-a', at: '2025-01-01T09:00:00Z' }))).toBe(
      'feedback.time_out_of_order',
    );
    item.route({ to: 'team-a', at: '2025-01-01T10:00:00Z' });
    expect(codeOf(() => item.apply({ changeRef: 'pr-1', at: '2025-01-01T09:59:59Z' }))).toBe(
      'feedback.time_out_of_order',
    );
    expect(item.status).toBe('routed');
  });

  it('edits the summary while captured and freezes it once routed', () => {
    const item = created();
    item.editSummary('Checkout p95 above 2s');
    expect(item.toSnapshot().summary).toBe('Checkout p95 above 2s');
    expect(codeOf(() => item.editSummary(''))).toBe('feedback.summary_required');
    item.route({ to: 'team-a', at: '2025-01-01T11:00:00Z' });
    expect(codeOf(() => item.editSummary('Something else'))).toBe('feedback.summary_immutable');
    item.apply({ changeRef: 'pr-1', at: '2025-01-01T12:00:00Z' });
    expect(codeOf(() => item.editSummary('Something else'))).toBe('feedback.summary_immutable');
    expect(item.toSnapshot().summary).toBe('Checkout p95 above 2s');
  });

  it('attaches evidence until applied', () => {
    const item = created();
    item.attach(att('b/1', 'screenshot'));
    expect(codeOf(() => item.attach(att('b/1', 'log')))).toBe('feedback.duplicate_attachment');
    expect(codeOf(() => item.attach(att('b/2', 'gif')))).toBe('feedback.invalid_attachment_kind');
    item.route({ to: 'team-a', at: '2025-01-01T11:00:00Z' });
    item.attach(att('b/2', 'log'));
    item.apply({ changeRef: 'pr-1', at: '2025-01-01T12:00:00Z' });
    expect(codeOf(() => item.attach(att('b/3')))).toBe('feedback.applied_immutable');
    expect(codeOf(() => item.ensureAcceptsAttachment())).toBe('feedback.applied_immutable');
    expect(item.toSnapshot().attachments.map((a) => a.blobRef)).toEqual(['b/1', 'b/2']);
  });

  it('refuses more than the maximum number of attachments', () => {
    const item = created();
    for (let i = 0; i < MAX_ATTACHMENTS; i += 1) item.attach(att(`b/${i}`));
    expect(codeOf(() => item.attach(att('b/extra')))).toBe('feedback.too_many_attachments');
    expect(codeOf(() => item.ensureAcceptsAttachment())).toBe('feedback.too_many_attachments');
  });
});

describe('FeedbackItem.rehydrate', () => {
  function routedSnapshot(): FeedbackItemSnapshot {
    const item = created();
    item.route({ to: 'team-a', at: '2025-01-01T11:00:00Z' });
    return item.toSnapshot();
  }

  it('restores a snapshot unchanged and records no events', () => {
    const snapshot = routedSnapshot();
    const item = FeedbackItem.rehydrate(snapshot);
    expect(item.toSnapshot()).toEqual(snapshot);
    expect(item.pullEvents()).toEqual([]);
  });

  it.each([
    [{ status: 'done' }, 'feedback.invalid_status'],
    [{ status: 'captured' }, 'feedback.inconsistent_lifecycle'],
    [{ status: 'applied' }, 'feedback.inconsistent_lifecycle'],
    [{ status: 'applied', appliedAt: '2025-01-01T12:00:00Z' }, 'feedback.inconsistent_lifecycle'],
    [{ appliedChangeRef: 'pr-1' }, 'feedback.inconsistent_lifecycle'],
    [{ routedAt: '2024-12-31T00:00:00Z' }, 'feedback.time_out_of_order'],
    [{ source: 'incident' }, 'feedback.source_id_required'],
  ] as const)('refuses a stored row with %j (%s)', (overrides, code) => {
    const snapshot = { ...routedSnapshot(), ...overrides } as FeedbackItemSnapshot;
    expect(codeOf(() => FeedbackItem.rehydrate(snapshot))).toBe(code);
  });

  it('keeps a routed item frozen after a reload', () => {
    const item = FeedbackItem.rehydrate(routedSnapshot());
    expect(codeOf(() => item.editSummary('new'))).toBe('feedback.summary_immutable');
  });
});
