/** Strings that end a KQL literal or start a clause if concatenated. */
export const INJECTIONS = [
  '"',
  "'",
  '\\',
  '\\"',
  '"); AppTraces | take 100000; let x = ("',
  "'); union * | where 1 == 1 //",
  '\n| union withsource=T *',
  '@"verbatim"',
  '*/ | project-away *',
  'x" or 1 == 1 or "',
  '```',
  '\u0000\u2028\u2029',
  'ü日本語🎉',
  ';'.repeat(256),
];
