import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { layerTurnAt, onCallAt } from './on-call.js';
import { scheduleLayer, type ScheduleLayerInput } from './schedule.aggregate.js';
import { offsetAt, timeZone, zonedInstant } from './zoned-time.js';

const ms = (iso: string) => Date.parse(iso);
const layer = (input: Partial<ScheduleLayerInput> = {}, index = 0) =>
  scheduleLayer(
    {
      name: 'primary',
      members: ['alice', 'bob', 'carol'],
      rotationLength: 1,
      rotationUnit: 'days',
      startDate: '2024-03-29',
      handoffTime: '09:00',
      timeZone: 'Europe/Berlin',
      ...input,
    },
    index,
  );
const schedule = (
  layers: ReturnType<typeof layer>[],
  overrides: { member: string; start: string; end: string }[] = [],
) => ({
  layers,
  overrides,
});
const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
};

describe('zoned time (Intl only)', () => {
  it('reads offsets either side of the Berlin DST changes', () => {
    expect(offsetAt('Europe/Berlin', ms('2024-03-31T00:59:59Z'))).toBe(3_600_000);
    expect(offsetAt('Europe/Berlin', ms('2024-03-31T01:00:00Z'))).toBe(7_200_000);
    expect(offsetAt('Europe/Berlin', ms('2024-10-27T00:59:59Z'))).toBe(7_200_000);
    expect(offsetAt('Europe/Berlin', ms('2024-10-27T01:00:00Z'))).toBe(3_600_000);
    expect(offsetAt('Asia/Kolkata', ms('2024-06-01T00:00:00.500Z'))).toBe(19_800_000);
    expect(offsetAt('UTC', ms('2024-06-01T00:00:00Z'))).toBe(0);
  });

  it('turns a local date and time into an instant: plain, in a gap (moves forward), ambiguous (the earlier)', () => {
    const day = (iso: string) => {
      const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
      return { year: y, month: m, day: d };
    };
    expect(new Date(zonedInstant('Europe/Berlin', day('2024-03-30'), 9 * 60)).toISOString()).toBe(
      '2024-03-30T08:00:00.000Z',
    );
    expect(new Date(zonedInstant('Europe/Berlin', day('2024-03-31'), 9 * 60)).toISOString()).toBe(
      '2024-03-31T07:00:00.000Z',
    );
    // 02:30 never happens on 2024-03-31 in Berlin: 03:30 CEST, as Temporal's 'compatible'.
    expect(
      new Date(zonedInstant('Europe/Berlin', day('2024-03-31'), 2 * 60 + 30)).toISOString(),
    ).toBe('2024-03-31T01:30:00.000Z');
    // 02:30 happens twice on 2024-10-27: the first, still CEST.
    expect(
      new Date(zonedInstant('Europe/Berlin', day('2024-10-27'), 2 * 60 + 30)).toISOString(),
    ).toBe('2024-10-27T00:30:00.000Z');
    // New York: 01:30 twice on 2024-11-03 (EDT first), 02:30 never on 2024-03-10.
    expect(new Date(zonedInstant('America/New_York', day('2024-11-03'), 90)).toISOString()).toBe(
      '2024-11-03T05:30:00.000Z',
    );
    expect(new Date(zonedInstant('America/New_York', day('2024-03-10'), 150)).toISOString()).toBe(
      '2024-03-10T07:30:00.000Z',
    );
    // A southern-hemisphere zone (Sydney leaves DST in April).
    expect(
      new Date(zonedInstant('Australia/Sydney', day('2024-04-07'), 2 * 60 + 30)).toISOString(),
    ).toBe('2024-04-06T15:30:00.000Z');
  });

  it('accepts IANA names Intl knows, as written, and refuses others', () => {
    expect(timeZone(' Asia/Kolkata ')).toBe('Asia/Kolkata');
    expect(timeZone('UTC')).toBe('UTC');
    for (const bad of ['Mars/Base', '', '   ', '+01:00x', 'x'.repeat(65)]) {
      expect(
        codeOf(() => timeZone(bad)),
        bad,
      ).toBe('schedule.invalid_time_zone');
    }
  });
});

