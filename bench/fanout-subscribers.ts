import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

import { serveRpc } from './fanout-ipc';

/**
 * Subscriber side of the fanout benchmark, forked by fanout.bench.ts so that
 * the subscribers' CPU time is not charged to the server. It opens many
 * websockets, counts the frames of one phase and records when each arrived.
 */

/** Connections opened concurrently, so the server checks a bounded number of API keys in connection_init at a time. */
const OPEN_BATCH = 50;
const CONNECT_TIMEOUT_MS = 20_000;

export interface OpenParams {
  /** Websocket URLs; subscribers are spread over them in turn. */
  urls: string[];
  count: number;
  /** `graphql-ws` subscribes with `query` and `key`. `raw` only opens the socket, for the baseline server. */
  protocol: 'graphql-ws' | 'raw';
  key?: string;
  query?: string;
}

export interface ExpectParams {
  /** Prefix of the `deviceId` of the alerts whose frames count. The raw protocol counts every frame. */
  devicePrefix: string;
  /** Frames each subscriber should receive. */
  framesPerSubscriber: number;
  /** Keep the arrival time of every frame, for `collect`. */
  recordTimes: boolean;
}

export interface PhaseProgress {
  /** Counted frames received by subscribers that are not paused. */
  frames: number;
  expectedFrames: number;
  complete: boolean;
  /** Arrival of the last counted frame, in milliseconds since the epoch (`performance.timeOrigin` based). */
  lastFrameAt: number;
  /** User plus system CPU time of this process since it started, in milliseconds. */
  cpuMs: number;
}

export interface SubscriberState {
  frames: number;
  closed: boolean;
  /** Codes of the GraphQL errors that ended the subscription, or the close code of the socket. */
  endedWith: string | null;
}

class Subscriber {
  socket: WebSocket | null = null;
  client: Client | null = null;
  paused = false;
  frames = 0;
  closed = false;
  endedWith: string | null = null;
}

const subscribers: Subscriber[] = [];
let phase: ExpectParams = { devicePrefix: '', framesPerSubscriber: 0, recordTimes: false };
let countedFrames = 0;
let lastFrameAt = 0;
/** Arrival times per alert `deviceId`, of subscribers that are not paused. */
let arrivals = new Map<string, number[]>();
let waiter: (() => void) | null = null;
/** A sample frame as the server sent it, to size the baseline frame. */
let sampleFrame: string | null = null;

serveRpc(
  {
    open: (params: OpenParams) => open(params),
    expect: (params: ExpectParams) => {
      phase = params;
      countedFrames = 0;
      lastFrameAt = 0;
      arrivals = new Map();
      for (const subscriber of subscribers) subscriber.frames = 0;
      return null;
    },
    progress: () => progress(),
    /** Resolves when every subscriber that is not paused has its frames, or after `timeoutMs`. */
    wait: async (params: { timeoutMs: number }) => {
      if (!progress().complete) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, params.timeoutMs);
          waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        waiter = null;
      }
      return progress();
    },
    /** Subscribers that received at least one counted frame. */
    ready: () => subscribers.filter((subscriber) => subscriber.frames > 0).length,
    collect: () => Object.fromEntries(arrivals),
    sampleFrame: () => sampleFrame,
    pause: (params: { index: number }) => setPaused(params.index, true),
    resume: (params: { index: number }) => setPaused(params.index, false),
    state: (params: { index: number }): SubscriberState => {
      const { frames, closed, endedWith } = subscribers[params.index];
      return { frames, closed, endedWith };
    },
    close: () => closeAll(),
  },
  closeAll,
);

async function open(params: OpenParams): Promise<{ opened: number; ms: number }> {
  const started = performance.now();
  for (let first = 0; first < params.count; first += OPEN_BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let index = first; index < Math.min(params.count, first + OPEN_BATCH); index += 1) {
      const url = params.urls[index % params.urls.length];
      batch.push(params.protocol === 'raw' ? openRaw(url) : openGraphqlWs(url, params.key ?? '', params.query ?? ''));
    }
    await Promise.all(batch);
  }
  return { opened: subscribers.length, ms: performance.now() - started };
}

