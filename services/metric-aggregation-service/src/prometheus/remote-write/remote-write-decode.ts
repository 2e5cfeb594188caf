/**
 * A decoder for remote write 1.0's WriteRequest (remote.proto, next to this file): the protobuf
 * wire format read field by field. Exemplars are skipped; native histograms (TimeSeries field 4)
 * are reported so the route can refuse them by name.
 */

export interface RemoteSample {
  readonly value: number;
  /** Epoch ms. */
  readonly timestamp: number;
  /** Prometheus' staleness marker (the NaN with bits 0x7ff0000000000002). */
  readonly stale?: boolean;
}

export interface RemoteSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly RemoteSample[];
  readonly histograms: number;
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

const decoder = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos: number;
  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint');
      const byte = this.buf[this.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  int(): number {
    return Number(this.varint());
  }

  bytes(): Reader {
    const length = this.int();
    if (length < 0 || this.pos + length > this.end) throw new ProtobufError('truncated field');
    const sub = new Reader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  string(): string {
    const sub = this.bytes();
    try {
      return decoder.decode(this.buf.subarray(sub.pos, sub.end));
    } catch {
      throw new ProtobufError('a string is not valid UTF-8');
    }
  }

  double(): { value: number; stale: boolean } {
    if (this.pos + 8 > this.end) throw new ProtobufError('truncated double');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    const stale = view.getUint32(0, true) === 2 && view.getUint32(4, true) === 0x7ff00000;
    return { value: view.getFloat64(0, true), stale };
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new ProtobufError('truncated field');
  }

  /** Each field of the message: its number and wire type, the reader positioned on its value. */
  *fields(): Generator<[number, number]> {
    while (!this.done()) {
      const key = this.int();
      yield [key >>> 3, key & 7];
    }
  }
}

function expectWire(actual: number, wanted: number, what: string): void {
  if (actual !== wanted) throw new ProtobufError(`${what} has wire type ${actual}, not ${wanted}`);
}

function decodeSample(r: Reader): RemoteSample {
  let value = 0;
  let timestamp = 0;
  let stale = false;
  for (const [field, wire] of r.fields()) {
    if (field === 1) {
      expectWire(wire, 1, 'Sample.value');
      ({ value, stale } = r.double());
    } else if (field === 2) {
      expectWire(wire, 0, 'Sample.timestamp');
      timestamp = Number(BigInt.asIntN(64, r.varint()));
    } else r.skip(wire);
  }
  return stale ? { value, timestamp, stale } : { value, timestamp };
}

function decodeSeries(r: Reader): RemoteSeries {
  const labels: Record<string, string> = {};
  const samples: RemoteSample[] = [];
  let histograms = 0;
  for (const [field, wire] of r.fields()) {
    if (field === 1) {
      expectWire(wire, 2, 'TimeSeries.labels');
      const label = r.bytes();
      let name = '';
      let value = '';
      for (const [f, w] of label.fields()) {
        if (f === 1) {
          expectWire(w, 2, 'Label.name');
          name = label.string();
        } else if (f === 2) {
          expectWire(w, 2, 'Label.value');
          value = label.string();
        } else label.skip(w);
      }
      labels[name] = value;
    } else if (field === 2) {
      expectWire(wire, 2, 'TimeSeries.samples');
      samples.push(decodeSample(r.bytes()));
    } else if (field === 4) {
      r.skip(wire);
      histograms++;
    } else r.skip(wire);
  }
  return { labels, samples, histograms };
}

function decodeMetadata(r: Reader): RemoteMetadata {
  let type = 0;
  let family = '';
  let unit = '';
  for (const [field, wire] of r.fields()) {
    if (field === 1 && wire === 0) type = r.int();
    else if (field === 2 && wire === 2) family = r.string();
    else if (field === 5 && wire === 2) unit = r.string();
    else r.skip(wire);
  }
  return { type, family, unit };
}

export function decodeWriteRequest(buf: Uint8Array): WriteRequest {
  const r = new Reader(buf);
  const series: RemoteSeries[] = [];
  const metadata: RemoteMetadata[] = [];
  for (const [field, wire] of r.fields()) {
    if (field === 1) {
      expectWire(wire, 2, 'WriteRequest.timeseries');
      series.push(decodeSeries(r.bytes()));
    } else if (field === 3) {
      expectWire(wire, 2, 'WriteRequest.metadata');
      metadata.push(decodeMetadata(r.bytes()));
    } else r.skip(wire);
  }
  return { series, metadata };
}

/** The encoder the tests use to build requests (the same wire format, written). */
export function encodeWriteRequest(request: {
  series: { labels: Record<string, string>; samples: RemoteSample[] }[];
  metadata?: RemoteMetadata[];
}): Uint8Array {
  const out: number[] = [];
  const varint = (target: number[], v: bigint) => {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      target.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    target.push(Number(x));
  };
  const len = (target: number[], field: number, body: number[]) => {
    varint(target, BigInt((field << 3) | 2));
    varint(target, BigInt(body.length));
    target.push(...body);
  };
  const str = (target: number[], field: number, s: string) =>
    len(target, field, [...new TextEncoder().encode(s)]);
  for (const s of request.series) {
    const ts: number[] = [];
    for (const [name, value] of Object.entries(s.labels)) {
      const label: number[] = [];
      str(label, 1, name);
      str(label, 2, value);
      len(ts, 1, label);
    }
    for (const sample of s.samples) {
      const body: number[] = [0x09];
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, sample.value, true);
      body.push(...bytes, 0x10);
      varint(body, BigInt(sample.timestamp));
      len(ts, 2, body);
    }
    len(out, 1, ts);
  }
  for (const m of request.metadata ?? []) {
    const body: number[] = [0x08];
    varint(body, BigInt(m.type));
    str(body, 2, m.family);
    str(body, 5, m.unit);
    len(out, 3, body);
  }
  return Uint8Array.from(out);
}
