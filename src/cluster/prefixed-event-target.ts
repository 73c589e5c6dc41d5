/** The part of EventTarget that `createPubSub` uses. */
export interface TopicEventTarget {
  addEventListener(topic: string, listener: unknown): void;
  removeEventListener(topic: string, listener: unknown): void;
  dispatchEvent(event: CustomEvent): boolean;
}

/**
 * Wraps an event target so every topic gets `prefix`, which keeps several
 * deployments (or test runs) on one Redis apart.
 */
export function prefixTopics(target: TopicEventTarget, prefix: string): TopicEventTarget {
  return {
    addEventListener: (topic, listener) => target.addEventListener(prefix + topic, listener),
    removeEventListener: (topic, listener) => target.removeEventListener(prefix + topic, listener),
    dispatchEvent: (event) => target.dispatchEvent(new CustomEvent(prefix + event.type, { detail: event.detail })),
  };
}
