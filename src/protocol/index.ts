/**
 * The Settrade Open API's wire-level rules, shared by the client (transport,
 * adapter), the simulator and the CLI: topics and symbol rules, the
 * subscribe-error topic, the REST and MQTT paths.
 */
export { normalizeSymbol, topicOf, symbolOfTopic, InvalidSymbolError, MAX_SYMBOL_BYTES, BIDOFFER_TOPIC_PREFIX } from './symbol.js';
export { SUBSCRIBE_ERROR_TOPIC, parseSubscribeError } from './subscribe-error.js';
export type { SubscribeErrorEvent } from './subscribe-error.js';
export { loginPath, refreshTokenPath, dispatcherTokenPath, dispatcherMqttPath } from './paths.js';
