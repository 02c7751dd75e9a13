/**
 * Type-level contract of the event kinds: `tsc --noEmit` over the fixtures in
 * test/fixtures/types (strict). typed-kinds.ts must compile with no cast
 * (poll/drain/events/attach/createFeed carry the kind), and every line of
 * wrong-kind.ts under `@ts-expect-error` must fail to compile (tsc reports an
 * unused directive, TS2578, otherwise). Backend-independent, so it checks the
 * same thing in both projects.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const fixtures = fileURLToPath(new URL('./fixtures/types/', import.meta.url));
const srcIndex = fileURLToPath(new URL('../src/index.js', import.meta.url));

function runTsc(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '--noEmit', '-p', project], { timeout: 110_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('event kinds in the types (tsc over test/fixtures/types)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'settrade-types-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('typed-kinds.ts compiles without casts and each wrong-kind.ts line is a type error', async () => {
    const { code, output } = await runTsc(join(fixtures, 'tsconfig.json'));
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 120_000);

  it('control: an @ts-expect-error over correct code is reported (the check can fail)', async () => {
    // The right kind compiles, so its @ts-expect-error is unused: TS2578.
    writeFileSync(
      join(tmp, 'control.ts'),
      [
        `import { Dispatcher, type FullBidOffer } from ${JSON.stringify(srcIndex)};`,
        `// @ts-expect-error`,
        `export const events: FullBidOffer[] = new Dispatcher({ kind: 'fullBidOffer' }).poll();`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(tmp, 'tsconfig.json'),
      JSON.stringify({ extends: join(fixtures, 'tsconfig.json'), include: [], files: [join(tmp, 'control.ts')], compilerOptions: { typeRoots: [fileURLToPath(new URL('../node_modules/@types', import.meta.url))] } }),
    );
    const { code, output } = await runTsc(join(tmp, 'tsconfig.json'));
    expect(output).toMatch(/control\.ts\(2,1\): error TS2578/);
    expect(code).not.toBe(0);
  }, 120_000);
});
