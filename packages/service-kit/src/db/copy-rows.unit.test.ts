import { describe, expect, it } from 'vitest';
import { copyField } from './copy-rows.js';

describe('copyField (COPY text format)', () => {
  it('writes null and undefined as \\N, and a string "\\N" as the two characters escaped', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('\\N')).toBe('\\\\N');
  });

  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField('plain "quoted" ü ✓')).toBe('plain "quoted" ü ✓');
  });

  it('writes numbers and booleans as String() does, and objects as escaped JSON', () => {
    expect(copyField(0.1)).toBe('0.1');
    expect(copyField(-1e-7)).toBe('-1e-7');
    expect(copyField(true)).toBe('true');
    expect(copyField({ a: 'x\ty', n: [1, null] })).toBe('{"a":"x\\\\ty","n":[1,null]}');
  });
});
