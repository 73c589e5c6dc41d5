/**
 * Client side of the latency benchmark: GraphQL over HTTP, POST /events,
 * and an `alertRaised` subscriber over graphql-ws that timestamps each
 * alert by device id. Everything talks to 127.0.0.1 only.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** The parts of the POST /events response this benchmark reads. */
export interface EventsResponse {
  accepted: number;
  rejected: number;
  matched: number;
  alertsRaised: number;
}

/** Sends one GraphQL operation and returns `data`. Throws with the error codes when the response has errors. */
export async function graphql<T>(baseUrl: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  if (!body.data || body.errors) {
    const errors = (body.errors ?? []).map((error) => `${error.extensions?.code}: ${error.message}`).join('; ');
    throw new Error(`GraphQL request failed with HTTP ${response.status}: ${errors}`);
  }
  return body.data;
}

/** Posts one NDJSON body. Throws when the service rejects the request or any line. */
export async function postEvents(baseUrl: string, key: string, body: string): Promise<EventsResponse> {
  const response = await fetch(`${baseUrl}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const result = (await response.json()) as EventsResponse;
  if (!response.ok || result.rejected > 0) {
    throw new Error(`POST /events returned ${response.status} with ${result.rejected} rejected lines: ${JSON.stringify(result).slice(0, 300)}`);
  }
  return result;
}

/**
 * An `alertRaised` subscription that resolves a promise per expected device
 * id with the `performance.now()` of the frame's arrival.
 */
export class AlertSubscriber {
  /** Frames received, from any device. */
  frames = 0;
  private readonly expected = new Map<string, (arrivedAt: number) => void>();
  private failure: unknown = null;

  private constructor(private readonly client: Client) {}

  /** Opens the websocket with the key in the connection_init payload and subscribes to every alert raised. */
  static open(baseUrl: string, key: string): AlertSubscriber {
    const client = createClient({
      url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${key}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
    });
    const subscriber = new AlertSubscriber(client);
    client.subscribe<{ alertRaised: { deviceId: string } }>(
      { query: 'subscription { alertRaised { id deviceId cursor } }' },
      {
        next: (result) => subscriber.receive(result.data?.alertRaised.deviceId),
        error: (error) => {
          subscriber.failure = error;
        },
        complete: () => undefined,
      },
    );
    return subscriber;
  }

  /** Registers a device id before its event is sent. Resolves with the arrival time, or null after `timeoutMs`. */
  expect(deviceId: string, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.expected.delete(deviceId);
        resolve(null);
      }, timeoutMs);
      this.expected.set(deviceId, (arrivedAt) => {
        clearTimeout(timer);
        resolve(arrivedAt);
      });
    });
  }

  /** Throws when the subscription ended with an error, which would make every later wait time out. */
  checkHealthy(): void {
    if (this.failure !== null) throw new Error(`The alertRaised subscription failed: ${JSON.stringify(this.failure)}`);
  }

  dispose(): Promise<void> {
    return Promise.resolve(this.client.dispose());
  }

  private receive(deviceId: string | undefined): void {
    const arrivedAt = performance.now();
    this.frames += 1;
    if (deviceId === undefined) return;
    const resolve = this.expected.get(deviceId);
    if (resolve === undefined) return;
    this.expected.delete(deviceId);
    resolve(arrivedAt);
  }
}
