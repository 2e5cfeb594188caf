import { badData, unsupported } from './errors.js';

/** Go's strconv.Unquote for PromQL string literals: "…" and '…' with escapes, `…` raw. */
export function unquote(literal: string): string {
  const quote = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== quote) {
    throw badData(`unterminated quoted string ${literal}`);
  }
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const hex = (n: number) => {
      const digits = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits))
        throw badData(`invalid syntax in ${literal}`);
      i += n;
      return parseInt(digits, 16);
    };
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
      case "'":
        if (e !== quote) throw badData(`invalid syntax in ${literal}`);
        out += e;
        break;
      case 'x':
        out += String.fromCharCode(hex(2));
        break;
      case 'u':
        out += String.fromCodePoint(hex(4));
        break;
      case 'U':
        out += String.fromCodePoint(hex(8));
        break;
      default: {
        const octal = body.slice(i, i + 3);
        if (/^[0-7]{3}$/.test(octal)) {
          out += String.fromCharCode(parseInt(octal, 8));
          i += 2;
          break;
        }
        throw badData(`invalid syntax in ${literal}`);
      }
    }
  }
  return out;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** Prometheus' model.ParseDuration (`1h30m`, `5m`, `100ms`), in milliseconds; undefined if not one. */
export function parsePromDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+)(ms|y|w|d|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  let last = -1;
  const order = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const unit = m[2] as string;
    const rank = order.indexOf(unit);
    if (rank <= last) return undefined;
    last = rank;
    total += Number(m[1]) * (UNIT_MS[unit] as number);
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}

/** A PromQL number literal (decimal, hex, Inf, NaN, or a duration read as seconds). */
export function parseNumberLiteral(text: string): number {
  let sign = 1;
  let body = text;
  if (body.startsWith('-') || body.startsWith('+')) {
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  const lower = body.toLowerCase();
  if (lower === 'inf') return sign * Infinity;
  if (lower === 'nan') return NaN;
  if (/^0x[0-9a-f]+$/i.test(body)) return sign * parseInt(body.slice(2), 16);
  const plain = body.replaceAll('_', '');
  if (/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(plain)) return sign * Number(plain);
  const ms = parsePromDuration(body);
  if (ms !== undefined) return (sign * ms) / 1000;
  throw badData(`bad number or duration syntax: "${text}"`);
}

/**
 * A Go RE2 pattern as a JavaScript RegExp, anchored as Prometheus anchors matchers and
 * label_replace (`^(?:re)$`, `.` matching newlines). RE2 syntax JavaScript reads differently is
 * refused (422) rather than guessed: inline flags other than a leading `(?i)`, POSIX classes,
 * `\z`, `\Q…\E`, `\C`, `\p{…}` with Go-only names.
 */
export function compileGoRegex(pattern: string, where: string): RegExp {
  let source = pattern;
  let flags = 'su';
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading) {
    const f = leading[1] as string;
    if (/[mU]/.test(f)) throw unsupported(`the regular expression flags (?${f}) in ${where}`);
    if (f.includes('i')) flags += 'i';
    source = source.slice(leading[0].length);
  }
  for (const m of source.matchAll(/\(\?(P?<[a-zA-Z_]\w*>|:|<=|<!|=|!|[a-zA-Z-]*[:)])?/g)) {
    const what = m[1] ?? '';
    if (what === ':' || (what.includes('<') && !what.startsWith('<=') && !what.startsWith('<!'))) {
      continue;
    }
    if (what === '=' || what === '!' || what === '<=' || what === '<!' || what === '') {
      // RE2 has no look-around: Prometheus refuses these patterns as invalid.
      throw badData(`invalid regular expression in ${where}: invalid or unsupported Perl syntax`);
    }
    throw unsupported(`inline regular expression flags in ${where}`);
  }
  if (/\\[1-9]/.test(source)) {
    throw badData(`invalid regular expression in ${where}: invalid escape sequence`);
  }
  if (/\[\[:|\\[zQEC]/.test(source)) {
    throw unsupported(`RE2-only regular expression syntax in ${where}`);
  }
  // Go names groups (?P<name>…); JavaScript (?<name>…).
  source = source.replaceAll('(?P<', '(?<');
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch (error) {
    throw badData(`invalid regular expression in ${where}: ${(error as Error).message}`);
  }
}
