// Runs the origin: in this process, or as a node:cluster primary that keeps `workers` server
// processes alive on one port. Prune (when asked) runs in one place only: the primary, or the
// single process. SIGTERM/SIGINT stop accepting, let responses under way finish (within
// serve.shutdownGraceMs), kill packaging children and exit 0. SIGHUP is ignored.
import cluster from 'node:cluster';
import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';
import { leftoverMaxAgeMs, type CasterpakConfig } from '../config/schema.js';
import type { ConfigOrigin } from '../config/origin.js';
import { durationMs } from '../config/units.js';
import { oneLine } from '../shared/errors.js';
import { createOrigin } from './server.js';
import { checkServeDirectories } from './serve-checks.js';
import { listenUrl, startupFacts, startupLine } from './startup-line.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { runPrune } from '../prune/run.js';

function startPruneTimer(config: CasterpakConfig, logger: Logger, onRemoved: (items: number) => void = () => {}): () => void {
  const every = config.serve.pruneEveryMs;
  if (every === null || every <= 0) return () => {};
  let running = false;
  const timer = setInterval(async () => {
    if (running) return; // a slow pass is never overlapped by the next
    running = true;
    try {
      const report = await runPrune({
        cacheDir: config.cacheDir,
        what: 'segments',
        olderThanMs: durationMs(config.prune.olderThan),
        maxSizeBytes: config.prune.maxSizeBytes,
        dryRun: false,
        tmpMaxAgeMs: leftoverMaxAgeMs(config),
        mediaExtensions: config.mediaExtensions,
      });
      onRemoved(report.removed);
      logger.info('prune', { removed: report.removed, bytesFreed: report.bytesFreed, ms: report.durationMs });
    } catch (error) {
      logger.warn('prune failed', { reason: oneLine(error) });
    } finally {
      running = false;
    }
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

// SIGHUP (a closed terminal, or a log rotation's reload) would end Node, and with it every
// worker of the process group. serve writes its log to stderr and has no file to reopen: the
// signal is noted and ignored (docs/reliability.md, promise 10).
function ignoreHangup(logger: Logger): void {
  process.on('SIGHUP', () => logger.info('SIGHUP ignored: serve logs to stderr, there is no log file to reopen', { pid: process.pid }));
}

function onStopSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

// The one start-up summary of a serve run: a sentence on a terminal, a structured line otherwise.
export function announceStart(
  config: CasterpakConfig,
  address: Pick<AddressInfo, 'address' | 'port'>,
  logger: Logger,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): void {
  const facts = startupFacts(config, address);
  if (!stream.isTTY) logger.info('started', { ...facts });
  else if (config.serve.logLevel !== 'silent') stream.write(`${startupLine(facts)}\n`);
}

// `primary`: the only process (not a cluster worker): it runs prune and announces the start.
async function runSingle(config: CasterpakConfig, logger: Logger, primary: boolean): Promise<void> {
  const origin = await createOrigin(config, { logger, onPlaylistRuns: heapGrowthUnderLoad() ?? undefined });
  const address = await origin.listen();
  logger.info('listening', { url: listenUrl(address), pid: process.pid });
  if (primary) announceStart(config, address, logger); // a cluster's primary announces for its workers
  const stopPrune = primary ? startPruneTimer(config, logger, (items) => origin.metrics.pruned.inc(items)) : () => {};
  onStopSignal(async () => {
    stopPrune();
    await origin.close();
    logger.info('stopped', { pid: process.pid });
  });
}

// What a serve process reads once, when it starts, from its environment: a worker's can still be
// chosen here, and the bench and the shipped systemd unit set the same (docs/deployment.md).
// An operator's own value for either is left as it is.
// - glibc's malloc: with the default dynamic threshold, freeing one large buffer raises it, and
//   later large buffers come from heaps that are never given back; a fixed 64 KiB threshold maps
//   every segment buffer on its own, returned when freed (docs/reliability.md, promise 10). Any
//   glibc tunable the operator set counts as theirs.
// - V8's young generation: each of its two halves grows to 16 MiB under load, 32 MiB of RSS held
//   for a warm request's few kilobytes of garbage; at 4 MiB a busy process holds some 24 MiB
//   less, as fast (docs/benchmarks.md, "Warm RSS"). A flag on node's command line wins over it.
const SEMI_SPACE_FLAG = '--max-semi-space-size=4';
export function workerEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const set: Record<string, string> = {};
  if (env.MALLOC_MMAP_THRESHOLD_ === undefined && env.GLIBC_TUNABLES === undefined) set.MALLOC_MMAP_THRESHOLD_ = '65536';
  const options = env.NODE_OPTIONS ?? '';
  if (!/--max-semi-space-size\b/.test(options)) set.NODE_OPTIONS = `${options} ${SEMI_SPACE_FLAG}`.trim();
  return set;
}

// V8's heap growth while media playlists are made side by side. V8 starts a full collection from
// limits it sets at the last one: what that kept times a growing factor it picks from its own
// speeds, up to 4. A cold rendition's array buffers die old (13 MiB for a 2-hour film: the moov,
// the index, segment 1's source and output), and right after a burst of them a process of 15 MiB
// of heap held 114-154 MiB. A factor of 2 collects them sooner (101-122 MiB), but at 2 always a
// full collection fell inside most cold requests on their own, 8-11 ms each: so the factor is 2
// only while two or more playlists are made at once — a burst of cold films, where their buffers
// pile up — and V8's own (0) otherwise, so a player starting one film is not slowed
// (docs/benchmarks.md, "Cold path, thirteenth round").
export const TIGHT_GROWTH = '--heap-growing-percent=100';
export const V8_OWN_GROWTH = '--heap-growing-percent=0';
const RENDITIONS_FOR_TIGHT = 2;

/**
 * What a serve process is told of the media playlists it makes at once (store-context.ts); null
 * when node's command line set the growth (the operator's: left as it is). node takes the flag
 * only there, not in NODE_OPTIONS; set at run time it applies from the next full collection.
 */
export function heapGrowthUnderLoad(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
): ((running: number) => void) | null {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return null;
  let tight = false;
  return (running) => {
    if (running >= RENDITIONS_FOR_TIGHT === tight) return;
    tight = !tight;
    setFlags(tight ? TIGHT_GROWTH : V8_OWN_GROWTH);
  };
}

function runPrimary(config: CasterpakConfig, logger: Logger): void {
  let stopping = false;
  // Workers accept from the shared socket themselves. With node:cluster's default round robin
  // the primary accepts and hands each connection over, and one handed to a worker killed
  // (SIGKILL, OOM killer) before it took it is held open by the primary and never answered:
  // the client hangs until its own timeout (measured: 6 hung connections in 10 kills under
  // load; none this way). A connection a killed worker had accepted is reset, as anywhere.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const fork = () => cluster.fork({ CASTERPAK_WORKER: '1', ...workerEnv() });
  for (let i = 0; i < config.serve.workers; i++) fork();
  cluster.once('listening', (_worker, address) =>
    announceStart(config, { address: address.address ?? config.serve.host, port: address.port }, logger),
  );
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.warn('worker died; starting another', { pid: worker.process.pid, code, signal });
    setTimeout(fork, 200);
  });
  const stopPrune = startPruneTimer(config, logger);
  onStopSignal(async () => {
    stopping = true;
    stopPrune();
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              worker.process.kill('SIGKILL');
              resolve();
            }, config.serve.shutdownGraceMs + 5_000);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    logger.info('stopped', { pid: process.pid });
  });
  logger.info('primary started', { workers: config.serve.workers, pid: process.pid });
}

export async function runServe(config: CasterpakConfig, options: { readonly origin?: ConfigOrigin } = {}): Promise<void> {
  // Checked once, before any worker starts; workers trust their primary.
  if (cluster.isPrimary) await checkServeDirectories(config, options.origin);
  const logger = createLogger(config.serve.logLevel, process.stderr, cluster.isWorker ? { worker: cluster.worker?.id } : {});
  ignoreHangup(logger);
  if (config.serve.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  await runSingle(config, logger, cluster.isPrimary);
}
