import { defineConfig } from 'vitest/config';

// Every test file runs twice: once with the native backend required and once
// with the pure-JS backend forced, so both backends are checked in every run.
// A third project runs the codec suites (vectors, native/JS differential,
// payload pushes) again with the addon's portable C++ decoder, so both C++
// variants (bmi2 where the CPU has a fast PEXT, and portable) are checked too.
const common = {
  include: ['test/**/*.test.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: 'native', env: { SETTRADE_FEED_BACKEND: 'native' } } },
      { test: { ...common, name: 'js', env: { SETTRADE_FEED_BACKEND: 'js' } } },
      {
        test: {
          ...common,
          name: 'native-portable',
          include: ['test/codec-*.test.ts', 'test/dispatcher-payload.test.ts'],
          env: { SETTRADE_FEED_BACKEND: 'native', SETTRADE_FEED_NATIVE_DECODER: 'portable' },
        },
      },
    ],
  },
});
