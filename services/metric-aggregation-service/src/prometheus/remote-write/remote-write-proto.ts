import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import type {
  RemoteHistogram,
  RemoteMetadata,
  RemoteSample,
  RemoteSeries,
  WriteRequest,
} from './remote-write-decode.js';

/**
 * remote.proto through protobufjs reflection: the encoder tests and the bench build requests
 * with, and the reflection decoder the static one is held to (unit test) and measured against
 * (bench). The service decodes with the static decoder (remote-write-decode.ts); this file is
 * loaded on first use only.
 */

let root: protobuf.Root | undefined;

export function writeRequestType(): protobuf.Type {
  root ??= protobuf.parse(readFileSync(new URL('./remote.proto', import.meta.url), 'utf8'), {
    keepCase: false,
  }).root;
  return root.lookupType('prometheus.WriteRequest');
}

export interface EncodableSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly RemoteSample[];
  readonly histograms?: readonly Partial<RemoteHistogram>[];
}

/** A WriteRequest's protobuf bytes (not snappy-compressed). */
export function encodeWriteRequest(request: {
  series: readonly EncodableSeries[];
  metadata?: readonly RemoteMetadata[];
}): Uint8Array {
  const type = writeRequestType();
  const message = type.fromObject({
    timeseries: request.series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: s.samples.map((x) => ({ value: x.value, timestamp: x.timestamp })),
      histograms: (s.histograms ?? []).map((h) => ({
        ...(Number.isInteger(h.count) ? { countInt: h.count } : { countFloat: h.count }),
        sum: h.sum,
        schema: h.schema,
        zeroThreshold: h.zeroThreshold,
        ...(Number.isInteger(h.zeroCount ?? 0)
          ? { zeroCountInt: h.zeroCount ?? 0 }
          : { zeroCountFloat: h.zeroCount }),
        negativeSpans: h.negativeSpans,
        negativeDeltas: h.negativeDeltas,
        negativeCounts: h.negativeCounts,
        positiveSpans: h.positiveSpans,
        positiveDeltas: h.positiveDeltas,
        positiveCounts: h.positiveCounts,
        resetHint: h.resetHint,
        timestamp: h.timestamp,
        customValues: h.customValues,
      })),
    })),
    metadata: (request.metadata ?? []).map((m) => ({
      type: m.type,
      metricFamilyName: m.family,
      unit: m.unit,
    })),
  });
  // A copy at offset 0 of its own buffer: protobufjs may hand out a slice of Node's Buffer pool.
  return Uint8Array.from(type.encode(message).finish());
}

interface DecodedHistogram {
  countInt?: number;
  countFloat?: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCountInt?: number;
  zeroCountFloat?: number;
  negativeSpans: { offset: number; length: number }[];
  negativeDeltas: number[];
  negativeCounts: number[];
  positiveSpans: { offset: number; length: number }[];
  positiveDeltas: number[];
  positiveCounts: number[];
  resetHint: number;
  timestamp: number;
  customValues: number[];
}

interface Decoded {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: number; timestamp: number }[];
    histograms: DecodedHistogram[];
  }[];
  metadata: { type: number; metricFamilyName: string; unit: string }[];
}

/** protobufjs' reflection decoder, mapped to the static decoder's shape (no staleness flag). */
export function decodeWriteRequestReflection(buf: Uint8Array): WriteRequest {
  const type = writeRequestType();
  const decoded = type.toObject(type.decode(buf), {
    longs: Number,
    enums: Number,
    defaults: true,
    arrays: true,
    oneofs: false,
  }) as Decoded;
  return {
    series: decoded.timeseries.map((s): RemoteSeries => {
      const labels: Record<string, string> = {};
      for (const l of s.labels) labels[l.name] = l.value;
      const samples = s.samples.map((x) => ({ value: x.value, timestamp: x.timestamp }));
      if (s.histograms.length === 0) return { labels, samples, histograms: 0 };
      return {
        labels,
        samples,
        histograms: s.histograms.length,
        nativeHistograms: s.histograms.map((h) => ({
          count: h.countFloat ?? h.countInt ?? 0,
          sum: h.sum,
          schema: h.schema,
          zeroThreshold: h.zeroThreshold,
          zeroCount: h.zeroCountFloat ?? h.zeroCountInt ?? 0,
          negativeSpans: h.negativeSpans,
          negativeDeltas: h.negativeDeltas,
          negativeCounts: h.negativeCounts,
          positiveSpans: h.positiveSpans,
          positiveDeltas: h.positiveDeltas,
          positiveCounts: h.positiveCounts,
          resetHint: h.resetHint,
          timestamp: h.timestamp,
          customValues: h.customValues,
        })),
      };
    }),
    metadata: decoded.metadata.map((m) => ({
      type: m.type,
      family: m.metricFamilyName,
      unit: m.unit,
    })),
  };
}
