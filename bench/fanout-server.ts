import 'reflect-metadata';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { WebSocket, WebSocketServer } from 'ws';

import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/logging/logger';
import { startSightline, type Sightline } from '../src/server/app';
import { serveRpc } from './fanout-ipc';
import { startProfiling, type ProfileSummary } from './fanout-profile';

/**
 * Server side of the fanout benchmark, forked by fanout.bench.ts so that its
 * CPU time is measured apart from the subscribers and the load generator.
 *
 * `node fanout-server.js sightline` runs Sightline on a temporary SQLite file.
 * `node fanout-server.js raw` runs a bare `ws` server that broadcasts one
 * pre-serialized frame, the baseline.
 */

/** Resource use of this process, and the send buffers of its websockets. */
export interface ServerStats {
  /** User plus system CPU time since the process started, in milliseconds. */
  cpuMs: number;
  /** The system (kernel) part of `cpuMs`, in milliseconds. */
  systemCpuMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  sockets: number;
  /** Sum of `bufferedAmount` over open sockets, which counts bytes queued in Node and not yet handed to the kernel. */
  bufferedBytes: number;
  maxBufferedBytes: number;
  /** Open `alertRaised` and `alertUpdated` streams, or 0 on the raw server. */
  activeStreams: number;
}

const openSockets = new Set<WebSocket>();
trackServerSockets();

const mode = process.argv[2];
if (mode === 'sightline') serveSightline();
else if (mode === 'raw') serveRaw();
else throw new Error(`Usage: fanout-server.js sightline|raw; received "${mode}".`);

function serveSightline(): void {
  let sightline: Sightline | null = null;
  let directory: string | null = null;
  let stopProfiling: (() => Promise<ProfileSummary>) | null = null;

  const stop = async () => {
    await sightline?.stop();
    sightline = null;
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
    directory = null;
  };

  serveRpc(
    {
      start: async () => {
        directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-fanout-'));
        const config = loadConfig({
          DATABASE_URL: path.join(directory, 'sightline.db'),
          HOST: '127.0.0.1',
          PORT: '0',
          LOG_LEVEL: 'warn',
          // The benchmark posts far more often than the default ingestion budget of 1,200 requests a minute.
          RATE_LIMIT_INGEST_PER_MINUTE: '1000000',
        });
        sightline = await startSightline(config, createLogger(config.logLevel));
        if (!sightline.firstAdminKey) throw new Error('A fresh SQLite database should create the first ADMIN key.');
        return { port: sightline.port, key: sightline.firstAdminKey.key, directory };
      },
      stats: (params: { gc?: boolean }) => stats(params.gc ?? false, sightline?.services.feed.activeStreams ?? 0),
      startProfile: async () => {
        stopProfiling = await startProfiling();
        return null;
      },
      stopProfile: async (): Promise<ProfileSummary> => {
        if (!stopProfiling) throw new Error('stopProfile was called before startProfile.');
        const summary = await stopProfiling();
        stopProfiling = null;
        return summary;
      },
      stop,
    },
    stop,
  );
}

function serveRaw(): void {
  let server: WebSocketServer | null = null;
  let frame = '';

  const stop = async () => {
    for (const socket of openSockets) socket.terminate();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  };

  serveRpc(
    {
      start: async (params: { frame: string }) => {
        frame = params.frame;
        server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
        await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
        return { port: (server.address() as { port: number }).port };
      },
      // Sends `count` frames to every client, yielding to the event loop between frames as a server does between events.
      broadcast: async (params: { count: number }) => {
        for (let sent = 0; sent < params.count; sent += 1) {
          for (const socket of openSockets) socket.send(frame);
          await new Promise((resolve) => setImmediate(resolve));
        }
        return null;
      },
      stats: (params: { gc?: boolean }) => stats(params.gc ?? false, 0),
      stop,
    },
    stop,
  );
}

/**
 * Records every socket a `WebSocketServer` in this process accepts, so the
 * benchmark can read `bufferedAmount`. Sightline does not expose its
 * websocket server, and this wraps `emit('connection')` instead of changing it.
 */
function trackServerSockets(): void {
  const emit = WebSocketServer.prototype.emit;
  WebSocketServer.prototype.emit = function emitAndTrack(this: WebSocketServer, event: string | symbol, ...args: unknown[]) {
    if (event === 'connection' && args[0] instanceof WebSocket) {
      const socket = args[0];
      openSockets.add(socket);
      socket.once('close', () => openSockets.delete(socket));
    }
    return emit.call(this, event, ...args);
  };
}

function stats(collectGarbage: boolean, activeStreams: number): ServerStats {
  // Helpers inherit the parent's --expose-gc (npm run bench sets it). Without it, heap figures include garbage.
  if (collectGarbage) globalThis.gc?.();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  let bufferedBytes = 0;
  let maxBufferedBytes = 0;
  for (const socket of openSockets) {
    bufferedBytes += socket.bufferedAmount;
    maxBufferedBytes = Math.max(maxBufferedBytes, socket.bufferedAmount);
  }
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    systemCpuMs: cpu.system / 1000,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    sockets: openSockets.size,
    bufferedBytes,
    maxBufferedBytes,
    activeStreams,
  };
}
