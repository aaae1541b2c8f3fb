// Hostile clients on raw sockets (node:net) against a serve child process, and what they cost
// it, read from /proc: resident memory and descriptors (sockets apart from files).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { rssBytes } from '../../helpers/serve-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

export const MIB = 1024 * 1024;

// A published root holding one segment of `bytes` random bytes, served as /hls/film/seg.ts.
export function publishedSegment(bytes: number): { root: string; path: string } {
  const root = tempDir('casterpak-hostile-');
  mkdirSync(path.join(root, 'film'));
  writeFileSync(path.join(root, 'film/seg.ts'), randomBytes(bytes));
  return { root, path: '/hls/film/seg.ts' };
}

export interface Cost {
  readonly rss: number;
  readonly sockets: number;
  readonly files: number;
}

export function costOf(pid: number): Cost {
  let sockets = 0;
  let files = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
      else files++;
    } catch {
      // closed while listed
    }
  }
  return { rss: rssBytes(pid), sockets, files };
}

// The highest of each figure, sampled every 100 ms while `during` runs.
export async function peakCost(pid: number, during: () => Promise<void>): Promise<Cost> {
  let peak = costOf(pid);
  const sample = () => {
    const now = costOf(pid);
    peak = { rss: Math.max(peak.rss, now.rss), sockets: Math.max(peak.sockets, now.sockets), files: Math.max(peak.files, now.files) };
  };
  const timer = setInterval(sample, 100);
  try {
    await during();
  } finally {
    clearInterval(timer);
    sample();
  }
  return peak;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A connection that is closed when the test finishes, whatever happens to it.
export function connect(url: string): Promise<net.Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    onTestFinished(() => void socket.destroy());
  });
}

export const getRequest = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

// Everything the socket receives from now until it closes (a paused socket is resumed).
export function readToClose(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<Buffer>((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
  socket.resume();
  return closed;
}

// Reads from a paused socket at about `bytesPerSecond`, for `ms`; returns what it read.
export async function readSlowly(socket: net.Socket, bytesPerSecond: number, ms: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end && !socket.destroyed && !socket.readableEnded) {
    let budget = bytesPerSecond / 50;
    for (let chunk: Buffer | null; budget > 0 && (chunk = socket.read() as Buffer | null) !== null;) {
      chunks.push(chunk);
      budget -= chunk.length;
    }
    await sleep(20); // a read returns at most what one socket read took (64 KiB): often
  }
  return Buffer.concat(chunks);
}
