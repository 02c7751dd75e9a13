/**
 * The exact topics the PUBLISH fast path takes, matched on the raw topic
 * bytes of a packet (a hash, then a byte comparison) so that nothing is
 * decoded or allocated per message; the topic string handed on is interned,
 * and each route carries the topic's tag (src/transport/topic-tag.ts).
 */
import { topicTag } from './topic-tag.js';

/** A routed topic: its bytes, its interned string and its tag. */
export interface Route {
  readonly bytes: Buffer;
  readonly topic: string;
  readonly tag: number;
}

/** FNV-1a over `buf[start, end)`. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Buffer, buf: Uint8Array, start: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

/** A set of exact topics keyed by their UTF-8 bytes. */
export class TopicRoutes {
  readonly #byHash = new Map<number, Route[]>();

  /**
   * Adds `topic`. Wildcard filters, the empty topic and strings that are not
   * well-formed UTF-16 (their bytes would not decode back to the same string,
   * which is what MQTT.js would hand on) are ignored: MQTT.js keeps them.
   */
  add(topic: string): void {
    if (topic === '' || topic.includes('+') || topic.includes('#')) return;
    const bytes = Buffer.from(topic, 'utf8');
    if (bytes.toString('utf8') !== topic) return;
    const h = hashBytes(bytes, 0, bytes.length);
    const list = this.#byHash.get(h) ?? [];
    if (!list.some((r) => r.topic === topic)) list.push({ bytes, topic, tag: topicTag(topic) });
    this.#byHash.set(h, list);
  }

  /** Removes `topic` (no-op when absent). */
  remove(topic: string): void {
    const bytes = Buffer.from(topic, 'utf8');
    const h = hashBytes(bytes, 0, bytes.length);
    const list = this.#byHash.get(h)?.filter((r) => r.topic !== topic);
    if (list && list.length > 0) this.#byHash.set(h, list);
    else this.#byHash.delete(h);
  }

  /** True when no topic is routed. */
  get empty(): boolean {
    return this.#byHash.size === 0;
  }

  /** The interned topic whose bytes are `buf[start, end)`, or undefined. */
  match(buf: Uint8Array, start: number, end: number): string | undefined {
    return this.matchRoute(buf, start, end)?.topic;
  }

  /** The route whose topic bytes are `buf[start, end)`, or undefined. */
  matchRoute(buf: Uint8Array, start: number, end: number): Route | undefined {
    const list = this.#byHash.get(hashBytes(buf, start, end));
    if (list === undefined) return undefined;
    const n = end - start;
    for (let k = 0; k < list.length; k++) {
      const r = list[k]!;
      if (r.bytes.length === n && sameBytes(r.bytes, buf, start)) return r;
    }
    return undefined;
  }
}
