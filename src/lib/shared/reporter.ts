// How long-running batch work shows itself: one cli-progress multi-bar on a terminal, plain
// lines otherwise, nothing with --json (stdout then carries only the JSON result).
import cliProgress from 'cli-progress';
import chalk from 'chalk';

export interface Reporter {
  start(item: string): void;
  progress(item: string, phase: string, fraction: number): void;
  finish(item: string, status: 'made' | 'reused' | 'skipped' | 'failed', detail: string): void;
  close(): void;
}

export function silentReporter(): Reporter {
  return { start() {}, progress() {}, finish() {}, close() {} };
}

export function lineReporter(write: (line: string) => void): Reporter {
  return {
    start: (item) => write(`start   ${item}`),
    progress() {},
    finish: (item, status, detail) => write(`${status.padEnd(7)} ${item}${detail ? `  ${detail}` : ''}`),
    close() {},
  };
}

export function barReporter(stream: NodeJS.WriteStream): Reporter {
  const multi = new cliProgress.MultiBar(
    { stream, format: ' {bar} {percentage}% | {phase} | {item}', hideCursor: true, clearOnComplete: false, barsize: 24 },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const label = (item: string) => (item.length > 60 ? `…${item.slice(-59)}` : item);
  const colour = { made: chalk.green, reused: chalk.cyan, skipped: chalk.yellow, failed: chalk.red };
  return {
    start: (item) => bars.set(item, multi.create(100, 0, { item: label(item), phase: 'queued' })),
    progress: (item, phase, fraction) => bars.get(item)?.update(Math.round(fraction * 100), { phase }),
    finish: (item, status, detail) => {
      const bar = bars.get(item);
      bar?.update(100, { phase: colour[status](status) });
      bar?.stop();
      if (status === 'failed') multi.log(`${chalk.red('failed')} ${item}: ${detail}\n`);
    },
    close: () => {
      // multi.log() only buffers until the next redraw (every 100 ms): flush the failure lines
      // logged since, or a batch that ends sooner never shows them.
      if (bars.size > 0) multi.update();
      multi.stop();
    },
  };
}