function openRaw(url: string): Promise<void> {
  const subscriber = new Subscriber();
  subscribers.push(subscriber);
  const socket = new WebSocket(url);
  subscriber.socket = socket;
  socket.on('message', (data) => {
    // Parsed like a graphql-ws client parses each frame, so both sides pay the same decoding cost.
    JSON.parse(String(data));
    count(subscriber, null);
  });
  socket.on('close', (code) => {
    subscriber.closed = true;
    subscriber.endedWith ??= `close ${code}`;
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
}

function openGraphqlWs(url: string, key: string, query: string): Promise<void> {
  const subscriber = new Subscriber();
  subscribers.push(subscriber);

  const keepSample = (data: WebSocket.RawData) => {
    if (sampleFrame !== null) return;
    const text = String(data);
    if (text.includes('"type":"next"')) sampleFrame = text;
  };
  // graphql-ws constructs the socket itself. This subclass keeps it, so the benchmark can pause it.
  class KeptWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      subscriber.socket = this;
      if (sampleFrame === null) this.on('message', keepSample);
    }
  }
  const client = createClient({
    url,
    webSocketImpl: KeptWebSocket,
    connectionParams: { Authorization: `Bearer ${key}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
  });
  subscriber.client = client;

  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${CONNECT_TIMEOUT_MS} ms waiting for connection_ack from ${url}`)), CONNECT_TIMEOUT_MS);
    client.on('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.on('closed', (event) => {
      clearTimeout(timer);
      subscriber.closed = true;
      subscriber.endedWith ??= `close ${(event as { code?: number }).code}`;
      reject(new Error(`socket to ${url} closed before connection_ack`));
    });
  });
  client.subscribe<{ alertRaised: { deviceId: string } }>(
    { query },
    {
      next: (result) => {
        // A result without data carries only errors, such as a failed resolver; it is not an alert frame.
        if (result.data) count(subscriber, result.data.alertRaised.deviceId);
      },
      error: (error) => {
        subscriber.endedWith = Array.isArray(error)
          ? error.map((item: { extensions?: { code?: string } }) => item.extensions?.code ?? 'error').join(',')
          : `close ${(error as { code?: number }).code}`;
      },
      complete: () => {
        subscriber.endedWith ??= 'complete';
      },
    },
  );
  // Later close events only mark the subscriber; the promise has settled by then.
  connected.catch(() => undefined);
  return connected;
}

/** Counts one frame of the current phase. A null `deviceId` marks a raw frame, which always counts. */
function count(subscriber: Subscriber, deviceId: string | null): void {
  if (deviceId !== null && !deviceId.startsWith(phase.devicePrefix)) return;
  const now = performance.timeOrigin + performance.now();
  subscriber.frames += 1;
  if (subscriber.paused) return;

  countedFrames += 1;
  lastFrameAt = now;
  if (phase.recordTimes && deviceId !== null) {
    const times = arrivals.get(deviceId);
    if (times) times.push(now);
    else arrivals.set(deviceId, [now]);
  }
  if (waiter && countedFrames >= expectedFrames()) waiter();
}

function expectedFrames(): number {
  return subscribers.filter((subscriber) => !subscriber.paused).length * phase.framesPerSubscriber;
}

function progress(): PhaseProgress {
  const cpu = process.cpuUsage();
  const expected = expectedFrames();
  return {
    frames: countedFrames,
    expectedFrames: expected,
    complete: countedFrames >= expected,
    lastFrameAt,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** Pauses or resumes reading one subscriber's socket. While it is paused, the server's writes stall once the socket buffers are full. */
function setPaused(index: number, paused: boolean): null {
  const subscriber = subscribers[index];
  if (!subscriber?.socket) throw new Error(`subscriber ${index} has no socket`);
  subscriber.paused = paused;
  if (paused) subscriber.socket.pause();
  else subscriber.socket.resume();
  return null;
}

async function closeAll(): Promise<null> {
  const closing = subscribers.splice(0).map(async (subscriber) => {
    subscriber.socket?.resume();
    if (subscriber.client) await subscriber.client.dispose();
    else subscriber.socket?.close();
  });
  await Promise.all(closing);
  return null;
}
