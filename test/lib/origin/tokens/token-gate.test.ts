// --require-token on a real origin: a signed master plays through (every URI it and the
// playlists below it name carries the token), an unsigned, expired, tampered or misplaced one is
// a 403 with its reason, logged once per client and counted; /healthz and /metrics stay open.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../../helpers/origin.js';
import { recordingLogger } from '../../../helpers/recording-logger.js';
import { runCli } from '../../../helpers/cli.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const secret = randomBytes(32).toString('hex');
const sign = (fields: string, key = secret) =>
  `${fields}~hmac=${createHmac('sha256', Buffer.from(key, 'hex')).update(fields).digest('hex')}`;
const inHour = () => Math.floor(Date.now() / 1000) + 3600;
const uris = (playlist: string) => [
  ...playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#')),
  ...[...playlist.matchAll(/URI="([^"]*)"/g)].map((m) => m[1]),
];

async function guarded() {
  const logger = recordingLogger();
  const origin = await startOrigin(
    { 'av.mp4': 'av.mp4' },
    { serve: { requireToken: true, tokenSecret: `${randomBytes(16).toString('hex')},${secret}` } },
    logger,
  );
  return { origin, logger };
}

describe('--require-token', () => {
  it('a signed master plays: its variants, I-frame playlist and segments all carry the token', async () => {
    const { origin } = await guarded();
    const token = sign(`exp=${inHour()}~acl=/i/av.mp4/*`);
    const master = await origin.get(`/i/av.mp4/master.m3u8?hdnts=${encodeURIComponent(token)}`);
    expect(master.status).toBe(200);
    const text = await master.text();
    expect(Number(master.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const named = uris(text);
    expect(named.length).toBeGreaterThanOrEqual(2); // the variant and its I-frame playlist
    let segments = 0;
    for (const uri of named) {
      const url = new URL(uri, `${origin.url}/i/av.mp4/master.m3u8`);
      expect(url.searchParams.get('hdnts')).toBe(token);
      const playlist = await fetch(url);
      expect(playlist.status).toBe(200);
      for (const inner of uris(await playlist.text())) {
        const segment = new URL(inner, url);
        expect(segment.searchParams.get('hdnts')).toBe(token);
        if (segments++ < 2) expect((await fetch(segment)).status).toBe(200);
      }
    }
    expect(segments).toBeGreaterThan(2);
    // The cookie is accepted too; the cached playlist on disk is left unsigned.
    const byCookie = await origin.get('/i/av.mp4/index_0_av.m3u8', { cookie: `other=1; hdnts=${token}` });
    expect(byCookie.status).toBe(200);
    expect(await byCookie.text()).toContain('hdnts=');
  });

  it('refuses unsigned, expired, tampered and misplaced requests with 403 and the reason; logs once per client; counts by reason', async () => {
    const { origin, logger } = await guarded();
    const expired = sign(`exp=${Math.floor(Date.now() / 1000) - 1}~acl=/i/av.mp4/*`);
    const cases: Array<[string, string]> = [
      ['/i/av.mp4/master.m3u8', 'no token'],
      [`/i/av.mp4/master.m3u8?hdnts=${encodeURIComponent(expired)}`, 'expired'],
      [`/i/av.mp4/index_0_av.m3u8?hdnts=${encodeURIComponent(sign(`exp=${inHour()}~acl=/i/other.mp4/*`))}`, 'wrong path'],
      [
        `/i/av.mp4/segment1_0_av.ts?hdnts=${encodeURIComponent(sign(`exp=${inHour()}~acl=/i/other.mp4/*`).replace('other', 'av'))}`,
        'tampered',
      ],
      [`/i/av.mp4/master.m3u8?hdnts=${encodeURIComponent(sign(`exp=${inHour()}~acl=/i/*`, randomBytes(32).toString('hex')))}`, 'tampered'],
      [`/hls/show/index.m3u8`, 'no token'],
    ];
    for (const [path, reason] of cases) {
      const answer = await origin.get(path);
      expect(answer.status, path).toBe(403);
      expect(await answer.text()).toContain(`token ${reason}`);
    }
    expect(logger.warnings().filter((line) => line.message === 'token refused')).toHaveLength(1);
    expect((await origin.get('/healthz')).status).toBe(200);
    const metrics = await (await origin.get('/metrics')).text();
    expect(metrics).toContain('casterpak_token_refusals_total{reason="tampered"} 2');
    expect(metrics).toContain('casterpak_token_refusals_total{reason="no token"} 2');
    expect(metrics).toContain('casterpak_token_refusals_total{reason="expired"} 1');
  });

  it('casterpak token prints one token value that the documented HMAC confirms', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await runCli(['token', '/i/av.mp4/*', '--ttl', '2h'], {
      cwd: tempDir(),
      env: { CASTERPAK_TOKEN_SECRET: `${secret},${'ab'.repeat(16)}` },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toHaveLength(2);
    const exp = Number(/^exp=(\d+)~/.exec(lines[0])?.[1]);
    expect(exp - before).toBeGreaterThanOrEqual(7200);
    expect(exp - before).toBeLessThanOrEqual(7202);
    expect(lines[0]).toBe(sign(`exp=${exp}~acl=/i/av.mp4/*`));
  });
});
