// S3 sources against a real S3 server on 127.0.0.1 (s3rver, started here) behind a private-bucket
// proxy that checks SigV4 signatures with its own code: a film is served from ranged, signed
// reads; unsigned or wrongly signed reads are a 502 whose log says S3's reason and never the
// secret; a missing object is a 404; a changed object is detected by its ETag.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSourceChanged } from '../../../../src/lib/net/range-read.js';
import { cacheLayout } from '../../../../src/lib/cache/names.js';
import { createSourceResolver } from '../../../../src/lib/packaging/source/source-resolver.js';
import { media } from '../../../helpers/bento4.js';
import { runCli } from '../../../helpers/cli.js';
import { startOrigin } from '../../../helpers/origin.js';
import { recordingLogger } from '../../../helpers/recording-logger.js';
import { KEY_ID, SECRET, startS3 } from '../../../helpers/s3-server.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const film = readFileSync(media('av.mp4'));

// Only what a test sets: no credentials or profile from the machine running the tests.
function awsEnv(vars: Record<string, string>) {
  const none = path.join(tempDir('casterpak-aws-'), 'absent');
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_REGION',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
  ])
    vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', none);
  vi.stubEnv('AWS_CONFIG_FILE', none);
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
}
afterEach(() => void vi.unstubAllEnvs());

async function privateLibrary() {
  const s3 = await startS3(['lib']);
  await s3.put('lib', 'films/av.mp4', film);
  return s3;
}

