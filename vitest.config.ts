import { configDefaults, defineConfig } from 'vitest/config';

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
  // Most suites wait on sockets, timers and child processes, not on the CPU:
  // two at a time on a 2-core machine halves the wall time (vitest's default
  // is one fewer than the cores, i.e. one here).
  maxWorkers: 2,
};

// Suites that exercise no codec or ring code (type-checking, packaging, the
// MQTT framing, the skip mechanism) give the same answer on either backend:
// they run once, in the native project.
const backendIndependent = [
  'test/types.test.ts',
  'test/package-surface.test.ts',
  'test/system-binary.test.ts',
  'test/transport-fast-path-differential.test.ts',
  'test/transport-fast-path-linear.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: 'native', env: { SETTRADE_FEED_BACKEND: 'native' } } },
      { test: { ...common, name: 'js', exclude: [...configDefaults.exclude, ...backendIndependent], env: { SETTRADE_FEED_BACKEND: 'js' } } },
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
