/**
 * Settrade credentials for `settrade-feed watch`, read from the environment or
 * a `.env` file (Node's built-in `process.loadEnvFile`; variables already in
 * the environment win). The secret is never printed: errors name variables,
 * never their values.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { resolve } from 'node:path';
import { CliUsageError } from './args.js';

/** The environment variables `watch` needs, in the order they are reported. */
export const CREDENTIAL_VARIABLES = [
  'SETTRADE_APP_ID',
  'SETTRADE_APP_SECRET',
  'SETTRADE_APP_CODE',
  'SETTRADE_BROKER_ID',
] as const;

/** Optional: overrides the API base URL (e.g. a simulator's `http://127.0.0.1:PORT`). */
export const BASE_URL_VARIABLE = 'SETTRADE_BASE_URL';

/** Credentials in the shape `SettradeClient` takes. */
export interface EnvCredentials {
  readonly appId: string;
  readonly appSecret: string;
  readonly appCode: string;
  readonly brokerId: string;
  /** From SETTRADE_BASE_URL when set; else the client derives it from the broker id. */
  readonly baseUrl?: string;
}

/** One or more credential variables are missing or empty. */
export class MissingCredentialsError extends CliUsageError {
  /** The variables that were missing or empty. */
  readonly missing: readonly string[];
  constructor(missing: readonly string[], envFile: string | undefined) {
    const where = envFile ? `the environment or ${envFile}` : 'the environment or a .env file';
    super(
      `missing Settrade credentials: set ${missing.join(', ')} in ${where}. ` +
        `Needed: ${CREDENTIAL_VARIABLES.join(', ')} (from the Settrade Open API console).`,
    );
    this.name = 'MissingCredentialsError';
    this.missing = missing;
  }
}

/** Where to look for credentials. */
export interface LoadCredentialsOptions {
  /** Variables to read (default `process.env`). A `.env` file only fills what this lacks. */
  readonly env?: NodeJS.ProcessEnv;
  /** `.env` path (default `./.env` when it exists; an explicit path must exist). */
  readonly envFile?: string;
}

/**
 * Reads the four credential variables. Throws {@link MissingCredentialsError}
 * naming every missing one (exit code 2 in the CLI).
 */
export function loadEnvCredentials(options: LoadCredentialsOptions = {}): EnvCredentials {
  let env = options.env ?? process.env;
  const envFile = options.envFile ?? (existsSync(resolve('.env')) ? resolve('.env') : undefined);
  if (envFile !== undefined) {
    if (!existsSync(envFile)) throw new CliUsageError(`--env-file: ${envFile} does not exist`);
    if (env === process.env) {
      process.loadEnvFile(envFile);
    } else {
      // A caller-supplied env (tests) is filled from the file without touching process.env.
      env = { ...parseEnv(readFileSync(envFile, 'utf8')), ...env };
    }
  }
  const missing = CREDENTIAL_VARIABLES.filter((name) => !env[name] || env[name]!.trim() === '');
  if (missing.length > 0) throw new MissingCredentialsError(missing, envFile);
  const baseUrl = env[BASE_URL_VARIABLE]?.trim();
  return {
    appId: env.SETTRADE_APP_ID!.trim(),
    appSecret: env.SETTRADE_APP_SECRET!.trim(),
    appCode: env.SETTRADE_APP_CODE!.trim(),
    brokerId: env.SETTRADE_BROKER_ID!.trim(),
    ...(baseUrl ? { baseUrl } : {}),
  };
}
