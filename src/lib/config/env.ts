// Which CASTERPAK_* environment variables set which configuration keys.
import type { ConfigInput } from './schema.js';

const ENV_KEYS: Record<string, string> = {
  CASTERPAK_CACHE_DIR: 'cacheDir',
  CASTERPAK_SOURCE_ROOT: 'sourceRoot',
  CASTERPAK_UPSTREAM: 'upstream',
  CASTERPAK_PUBLISHED_ROOT: 'publishedRoot',
  CASTERPAK_BASE_URL: 'publicBaseUrl',
  CASTERPAK_SEGMENT_DURATION: 'segmentDuration',
  CASTERPAK_BENTO4_DIR: 'bento4.binDir',
  CASTERPAK_BENTO4_TIMEOUT: 'bento4.timeoutMs',
  CASTERPAK_HOST: 'serve.host',
  CASTERPAK_PORT: 'serve.port',
  CASTERPAK_WORKERS: 'serve.workers',
  CASTERPAK_MAX_JOBS: 'serve.maxJobs',
  CASTERPAK_LOG_LEVEL: 'serve.logLevel',
  CASTERPAK_ACCESS_LOG: 'serve.accessLog',
  CASTERPAK_SHUTDOWN_GRACE: 'serve.shutdownGraceMs',
  CASTERPAK_MASTER_UPSTREAM: 'serve.masterUpstream',
  CASTERPAK_FFMPEG: 'ffmpeg.path',
  CASTERPAK_MAX_TRANSCODES: 'renditions.maxTranscodes',
  CASTERPAK_TOKEN_SECRET: 'serve.tokenSecret',
  CASTERPAK_KEY_SECRET: 'serve.keySecret',
};

export const ENV_VARIABLES = Object.keys(ENV_KEYS);

// The variable that sets a configuration key, if any: `serve.port` → CASTERPAK_PORT.
export function envVariableOf(key: string): string | undefined {
  return ENV_VARIABLES.find((name) => ENV_KEYS[name] === key);
}

// Turns a dotted key and value into a nested layer: ('a.b', 1) → { a: { b: 1 } }.
export function layerFrom(entries: ReadonlyArray<readonly [string, unknown]>): ConfigInput {
  const layer: ConfigInput = {};
  for (const [dotted, value] of entries) {
    if (value === undefined) continue;
    const parts = dotted.split('.');
    let node = layer;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as ConfigInput;
    node[parts[parts.length - 1]] = value;
  }
  return layer;
}

export function envLayer(env: Readonly<Record<string, string | undefined>>): ConfigInput {
  return layerFrom(
    Object.entries(ENV_KEYS)
      .filter(([name]) => env[name] !== undefined && env[name] !== '')
      .map(([name, key]) => [key, env[name]] as const),
  );
}
