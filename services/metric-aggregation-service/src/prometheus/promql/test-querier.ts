import { matches } from './parse.js';
import type { Querier } from './engine.js';
import type { SeriesData } from './values.js';

/**
 * An in-memory Querier for the evaluator's unit tests, loaded with Prometheus' promql/testdata
 * series notation: `load 5m` then `name{a="b"} 0+10x10` (start, increment, repetitions), `_` for
 * no sample, plain values separated by spaces.
 */
export function memoryQuerier(series: readonly SeriesData[]): Querier {
  return {
    select: (matchers, minT, maxT) =>
      Promise.resolve(
        series.flatMap((s) => {
          if (!matchers.every((m) => matches(m, s.labels[m.name] ?? ''))) return [];
          const t: number[] = [];
          const v: number[] = [];
          s.t.forEach((at, i) => {
            if (at > minT && at <= maxT) {
              t.push(at);
              v.push(s.v[i] as number);
            }
          });
          return t.length > 0 ? [{ labels: s.labels, t, v }] : [];
        }),
      ),
  };
}

/** `load <interval>` lines: `metric{label="v"} 0+10x10 _ 5`. */
export function load(intervalMs: number, lines: string): SeriesData[] {
  return lines
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^\s*([a-zA-Z_:][\w:]*)?(\{[^}]*\})?\s+(.*)$/.exec(line);
      if (!m) throw new Error(`bad load line ${line}`);
      const labels: Record<string, string> = {};
      if (m[1]) labels.__name__ = m[1];
      for (const pair of (m[2] ?? '').slice(1, -1).split(',').filter(Boolean)) {
        const [k, v] = pair.split('=');
        labels[(k as string).trim()] = JSON.parse((v as string).trim()) as string;
      }
      const t: number[] = [];
      const v: number[] = [];
      let i = 0;
      for (const item of (m[3] as string).trim().split(/\s+/)) {
        const rep = /^(-?[\d.]+)([+-][\d.]+)x(\d+)$/.exec(item);
        if (rep) {
          const start = Number(rep[1]);
          const inc = Number(rep[2]);
          for (let k = 0; k <= Number(rep[3]); k++) {
            t.push(i * intervalMs);
            v.push(start + inc * k);
            i++;
          }
        } else if (item === '_') {
          i++;
        } else {
          t.push(i * intervalMs);
          v.push(item === 'NaN' ? NaN : Number(item));
          i++;
        }
      }
      return { labels, t, v };
    });
}