describe('onCallAt: daily rotation across DST (Europe/Berlin, handoff 09:00)', () => {
  const daily = schedule([layer()]);

  it('nobody before the first handoff', () => {
    expect(onCallAt(daily, ms('2024-03-29T07:59:59.999Z'))).toEqual({
      member: null,
      source: null,
      layer: null,
      layerIndex: null,
      from: null,
      until: null,
    });
  });

  it('hands off at 09:00 local every day: 24 h before the change, 23 h over spring-forward', () => {
    expect(onCallAt(daily, ms('2024-03-29T08:00:00Z'))).toMatchObject({
      member: 'alice',
      source: 'layer',
      layer: 'primary',
      layerIndex: 0,
      from: '2024-03-29T08:00:00.000Z',
      until: '2024-03-30T08:00:00.000Z',
    });
    const bob = onCallAt(daily, ms('2024-03-30T12:00:00Z'));
    expect(bob).toMatchObject({
      member: 'bob',
      from: '2024-03-30T08:00:00.000Z',
      until: '2024-03-31T07:00:00.000Z',
    });
    // 06:59Z on the 31st is 08:59 CEST: still bob; 07:00Z is 09:00 CEST: carol.
    expect(onCallAt(daily, ms('2024-03-31T06:59:59Z')).member).toBe('bob');
    expect(onCallAt(daily, ms('2024-03-31T07:00:00Z')).member).toBe('carol');
    // Wraps round to alice on the fourth day.
    expect(onCallAt(daily, ms('2024-04-01T07:00:00Z')).member).toBe('alice');
  });

  it('makes the turn over fall-back 25 hours long', () => {
    const turn = layerTurnAt(layer(), ms('2024-10-27T03:00:00Z'));
    expect(turn).toBeDefined();
    expect(new Date(turn!.start).toISOString()).toBe('2024-10-26T07:00:00.000Z');
    expect(new Date(turn!.end).toISOString()).toBe('2024-10-27T08:00:00.000Z');
    expect(turn!.end - turn!.start).toBe(25 * 3_600_000);
  });

  it('a handoff time inside the spring-forward gap hands off at the first instant after it', () => {
    const night = schedule([layer({ handoffTime: '02:30' })]);
    expect(onCallAt(night, ms('2024-03-31T01:29:59Z')).member).toBe('bob');
    expect(onCallAt(night, ms('2024-03-31T01:30:00Z'))).toMatchObject({
      member: 'carol',
      from: '2024-03-31T01:30:00.000Z',
      until: '2024-04-01T00:30:00.000Z',
    });
  });
});

