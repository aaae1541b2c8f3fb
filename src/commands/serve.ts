// `casterpak serve`: the caching origin. Flags mirror configuration keys.
import { Command } from 'commander';
import { layerFrom } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import { runServe } from '../origin/serve-runner.js';

export interface ServeCommandOptions {
  readonly [flag: string]: string | undefined;
}

// flag name → configuration key
const FLAG_KEYS: ReadonlyArray<readonly [string, string, string]> = [
  ['port', 'serve.port', 'port to listen on (default 8080)'],
  ['host', 'serve.host', 'address to listen on (default 127.0.0.1)'],
  ['cacheDir', 'cacheDir', 'cache directory (default ./casterpak-cache)'],
  ['sourceRoot', 'sourceRoot', 'local library: /i/<path> packages <source root>/<path>'],
  ['upstream', 'upstream', 'remote library base URL: sources fetched as <upstream>/<path> into the source cache'],
  ['publishedRoot', 'publishedRoot', 'HLS published by other packagers, served under /hls/ (with /kfonly/ trick play)'],
  ['baseUrl', 'publicBaseUrl', 'public base URL for absolute segment and variant URIs'],
  ['segmentDuration', 'segmentDuration', 'target segment duration in seconds (default 10)'],
  ['workers', 'serve.workers', 'server processes (node:cluster) sharing the port (default 1)'],
  ['maxJobs', 'serve.maxJobs', 'packaging runs at once per process (default: number of cores)'],
  ['maxQueue', 'serve.maxQueue', 'requests waiting for a packaging slot before 503 (default 64)'],
  ['readAhead', 'serve.readAhead', 'segments made ahead of a playing client while job slots are idle (default 2)'],
  ['corsOrigin', 'serve.corsOrigin', 'Access-Control-Allow-Origin (default *)'],
  ['logLevel', 'serve.logLevel', 'debug, info, warn, error or silent (default info)'],
  ['masterUpstream', 'serve.masterUpstream', 'third-party master playlists (e.g. https://cdnapisec.kaltura.com) proxied and rewritten under --master-prefix'],
  ['masterPrefix', 'serve.masterPrefix', 'URL prefix of proxied masters (default /p/)'],
  ['masterTrickPlay', 'serve.masterTrickPlay', 'true: proxied masters advertise each rendition\'s kfonly stream (default false)'],
  ['pruneEvery', 'serve.pruneEveryMs', 'run prune inside serve this often, e.g. 10m'],
  ['olderThan', 'prune.olderThanMs', 'with --prune-every: remove segments not accessed for this long (default 2h)'],
  ['maxSize', 'prune.maxSizeBytes', 'with --prune-every: cache size budget, e.g. 50G'],
  ['bento4Dir', 'bento4.binDir', 'directory holding mp42hls and mp4info'],
];

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function serveCommand(): Command {
  const command = new Command('serve').description('run the caching HLS origin: /i/<path>.mp4/index_0_av.m3u8, segments, masters, kfonly, /hls/, /p/');
  for (const [name, , help] of FLAG_KEYS) command.option(`--${kebab(name)} <value>`, help);
  return command.action(async (options: ServeCommandOptions, cmd: Command) => {
    const config = await loadConfig({
      configFile: cmd.optsWithGlobals().config,
      flags: layerFrom(FLAG_KEYS.map(([name, key]) => [key, options[name]] as const)),
    });
    await runServe(config);
  });
}
