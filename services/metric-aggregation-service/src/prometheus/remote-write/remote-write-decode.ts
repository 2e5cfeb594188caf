import protobuf from 'protobufjs/minimal.js';

/**
 * Remote write 1.0's WriteRequest (remote.proto, next to this file), decoded with protobufjs: a
 * static decoder over `protobufjs/minimal`'s Reader, written as `pbjs -t static` writes one from
 * remote.proto (no code generator in the repository; the field numbers and types are the .proto's,
 * and `remote-write-decode.unit.test.ts` holds it to protobufjs' reflection decoder of the same
 * file). Static over reflection because it is faster (`pnpm bench:remote-write`,
 * docs/services/metric-aggregation.md#remote-write-in) and because it sees a sample's raw bytes,
 * which Prometheus' staleness marker (a NaN payload) needs. Exemplars are skipped.
 */

const { Reader } = protobuf;
type PbReader = protobuf.Reader;

export interface RemoteSample {
  readonly value: number;
  /** Epoch ms. */
  readonly timestamp: number;
  /** Prometheus' staleness marker (the NaN with bits 0x7ff0000000000002). */
  readonly stale?: boolean;
}

export interface BucketSpan {
  readonly offset: number;
  readonly length: number;
}

/** A native histogram sample (prompb Histogram), counts as integers or floats as sent. */
export interface RemoteHistogram {
  readonly count: number;
  readonly sum: number;
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly negativeSpans: readonly BucketSpan[];
  readonly negativeDeltas: readonly number[];
  readonly negativeCounts: readonly number[];
  readonly positiveSpans: readonly BucketSpan[];
  readonly positiveDeltas: readonly number[];
  readonly positiveCounts: readonly number[];
  /** 0 unknown, 1 yes, 2 no, 3 gauge histogram. */
  readonly resetHint: number;
  readonly timestamp: number;
  readonly customValues: readonly number[];
  /** The sum is the staleness marker: the series ended. */
  readonly stale?: boolean;
}

export interface RemoteSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly RemoteSample[];
  /** How many native histogram samples the series has. */
  readonly histograms: number;
  /** The native histogram samples, present only when there are some. */
  readonly nativeHistograms?: readonly RemoteHistogram[];
}

export interface RemoteMetadata {
  readonly type: number;
  readonly family: string;
  readonly unit: string;
}

export interface WriteRequest {
  readonly series: readonly RemoteSeries[];
  readonly metadata: readonly RemoteMetadata[];
}

export class ProtobufError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Wire types (protobuf encoding). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;

function expectWire(actual: number, wanted: number, what: string): void {
  if (actual !== wanted) throw new ProtobufError(`${what} has wire type ${actual}, not ${wanted}`);
}

/** An int64/uint64/sint64 as protobufjs returns it (a Long when `long` is loaded) → number. */
function toNumber(value: number | protobuf.Long): number {
  return typeof value === 'number'
    ? value
    : protobuf.util.LongBits.from(value).toNumber(value.unsigned);
}

function string(r: PbReader): string {
  const bytes = r.bytes();
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtobufError('a string is not valid UTF-8');
  }
}

/** A double, and whether its bits are Prometheus' StaleNaN (read before the value). */
function double(r: PbReader): { value: number; stale: boolean } {
  if (r.pos + 8 > r.len) throw new ProtobufError('truncated double');
  const b = r.buf;
  const p = r.pos;
  const stale =
    b[p] === 2 &&
    b[p + 1] === 0 &&
    b[p + 2] === 0 &&
    b[p + 3] === 0 &&
    b[p + 4] === 0 &&
    b[p + 5] === 0 &&
    b[p + 6] === 0xf0 &&
    b[p + 7] === 0x7f;
  return { value: r.double(), stale };
}

function decodeLabel(r: PbReader, end: number): [string, string] {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        expectWire(tag & 7, LEN, 'Label.name');
        name = string(r);
        break;
      case 2:
        expectWire(tag & 7, LEN, 'Label.value');
        value = string(r);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return [name, value];
}

function decodeSample(r: PbReader, end: number): RemoteSample {
  let value = 0;
  let timestamp = 0;
  let stale = false;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        expectWire(tag & 7, I64, 'Sample.value');
        ({ value, stale } = double(r));
        break;
      case 2:
        expectWire(tag & 7, VARINT, 'Sample.timestamp');
        timestamp = toNumber(r.int64());
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return stale ? { value, timestamp, stale } : { value, timestamp };
}

function decodeSpan(r: PbReader, end: number): BucketSpan {
  let offset = 0;
  let length = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        offset = r.sint32();
        break;
      case 2:
        length = r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { offset, length };
}

/** A repeated scalar, packed (one length-delimited run) or not (one value per tag). */
function repeated(r: PbReader, wire: number, out: number[], read: () => number): void {
  if (wire === LEN) {
    const end = r.uint32() + r.pos;
    if (end > r.len) throw new ProtobufError('truncated field');
    while (r.pos < end) out.push(read());
  } else out.push(read());
}