describe('onCallAt: other rotations', () => {
  it('weekly in New York hands off Monday 10:00 local, EST then EDT', () => {
    const weekly = schedule([
      layer({
        members: ['ana', 'ben'],
        rotationUnit: 'weeks',
        startDate: '2024-03-04',
        handoffTime: '10:00',
        timeZone: 'America/New_York',
      }),
    ]);
    expect(onCallAt(weekly, ms('2024-03-04T15:00:00Z'))).toMatchObject({
      member: 'ana',
      from: '2024-03-04T15:00:00.000Z',
      // Not 7 × 24 h later (15:00Z): 10:00 EDT is 14:00Z.
      until: '2024-03-11T14:00:00.000Z',
    });
    expect(onCallAt(weekly, ms('2024-03-11T13:59:59Z')).member).toBe('ana');
    expect(onCallAt(weekly, ms('2024-03-11T14:00:00Z')).member).toBe('ben');
    expect(onCallAt(weekly, ms('2024-03-18T14:00:00Z')).member).toBe('ana');
  });

  it('a rotation of 2 days counts calendar days from the start date', () => {
    const twoDays = schedule([layer({ rotationLength: 2, members: ['a', 'b'] })]);
    expect(onCallAt(twoDays, ms('2024-03-31T06:00:00Z')).member).toBe('a');
    expect(onCallAt(twoDays, ms('2024-03-31T07:00:00Z')).member).toBe('b');
    expect(onCallAt(twoDays, ms('2024-04-02T07:00:00Z')).member).toBe('a');
  });

  it('an hour rotation counts elapsed hours, so its local handoff moves with DST', () => {
    const shifts = schedule([
      layer({
        members: ['day', 'night'],
        rotationLength: 12,
        rotationUnit: 'hours',
        startDate: '2024-03-30',
        handoffTime: '08:00',
      }),
    ]);
    // 08:00 CET = 07:00Z; every 12 elapsed hours: 19:00Z, 07:00Z (09:00 CEST on the 31st).
    expect(onCallAt(shifts, ms('2024-03-30T07:00:00Z')).member).toBe('day');
    expect(onCallAt(shifts, ms('2024-03-30T19:00:00Z'))).toMatchObject({
      member: 'night',
      until: '2024-03-31T07:00:00.000Z',
    });
    expect(onCallAt(shifts, ms('2024-03-31T07:00:00Z')).member).toBe('day');
  });

  it('the last layer covering the instant wins; a layer ends at endsAt and the one below shows', () => {
    const layered = schedule([
      layer(),
      layer(
        {
          name: 'holiday cover',
          members: ['dave'],
          startDate: '2024-04-01',
          endsAt: '2024-04-03T07:00:00Z',
        },
        1,
      ),
    ]);
    expect(onCallAt(layered, ms('2024-04-01T06:00:00Z'))).toMatchObject({
      member: 'carol',
      layerIndex: 0,
    });
    expect(onCallAt(layered, ms('2024-04-02T12:00:00Z'))).toMatchObject({
      member: 'dave',
      layer: 'holiday cover',
      layerIndex: 1,
      until: '2024-04-03T07:00:00.000Z',
    });
    expect(onCallAt(layered, ms('2024-04-03T07:00:00Z'))).toMatchObject({
      member: 'carol',
      layerIndex: 0,
    });
  });

  it('an override covers [start, end) on top of every layer; a later override wins', () => {
    const covered = schedule(
      [layer()],
      [
        { member: 'erin', start: '2024-03-30T10:00:00.000Z', end: '2024-03-30T14:00:00.000Z' },
        { member: 'frank', start: '2024-03-30T12:00:00.000Z', end: '2024-03-30T13:00:00.000Z' },
      ],
    );
    expect(onCallAt(covered, ms('2024-03-30T09:59:59Z')).member).toBe('bob');
    expect(onCallAt(covered, ms('2024-03-30T10:00:00Z'))).toEqual({
      member: 'erin',
      source: 'override',
      layer: null,
      layerIndex: null,
      from: '2024-03-30T10:00:00.000Z',
      until: '2024-03-30T14:00:00.000Z',
    });
    expect(onCallAt(covered, ms('2024-03-30T12:30:00Z')).member).toBe('frank');
    expect(onCallAt(covered, ms('2024-03-30T13:00:00Z')).member).toBe('erin');
    expect(onCallAt(covered, ms('2024-03-30T14:00:00Z')).member).toBe('bob');
    // An override before the first handoff still puts someone on call.
    const early = schedule(
      [layer()],
      [{ member: 'gina', start: '2024-03-01T00:00:00.000Z', end: '2024-03-02T00:00:00.000Z' }],
    );
    expect(onCallAt(early, ms('2024-03-01T12:00:00Z')).member).toBe('gina');
  });
});

describe('onCallAt: properties', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];
  const arbitraryLayer = fc.record({
    members: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 5 }),
    rotationLength: fc.integer({ min: 1, max: 14 }),
    rotationUnit: fc.constantFrom('hours', 'days', 'weeks'),
    handoffMinutes: fc.integer({ min: 0, max: 24 * 60 - 1 }),
    zone: fc.constantFrom(...zones),
  });

  it('every instant after the start lies in exactly one turn, and turns tile time without gaps', () => {
    fc.assert(
      fc.property(
        arbitraryLayer,
        fc.integer({ min: 0, max: 3 * 365 * 24 * 60 }),
        (input, minutesAfter) => {
          const hh = String(Math.floor(input.handoffMinutes / 60)).padStart(2, '0');
          const mm = String(input.handoffMinutes % 60).padStart(2, '0');
          const l = layer({
            members: input.members,
            rotationLength: input.rotationLength,
            rotationUnit: input.rotationUnit,
            startDate: '2023-01-02',
            handoffTime: `${hh}:${mm}`,
            timeZone: input.zone,
          });
          const first = layerTurnAt(l, ms('2023-01-03T00:00:00Z') + 3 * 86_400_000)!;
          const at = first.start + minutesAfter * 60_000;
          const turn = layerTurnAt(l, at)!;
          expect(turn.start).toBeLessThanOrEqual(at);
          expect(at).toBeLessThan(turn.end);
          expect(turn.member).toBe(input.members[turn.turn % input.members.length]);
          const next = layerTurnAt(l, turn.end)!;
          expect(next.turn).toBe(turn.turn + 1);
          expect(next.start).toBe(turn.end);
          const previous = layerTurnAt(l, turn.start - 1);
          if (previous) expect(previous.turn).toBe(turn.turn - 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
