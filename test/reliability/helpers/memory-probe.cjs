// Preloaded into a serve child by the hostile-clients test (NODE_OPTIONS=--expose-gc --require):
// every 100 ms a full garbage collection, then the buffers still alive (process.memoryUsage's
// arrayBuffers), so the figure is what responses hold, not garbage awaiting collection. SIGUSR2
// writes the largest so far and the current figure (MiB) to stderr.
const fs = require('node:fs');
let peak = 0;
const sample = () => {
  global.gc();
  const live = process.memoryUsage().arrayBuffers;
  if (live > peak) peak = live;
  return live;
};
setInterval(sample, 100).unref();
process.on('SIGUSR2', () => {
  const now = sample();
  fs.writeSync(
    2,
    `MEMORY-PROBE peak ${(peak / 1048576).toFixed(2)} now ${(now / 1048576).toFixed(2)} rss ${(process.memoryUsage().rss / 1048576).toFixed(1)}\n`,
  );
});