describe('an s3:// upstream', () => {
  it('serves a film from a private bucket by signed range reads, byte-identical to a local source', async () => {
    const s3 = await privateLibrary();
    awsEnv({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'eu-west-3' });
    const remote = await startOrigin(
      {},
      { sourceRoot: null, upstream: 's3://lib/films', s3: { endpoint: s3.privateEndpoint }, serve: { readAhead: 0 } },
    );
    const local = await startOrigin({ 'av.mp4': 'av.mp4' });
    const playlist = await remote.get('/i/av.mp4/index_0_av.m3u8');
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toBe(await (await local.get('/i/av.mp4/index_0_av.m3u8')).text());
    const segment = Buffer.from(await (await remote.get('/i/av.mp4/segment1_0_av.ts')).arrayBuffer());
    expect(segment.equals(Buffer.from(await (await local.get('/i/av.mp4/segment1_0_av.ts')).arrayBuffer()))).toBe(true);

    expect(s3.requests.length).toBeGreaterThan(0);
    expect(s3.requests.filter((r) => r.refused !== null)).toEqual([]);
    expect(s3.requests.every((r) => r.method === 'GET' && r.path.startsWith('/lib/films/av.mp4') && r.range !== undefined)).toBe(true);
    const read = s3.requests.reduce((sum, r) => {
      const [, first, last] = /^bytes=(\d+)-(\d+)$/.exec(r.range!)!.map(Number);
      return sum + last - first + 1;
    }, 0);
    expect(read).toBeLessThan(film.length / 2); // the moov and one segment's span of a 3-segment film
  });

  it.each([
    ['no credentials', {}, 'AccessDenied', null],
    [
      'a wrong secret',
      { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: 'not-the-secret-0123456789' },
      'SignatureDoesNotMatch',
      'not-the-secret-0123456789',
    ],
  ])('%s: 502, S3 reason in the log, never the secret', async (_what, vars, code, secret) => {
    const s3 = await privateLibrary();
    awsEnv(vars);
    const logger = recordingLogger();
    const remote = await startOrigin({}, { sourceRoot: null, upstream: 's3://lib/films', s3: { endpoint: s3.privateEndpoint } }, logger);
    const answer = await remote.get('/i/av.mp4/index_0_av.m3u8');
    expect(answer.status).toBe(502);
    const body = await answer.text();
    const log = JSON.stringify(logger.lines);
    expect(log).toContain(code);
    for (const text of [log, body]) {
      expect(text).not.toContain(SECRET);
      if (secret) expect(text).not.toContain(secret);
    }
  });

  it('a missing object is a 404', async () => {
    const s3 = await privateLibrary();
    awsEnv({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET });
    const remote = await startOrigin({}, { sourceRoot: null, upstream: 's3://lib/films', s3: { endpoint: s3.privateEndpoint } });
    expect((await remote.get('/i/absent.mp4/index_0_av.m3u8')).status).toBe(404);
    expect(s3.requests.some((r) => r.path === '/lib/films/absent.mp4' && r.refused === null)).toBe(true);
  });

  it('reads credentials and the endpoint as the AWS CLI does (AWS_PROFILE, AWS_ENDPOINT_URL_S3); a changed object is detected by its ETag', async () => {
    const s3 = await privateLibrary();
    const files = tempDir('casterpak-aws-files-');
    writeFileSync(
      path.join(files, 'credentials'),
      `[default]\naws_access_key_id = nobody\naws_secret_access_key = x\n\n[films]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
    );
    awsEnv({ AWS_PROFILE: 'films', AWS_ENDPOINT_URL_S3: s3.privateEndpoint });
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(files, 'credentials'));
    const resolver = createSourceResolver({
      sourceRoot: null,
      upstream: 's3://lib/films',
      layout: cacheLayout(tempDir()),
      download: { timeoutMs: 5_000, maxBytes: 1e9 },
    });
    const reader = await resolver.open('av.mp4');
    expect(reader.identity.size).toBe(film.length);
    expect(Buffer.from(await reader.read(100, 50)).equals(film.subarray(100, 150))).toBe(true);
    const edited = Buffer.from(film);
    edited[200] ^= 0xff; // same size: only the ETag tells
    await s3.put('lib', 'films/av.mp4', edited);
    const changed = await reader.read(100, 50).catch((error: unknown) => error);
    expect(isSourceChanged(changed)).toBe(true);
    expect(String(changed)).toContain('ETag');
    expect(s3.requests.filter((r) => r.refused !== null)).toEqual([]);
  });
});

describe('an s3:// upstream that is public, failing or slow', () => {
  const options = (endpoint: string) => ({
    sourceRoot: null,
    upstream: 's3://lib/films',
    s3: { endpoint },
    download: { timeoutMs: 1_500 },
  });

  it('a public bucket is read unsigned when no credentials are configured', async () => {
    const s3 = await privateLibrary();
    awsEnv({});
    s3.public = true;
    const remote = await startOrigin({}, options(s3.privateEndpoint));
    expect((await remote.get('/i/av.mp4/index_0_av.m3u8')).status).toBe(200);
    expect(s3.requests.length).toBeGreaterThan(0);
    expect(s3.requests.every((r) => !r.signed && r.refused === null)).toBe(true);
  });

  it('a transient 503 is retried; a server that keeps failing is a 502, one that does not answer a 504, each within its limit', async () => {
    const s3 = await privateLibrary();
    awsEnv({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET });
    const remote = await startOrigin({}, { ...options(s3.privateEndpoint), serve: { failureTtlMs: 0 } });
    let failures = 1;
    s3.fault = (_req, res) => failures-- > 0 && (res.writeHead(503).end(), true);
    expect((await remote.get('/i/av.mp4/index_0_av.m3u8')).status).toBe(200);
    await remote.settled(); // its first segment too, made with it

    const before = s3.requests.length;
    s3.fault = (_req, res) => (
      res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code></Error>'),
      true
    );
    expect((await remote.get('/i/av.mp4/segment2_0_av.ts')).status).toBe(502);
    expect(s3.requests.length - before).toBe(3); // one read, 2 retries

    const held: Array<() => void> = [];
    s3.fault = (_req, res) => (held.push(() => res.destroy()), true);
    const started = Date.now();
    expect((await remote.get('/i/av.mp4/segment2_0_av.ts')).status).toBe(504); // no failure remembered (failureTtlMs 0)
    expect(Date.now() - started).toBeLessThan(4_000);
    held.forEach((release) => release());
  });
});

describe('casterpak package s3://…', () => {
  it('downloads the object signed and packages it', async () => {
    const s3 = await privateLibrary();
    const cwd = tempDir();
    const env = {
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_ENDPOINT_URL_S3: s3.privateEndpoint,
      AWS_SHARED_CREDENTIALS_FILE: path.join(cwd, 'none'),
      AWS_CONFIG_FILE: path.join(cwd, 'none'),
    };
    const result = await runCli(['package', '--json', '--cache-dir', 'cache', 's3://lib/films/av.mp4'], { cwd, env });
    expect(result.stderr).not.toContain(SECRET);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(cwd, 'cache', 'films', 'av.mp4', 'index_0_av.m3u8'), 'utf8')).toContain('#EXTINF');
    expect(s3.requests.length).toBeGreaterThan(0);
    expect(s3.requests.every((r) => r.refused === null)).toBe(true);
  });
});
