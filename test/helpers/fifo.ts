/**
 * A named pipe with a reader already attached, for recordings written to a
 * FIFO: `received` resolves with every byte once the writer closes it.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

/** Makes the FIFO `dir/name` and starts reading it. */
export function fifoWithReader(dir: string, name: string): { readonly path: string; readonly received: Promise<Buffer> } {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  const chunks: Buffer[] = [];
  const reader = createReadStream(path);
  reader.on('data', (c) => chunks.push(Buffer.from(c)));
  const received = new Promise<Buffer>((resolve, reject) => {
    reader.on('end', () => resolve(Buffer.concat(chunks)));
    reader.on('error', reject);
  });
  return { path, received };
}
