/**
 * The `client` block of `Feed.stats()` for a feed whose messages do not come
 * from a SettradeClient (a replayed recording, a NATS relay): the counters such
 * a source has, the ones only an MQTT client has (listener errors, connection
 * attempts, failures in a row) at 0, and `connected` derived from the state.
 */
import type { ClientState, SettradeClientStats } from '../transport/client.js';

/** What a non-MQTT source reports; everything else of SettradeClientStats is 0. */
export interface SourceClientCounters {
  readonly state: ClientState;
  readonly messagesReceived: number;
  readonly reconnectCount: number;
  readonly lastMessageTs: number;
  readonly subscribeErrors: number;
  readonly reconnectEpoch: number;
  readonly lastConnectTs: number;
  readonly lastDisconnectTs: number;
  readonly staleMessagesDropped: number;
  readonly failed: boolean;
}

/** A full {@link SettradeClientStats} from a non-MQTT source's counters. */
export function sourceClientStats(c: SourceClientCounters): SettradeClientStats {
  return { ...c, connected: c.state === 'CONNECTED', callbackErrors: 0, reconnectAttempts: 0, consecutiveFailures: 0 };
}
