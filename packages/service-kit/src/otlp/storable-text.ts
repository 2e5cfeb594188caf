// In u-mode a surrogate pair is one code point, so \p{Cs} matches only lone surrogates.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is replaced
const UNSTORABLE = /[\u0000\p{Cs}]/u;
// eslint-disable-next-line no-control-regex -- NUL is exactly what is replaced
const UNSTORABLE_ALL = /[\u0000\p{Cs}]/gu;

/**
 * Text PostgreSQL can store. OTLP strings may hold U+0000, which text and jsonb refuse, and a
 * protobuf or JSON body may carry a lone surrogate, which is not UTF-8: both become U+FFFD (the
 * replacement character) so one odd character does not cost a whole batch its write.
 */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, '\uFFFD') : text;
}
