/**
 * The `settrade-feed` command: subcommand dispatch and top-level help.
 * Subcommands are loaded lazily so `--help` and `watch` do not pay for the
 * simulator's dependencies. Usage errors exit 2, runtime failures 1.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CliUsageError } from './args.js';

/** Top-level help text. */
export const MAIN_HELP = `Usage: settrade-feed <command> [options]

Commands:
  demo            embedded simulator + the full pipeline, live terminal view (npm start)
  watch SYMBOL... the real Settrade Open API; credentials from the environment or .env
  sim             the embedded Settrade Open API simulator alone
  bench [SUITE]   benchmark suites (decode, dispatcher, client) from a repository checkout
  soak            a compressed trading day against the simulator, every message accounted for
  relay           republish the feed to NATS JetStream (docs/scale-out.md)
  record          record every received message to a file (--sim: from the simulator)
  replay FILE...  replay recordings through the feed pipeline (--speed 1|N|max, --json)

Options:
  -h, --help      help (also: settrade-feed <command> --help)
  -v, --version   package version

Environment:
  SETTRADE_FEED_BACKEND=js|native|auto   codec/ring backend (default auto: native when it loads)
  SETTRADE_FEED_LOG_LEVEL=info           library log level (logs go to stderr)
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs the CLI with `argv` (without node and script); resolves to the exit
 * code. Never calls `process.exit`, so pending output is flushed by the caller.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(MAIN_HELP);
        return command === undefined ? 2 : 0;
      case '-v':
      case '--version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case 'demo':
        return await (await import('./demo-command.js')).runDemoCommand(rest);
      case 'watch':
        return await (await import('./watch-command.js')).runWatchCommand(rest);
      case 'sim':
        return await (await import('./sim-command.js')).runSimCommand([...rest]);
      case 'bench':
        return await (await import('./bench-command.js')).runBenchCommand(rest);
      case 'soak':
        return await (await import('./soak-command.js')).runSoakCommand(rest);
      case 'relay':
        return await (await import('./relay-command.js')).runRelayCommand(rest);
      case 'record':
        return await (await import('./record-command.js')).runRecordCommand(rest);
      case 'replay':
        return await (await import('./replay-command.js')).runReplayCommand(rest);
      default:
        throw new CliUsageError(`unknown command '${command}' (commands: demo, watch, sim, bench, soak, relay, record, replay; see --help)`);
    }
  } catch (err) {
    if (err instanceof CliUsageError) {
      process.stderr.write(`settrade-feed: ${err.message}\n`);
      return err.exitCode;
    }
    // Library errors carry a code and a message written for the user; anything else is a bug: show the stack.
    const code = (err as { code?: unknown } | null)?.code;
    const message =
      err instanceof Error ? (typeof code === 'string' ? `${err.message} (${code})` : (err.stack ?? err.message)) : String(err);
    process.stderr.write(`settrade-feed: ${message}\n`);
    return 1;
  }
}

/** Runs the CLI on `process.argv` and sets `process.exitCode`. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}

// Run when executed directly (`node --import tsx src/cli/main.ts`, as the tests do);
// the published bin imports this module and calls main() itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
