/**
 * The service's paths (docs/design.md, "The wire protocol"), spelled once for
 * the client that calls them and the simulator that serves them. Path
 * segments are URI-encoded.
 */

const seg = encodeURIComponent;

/** `POST` the signed login. */
export function loginPath(brokerId: string, appCode: string): string {
  return `/api/oam/v1/${seg(brokerId)}/broker-apps/${seg(appCode)}/login`;
}

/** `POST` a refresh token for a new token set. */
export function refreshTokenPath(brokerId: string, appCode: string): string {
  return `/api/oam/v1/${seg(brokerId)}/broker-apps/${seg(appCode)}/refresh-token`;
}

/** `GET` the dispatcher (MQTT) token and hosts. */
export function dispatcherTokenPath(brokerId: string): string {
  return `/api/dispatcher/v3/${seg(brokerId)}/token`;
}

/** The MQTT-over-WebSocket endpoint on a dispatcher host. */
export function dispatcherMqttPath(brokerId: string): string {
  return `/api/dispatcher/v3/${seg(brokerId)}/mqtt`;
}
