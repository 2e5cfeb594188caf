// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeIo = [
  'fs',
  'net',
  'http',
  'https',
  'child_process',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
  'cluster',
];
const forbiddenInDomain = [
  'fastify',
  'typeorm',
  'kafkajs',
  'pg',
  'pino',
  '@azure/*',
  '@opentelemetry/*',
  ...nodeIo.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]),
  'fs/promises',
  'node:fs/promises',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      '.data/**',
      '.venv-fuzz/**',
      '.venv-infra/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['packages/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: forbiddenInDomain,
              message:
                'packages/domain is pure: no framework, database, broker, logger or node I/O imports.',
            },
          ],
        },
      ],
    },
  },
);
