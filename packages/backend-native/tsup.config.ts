import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', load: 'src/load.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // `import.meta.url` in the CommonJS build: the addon is found relative to the bundle.
  shims: true,
  target: 'es2022',
});
