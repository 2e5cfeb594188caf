/** Label sets as the evaluator carries them: plain objects, `__name__` for the metric name. */
export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';

/** A stable identity of a label set (sorted names and values, separated by bytes no label holds). */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k] as string}`)
    .join('\u0001');
}

export function withoutName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  const out: Record<string, string> = { ...labels };
  delete out[METRIC_NAME];
  return out;
}

export function pick(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

export function omit(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = { ...labels };
  for (const name of names) delete out[name];
  return out;
}

/** Prometheus' labels.Compare: label by label in name order (name, then value); shorter first. */
export function compareLabels(a: Labels, b: Labels): number {
  const ak = Object.keys(a).sort();
  const bk = Object.keys(b).sort();
  const n = Math.min(ak.length, bk.length);
  for (let i = 0; i < n; i++) {
    const an = ak[i] as string;
    const bn = bk[i] as string;
    if (an !== bn) return an < bn ? -1 : 1;
    const av = a[an] as string;
    const bv = b[bn] as string;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return ak.length - bk.length;
}

/** `{a="1", b="2"}`, as Prometheus prints a label set in its error messages. */
export function formatLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}
