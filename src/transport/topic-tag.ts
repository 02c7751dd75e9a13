/**
 * Topic tags: a small integer per distinct topic string of this thread, and
 * a cell in which the PUBLISH fast path leaves the tag of the message it is
 * delivering. A consumer keeping per-topic state on the hot path (the
 * recording writer's topic ids) indexes an array by the tag instead of
 * hashing the topic string again for every message; it checks that the
 * tag's topic is the message's topic (the route's own string: one pointer
 * compare), so a stale cell (a message MQTT.js delivered, or one delivered
 * by another client of the thread) only costs it its usual lookup.
 *
 * Tags are never reused: the registry grows with the distinct topics ever
 * routed or recorded in the thread (a market's symbols: thousands at most).
 */

const tags = new Map<string, number>();

/**
 * The tag of the message the fast path is delivering, valid during the
 * message listeners' call (0: none yet). Per thread, like the topics.
 */
export const deliveredTopicTag = new Int32Array(1);

/** The tag of `topic` (1, 2, ... in order of first use in this thread). */
export function topicTag(topic: string): number {
  let tag = tags.get(topic);
  if (tag === undefined) {
    tag = tags.size + 1;
    tags.set(topic, tag);
  }
  return tag;
}
