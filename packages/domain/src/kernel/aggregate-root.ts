import type { TenantId } from './ids.js';

/**
 * What an aggregate records when its state changes. The service kit wraps it into the canonical
 * envelope; the aggregate version is stamped at save time.
 */
export interface DomainEvent<TType extends string = string, TPayload = unknown> {
  readonly eventType: TType;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly tenantId: TenantId;
  readonly traceId: string | null;
  /** ISO-8601 UTC event time: window ends, span times, the command's time; never a hidden clock. */
  readonly occurredAt: string;
  readonly payload: TPayload;
}

/** Records events raised by intent-named methods until the unit of work pulls them. */
export abstract class AggregateRoot<TEvent extends DomainEvent> {
  private pending: TEvent[] = [];

  protected record(event: TEvent): void {
    this.pending.push(event);
  }

  pullEvents(): TEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }
}
