// Broker subscribers. A listener that throws or rejects is logged and never disturbs the
// broker or the other listeners: channels are notified, not consulted.
import type { Logger } from '../util/log.js';
import type { BrokerEvent, BrokerListener } from './types.js';

export class ListenerSet {
  private readonly listeners = new Set<BrokerListener>();

  constructor(private readonly log: Logger) {}

  add(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener with its own copy of the event; does not wait for them. */
  emit(event: BrokerEvent): void {
    for (const listener of this.listeners) {
      const fail = (err: unknown): void =>
        this.log.error({ err, event: event.type }, 'broker listener failed');
      try {
        const p = listener({ ...event, request: structuredClone(event.request) });
        if (p) p.catch(fail);
      } catch (err) {
        fail(err);
      }
    }
  }
}