function decodeHistogram(r: PbReader, end: number): RemoteHistogram {
  let count = 0;
  let sum = 0;
  let stale = false;
  let schema = 0;
  let zeroThreshold = 0;
  let zeroCount = 0;
  const negativeSpans: BucketSpan[] = [];
  const negativeDeltas: number[] = [];
  const negativeCounts: number[] = [];
  const positiveSpans: BucketSpan[] = [];
  const positiveDeltas: number[] = [];
  const positiveCounts: number[] = [];
  const customValues: number[] = [];
  let resetHint = 0;
  let timestamp = 0;
  const sint64 = () => toNumber(r.sint64());
  const float = () => r.double();
  while (r.pos < end) {
    const tag = r.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        count = toNumber(r.uint64());
        break;
      case 2:
        count = r.double();
        break;
      case 3:
        expectWire(wire, I64, 'Histogram.sum');
        ({ value: sum, stale } = double(r));
        break;
      case 4:
        schema = r.sint32();
        break;
      case 5:
        zeroThreshold = r.double();
        break;
      case 6:
        zeroCount = toNumber(r.uint64());
        break;
      case 7:
        zeroCount = r.double();
        break;
      case 8:
        expectWire(wire, LEN, 'Histogram.negative_spans');
        negativeSpans.push(sub(r, decodeSpan));
        break;
      case 9:
        repeated(r, wire, negativeDeltas, sint64);
        break;
      case 10:
        repeated(r, wire, negativeCounts, float);
        break;
      case 11:
        expectWire(wire, LEN, 'Histogram.positive_spans');
        positiveSpans.push(sub(r, decodeSpan));
        break;
      case 12:
        repeated(r, wire, positiveDeltas, sint64);
        break;
      case 13:
        repeated(r, wire, positiveCounts, float);
        break;
      case 14:
        resetHint = r.int32();
        break;
      case 15:
        timestamp = toNumber(r.int64());
        break;
      case 16:
        repeated(r, wire, customValues, float);
        break;
      default:
        r.skipType(wire);
    }
  }
  const h: RemoteHistogram = {
    count,
    sum,
    schema,
    zeroThreshold,
    zeroCount,
    negativeSpans,
    negativeDeltas,
    negativeCounts,
    positiveSpans,
    positiveDeltas,
    positiveCounts,
    resetHint,
    timestamp,
    customValues,
  };
  return stale ? { ...h, stale } : h;
}

/** The end of a length-delimited field starting at the reader's position, checked. */
function fieldEnd(r: PbReader): number {
  const end = r.uint32() + r.pos;
  if (end > r.len) throw new ProtobufError('truncated field');
  return end;
}

/** A submessage: decoded up to its declared length, which its last field must not overrun. */
function sub<T>(r: PbReader, decode: (r: PbReader, end: number) => T): T {
  const end = fieldEnd(r);
  const value = decode(r, end);
  if (r.pos !== end) throw new ProtobufError('a field runs past the end of its message');
  return value;
}

function decodeSeries(r: PbReader, end: number): RemoteSeries {
  const labels: Record<string, string> = {};
  const samples: RemoteSample[] = [];
  const histograms: RemoteHistogram[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: {
        expectWire(tag & 7, LEN, 'TimeSeries.labels');
        const [name, value] = sub(r, decodeLabel);
        labels[name] = value;
        break;
      }
      case 2:
        expectWire(tag & 7, LEN, 'TimeSeries.samples');
        samples.push(sub(r, decodeSample));
        break;
      case 4:
        expectWire(tag & 7, LEN, 'TimeSeries.histograms');
        histograms.push(sub(r, decodeHistogram));
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return histograms.length === 0
    ? { labels, samples, histograms: 0 }
    : { labels, samples, histograms: histograms.length, nativeHistograms: histograms };
}

function decodeMetadata(r: PbReader, end: number): RemoteMetadata {
  let type = 0;
  let family = '';
  let unit = '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === VARINT) type = r.int32();
    else if (field === 2 && wire === LEN) family = string(r);
    else if (field === 5 && wire === LEN) unit = string(r);
    else r.skipType(wire);
  }
  return { type, family, unit };
}

export function decodeWriteRequest(buf: Uint8Array): WriteRequest {
  const r = Reader.create(buf);
  const series: RemoteSeries[] = [];
  const metadata: RemoteMetadata[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          expectWire(tag & 7, LEN, 'WriteRequest.timeseries');
          series.push(sub(r, decodeSeries));
          break;
        case 3:
          expectWire(tag & 7, LEN, 'WriteRequest.metadata');
          metadata.push(sub(r, decodeMetadata));
          break;
        default:
          r.skipType(tag & 7);
      }
    }
  } catch (error) {
    if (error instanceof ProtobufError) throw error;
    // protobufjs' Reader: RangeError "index out of range", Error "invalid wire type …".
    throw new ProtobufError((error as Error).message);
  }
  return { series, metadata };
}

/** The encoder the tests and the bench use to build requests (protobufjs reflection). */
export { encodeWriteRequest } from './remote-write-proto.js';
