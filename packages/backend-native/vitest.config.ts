import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the package by name; point it at the sources so that tests and the package's
// internals (imported from ../src) share one copy of every class.
const src = (f: string): string => fileURLToPath(new URL(`./src/${f}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tessera\/backend-native$/, replacement: src('index.ts') },
      { find: /^@tessera\/backend-native\/load$/, replacement: src('load.ts') },
    ],
  },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
