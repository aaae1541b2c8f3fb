// What one connection may cost the origin, whatever its client does (docs/reliability.md,
// promise 10):
// - One request at a time per connection. HTTP/1.1 pipelining (RFC 9112 §9.3) lets a client send
//   any number of requests before reading an answer; node:http parses them all and would start
//   them all, each with its open file and buffer. Later requests wait, unstarted, and the socket
//   is not read while they do; when the connection closes they are dropped.
// - A response whose client accepts no byte for `writeIdleMs` is cut (its buffer and file freed).
//   A request waiting for packaging writes nothing and is not idle writing.
// - Shutdown stops accepting and closes each connection once its response is written, instead of
//   node:http's closeIdleConnections, which counts a response as done once end() is called,
//   with megabytes still in the socket's buffer.
// - Once no request has been in progress for a few seconds, the whole-read pool is let go and a
//   full garbage collection runs (http/idle-collection.ts): what a burst left is given back.
import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { releaseWholeReadPool } from './file-body.js';
import { idleCollection } from './idle-collection.js';

interface Lane {
  active: boolean;
  readonly waiting: Array<() => void>;
  /** What the socket had written at the last look, and since when it has not moved. */
  progress: string;
  stalledSince: number;
}

interface ConnectionGuard {
  /** Runs `start` now, or once the responses before it on its connection have ended. */
  admit(req: IncomingMessage, res: ServerResponse, start: () => void): void;
  /** Stops accepting; resolves once every connection closed, or after `graceMs` (the rest cut). */
  drain(graceMs: number): Promise<void>;
  /** Connections open now (for tests and metrics). */
  readonly connections: number;
}

// Bytes libuv still holds for the socket: it shrinks as the kernel accepts them, even within one
// large write (the socket's writableLength only drops once the whole write is done).
const queued = (socket: Socket) => (socket as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize ?? 0;

export function guardConnections(server: Server, writeIdleMs: number, now: () => number = Date.now): ConnectionGuard {
  const lanes = new Map<Socket, Lane>();
  let draining = false;
  let closedAll: (() => void) | undefined;
  const quiet = idleCollection(releaseWholeReadPool);

  server.on('connection', (socket: Socket) => {
    lanes.set(socket, { active: false, waiting: [], progress: '', stalledSince: 0 });
    socket.once('close', () => {
      lanes.delete(socket);
      quiet.closed();
      if (closedAll && lanes.size === 0) closedAll();
    });
  });

  // A connection with nothing under way is closed once draining: its client sees the end after
  // the last byte of its last response (end, not destroy: the kernel still delivers what it holds).
  const closeIfDone = (socket: Socket, lane: Lane) => {
    if (draining && !lane.active && lane.waiting.length === 0 && socket.writableLength === 0 && !socket.writableEnded) socket.end();
  };

  const watchdog = setInterval(
    () => {
      const time = now();
      for (const [socket, lane] of lanes) {
        const pending = socket.writableLength + queued(socket);
        if (pending === 0) {
          lane.stalledSince = 0;
          continue;
        }
        const progress = `${socket.bytesWritten}:${pending}`;
        if (progress !== lane.progress || lane.stalledSince === 0) {
          lane.progress = progress;
          lane.stalledSince = time;
        } else if (time - lane.stalledSince >= writeIdleMs) socket.destroy();
      }
    },
    Math.max(50, Math.min(1000, writeIdleMs / 4)),
  );
  watchdog.unref();

  return {
    get connections() {
      return lanes.size;
    },
    admit(req, res, start) {
      const socket = req.socket;
      const lane = lanes.get(socket);
      if (!lane) return start(); // not from a connection this server accepted (tests that call the handler)
      if (draining) res.shouldKeepAlive = false;
      const run = () => {
        lane.active = true;
        quiet.started();
        res.once('close', () => {
          lane.active = false;
          quiet.ended();
          if (socket.destroyed) return void (lane.waiting.length = 0);
          const next = lane.waiting.shift();
          if (next) return next();
          socket.resume();
          closeIfDone(socket, lane);
        });
        start();
      };
      if (!lane.active) return run();
      lane.waiting.push(run);
      socket.pause();
    },
    drain(graceMs) {
      draining = true;
      quiet.stop();
      // net's close, not http's: http's would first cut responses still in the socket's buffer.
      net.Server.prototype.close.call(server);
      for (const [socket, lane] of lanes) closeIfDone(socket, lane);
      if (lanes.size === 0) {
        clearInterval(watchdog);
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const socket of lanes.keys()) socket.destroy();
        }, graceMs);
        closedAll = () => {
          clearTimeout(timer);
          clearInterval(watchdog);
          resolve();
        };
      });
    },
  };
}
