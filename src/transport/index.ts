/** Transport: authentication, connection targets and the SettradeClient state machine. */
export { SettradeClient } from './client.js';
export type {
  ClientState,
  MessageListener,
  ReceiveStamp,
  ReconnectInfo,
  ReconnectReason,
  SettradeClientEvents,
  SettradeClientStats,
} from './client.js';
export { SETTRADE_CLIENT_DEFAULTS, SETTRADE_CLIENT_OPTION_KEYS, settradeClientOptionsSchema } from './options.js';
export type { SettradeClientOptions } from './options.js';
export {
  SettradeError,
  SettradeAuthError,
  SettradeConfigError,
  SettradeConnectionError,
} from './errors.js';
export type { SettradeErrorCode, AuthStep } from './errors.js';
export {
  PRODUCTION_BASE_URL,
  UAT_BASE_URL,
  privateKeyFromSecret,
  signLogin,
  login,
  refreshLogin,
  authorizationHeader,
  fetchDispatcherToken,
  resolveApiTarget,
} from './auth.js';
export type { Credentials, LoginResult, DispatcherToken, ApiTarget } from './auth.js';
export { settradeEndpoint, staticEndpoint, dispatcherMqttUrl, isLoopbackHost } from './endpoint.js';
export type { Endpoint, EndpointProvider, EndpointRequest } from './endpoint.js';
export { SUBSCRIBE_ERROR_TOPIC, parseSubscribeError } from '../protocol/subscribe-error.js';
export { PACKAGE_VERSION, USER_AGENT } from './version.js';
export type { SubscribeErrorEvent } from '../protocol/subscribe-error.js';
export { backoffDelay } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
