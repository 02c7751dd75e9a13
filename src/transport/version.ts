/**
 * The package version and the User-Agent the REST calls send. package.json
 * is read once, relative to this module: src/transport/ and dist/transport/
 * are both two levels below the package root.
 */
import { createRequire } from 'node:module';

function readVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** This package's version. */
export const PACKAGE_VERSION: string = readVersion();

/** `settrade-feed/{version} node/{process.version}`. */
export const USER_AGENT = `settrade-feed/${PACKAGE_VERSION} node/${process.version}`;
