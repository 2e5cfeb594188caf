import { describe, expect, it } from 'vitest';
import { storableText } from './storable-text.js';

describe('storableText', () => {
  it('replaces U+0000 and lone surrogates with U+FFFD, and keeps surrogate pairs', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('\ud800x\udc00')).toBe('\uFFFDx\uFFFD');
    expect(storableText('ok 😀')).toBe('ok 😀');
    expect(storableText('')).toBe('');
  });

  it('gives text that survives a UTF-8 round trip', () => {
    const text = storableText('x\ud83d\u0000\ude00y');
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });
});
