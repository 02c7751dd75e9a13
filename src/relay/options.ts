/**
 * Options of the relay ({@link createRelay}) and of its consumers
 * ({@link connectRelayFeed}): one zod schema each, the source of the types,
 * the defaults and the checks.
 */
import type { z } from 'zod';
import { SettradeFeedError } from '../errors.js';
import type { SettradeClientOptions } from '../transport/options.js';
import { lazy, loggerSchema, msSchema, parseOptions } from '../util/options-schema.js';
import { DEFAULT_STREAM } from './protocol.js';

/** Invalid relay or relay-consumer options; `field` names the option. */
export class RelayConfigError extends SettradeFeedError {
  declare readonly code: 'ERR_CONFIG_INVALID';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('ERR_CONFIG_INVALID', `${field}: ${message}`);
    this.name = 'RelayConfigError';
  }
}

/** The relay's and its consumers' schemas, built on first use (src/util/options-schema.ts). */
const schemas = lazy((z) => {
  const serversSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
  const symbolsSchema = z.array(z.string()).min(1);
  // JetStream stream names: no whitespace, '.', '*', '>', path separators.
  const streamSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

  // What both the relay and its consumers need of NATS.
  const natsFields = {
    /** NATS server URL(s), e.g. 'nats://127.0.0.1:4222'. */
    servers: serversSchema,
    /** JetStream stream (the relay creates or updates it; consumers read it). */
    stream: streamSchema.default(DEFAULT_STREAM),
    /** Wait between NATS reconnect attempts (reconnects are unlimited). */
    natsReconnectWaitMs: msSchema().default(1000),
    /** pino-shaped logger. */
    logger: loggerSchema().optional(),
  };

  const relay = z.object({
    ...natsFields,
    /** Settrade connection (credentials + baseUrl, or endpoint): SettradeClient's options, validated by it. */
    settrade: z.custom<SettradeClientOptions>((v) => typeof v === 'object' && v !== null, { message: 'must be SettradeClient options' }),
    /** Symbols relayed. */
    symbols: symbolsSchema,
    /** Stream max age in seconds (0: unlimited). */
    maxAgeSec: z.number().int().min(0).max(365 * 86_400).default(86_400),
    /** Stream limit of messages kept per subject (per symbol); -1: unlimited. */
    maxMsgsPerSubject: z.number().int().min(-1).default(100_000),
    /** Stream storage. 'file' survives a server restart. */
    storage: z.enum(['file', 'memory']).default('file'),
    /** Publishes awaiting their JetStream ack at most (the async window). */
    inFlightWindow: z.number().int().min(1).max(1_000_000).default(1024),
    /** Messages held while NATS is slow or down; past it the oldest is dropped and counted. */
    bufferSize: z.number().int().min(1).max(100_000_000).default(100_000),
    /** How long one publish waits for its ack before it counts as failed. */
    ackTimeoutMs: msSchema().min(1).default(5000),
  });

  const startSchema = z.union([
    z.literal('last'),
    z.literal('new'),
    z.strictObject({ startTime: z.union([z.date(), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date')]) }),
  ]);

  const feed = z.object({
    ...natsFields,
    /** Symbols consumed from the start. */
    symbols: z.array(z.string()).default([]),
    /** true: FullBidOffer events; false: BestBidAsk. */
    fullDepth: z.boolean(),
    /**
     * 'last' (default): every symbol's last message first, then live; 'new':
     * live only; `{ startTime }`: everything stored since then, then live.
     */
    from: startSchema.default('last'),
    /** Rings, one per consumer thread (events routed by symbol, as createFeed). */
    shards: z.number().int().min(1).max(64).default(1),
    /** Ring capacity in events (each ring). */
    maxSize: z.number().int().min(1).optional(),
    /** Ring overflow policy. */
    overflow: z.enum(['drop-oldest', 'reject-newest']).default('drop-oldest'),
    /** Fault in every ring page at creation. */
    preTouchMemory: z.boolean().optional(),
    /** Must be false (or absent): the NATS client runs on the calling thread. */
    worker: z.literal(false, { message: 'must be false or absent: the relay consumer runs its NATS client on the calling thread' }).optional(),
  });
  return { relay, feed };
});
type Schemas = ReturnType<typeof schemas>;
const relaySchema = (): Schemas['relay'] => schemas().relay;
const feedSchema = (): Schemas['feed'] => schemas().feed;

/** Options of {@link createRelay}. */
export type RelayOptions = z.input<Schemas['relay']>;
/** {@link RelayOptions} with defaults filled in. */
export type ResolvedRelayOptions = z.output<Schemas['relay']>;

/** Validates relay options; throws {@link RelayConfigError} naming the field. */
export function parseRelayOptions(input: unknown): ResolvedRelayOptions {
  return parseOptions(relaySchema, input, (f, m) => new RelayConfigError(f, m));
}

/** Where a relay consumer starts reading. */
export type RelayStart = 'last' | 'new' | { readonly startTime: Date | string };

/** Options of {@link connectRelayFeed}. */
export type RelayFeedOptions = z.input<Schemas['feed']>;
/** {@link RelayFeedOptions} with defaults filled in. */
export type ResolvedRelayFeedOptions = z.output<Schemas['feed']>;

/** Validates relay-consumer options; throws {@link RelayConfigError} naming the field. */
export function parseRelayFeedOptions(input: unknown): ResolvedRelayFeedOptions {
  return parseOptions(feedSchema, input, (f, m) => new RelayConfigError(f, m));
}
