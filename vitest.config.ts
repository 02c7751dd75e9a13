import { defineConfig } from 'vitest/config';

// Every test file runs twice: once with whatever backend loads (native when the
// addon is built) and once with the pure-JS backend forced, so both backends
// are checked in every run.
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
    ],
  },
});
