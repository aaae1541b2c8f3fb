// The shipped nginx configuration in front of `casterpak serve --require-token --encrypt
// aes-128` (docs/deployment.md): a signed request is passed to casterpak and its answer is not
// stored, so an unsigned request never gets what a signed one fetched; keys are never stored;
// and the encrypted stream plays through nginx (ffmpeg decrypts it through the signed key URI).
import { createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG } from './helpers/media.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { REPO_DIR, resources } from './helpers/resources.js';
import { metricSum, startServe, type ServeProcess } from './helpers/serve-process.js';

const [tokenSecret, keySecret] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
const res = resources();
let serve: ServeProcess;
let nginx: Nginx;

beforeAll(async () => {
  const library = res.dir('library');
  mkdirSync(path.join(library, 'film'));
  copyFileSync(path.join(REPO_DIR, 'test/fixtures/media/av.mp4'), path.join(library, 'film', 'av.mp4'));
  Object.assign(process.env, { CASTERPAK_TOKEN_SECRET: tokenSecret, CASTERPAK_KEY_SECRET: keySecret }); // the serve child inherits them
  serve = await startServe(res, { cacheDir: res.dir('cache'), sourceRoot: library, args: ['--require-token', '--encrypt', 'aes-128'] });
  delete process.env.CASTERPAK_TOKEN_SECRET;
  delete process.env.CASTERPAK_KEY_SECRET;
  nginx = await startNginx(res, [`127.0.0.1:${serve.port}`]);
});
afterAll(() => res.release());

const token = () => {
  const fields = `exp=${Math.floor(Date.now() / 1000) + 600}~acl=/i/film/av.mp4/*`;
  return `${fields}~hmac=${createHmac('sha256', Buffer.from(tokenSecret, 'hex')).update(fields).digest('hex')}`;
};
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
const refusals = async () => metricSum(await serve.metrics(), 'casterpak_token_refusals_total');

describe('nginx in front of casterpak with signed URLs and encryption', () => {
  it('never answers an unsigned request with what a signed one fetched', async () => {
    const signed = `?hdnts=${encodeURIComponent(token())}`;
    for (const file of ['index_0_av.m3u8', 'segment1_0_av.ts', 'master.m3u8']) {
      const url = `${nginx.url}/i/film/av.mp4/${file}`;
      for (let i = 0; i < 2; i++) {
        const answer = await get(url + signed);
        expect(answer.status, file).toBe(200);
        expect(answer.headers.get('x-cache-status'), file).toBe('BYPASS');
      }
      const before = await refusals();
      expect((await get(url)).status, file).toBe(403);
      expect((await get(url, { Cookie: 'hdnts=exp=1~acl=/*~hmac=00' })).status, file).toBe(403);
      expect((await refusals()) - before, `${file}: casterpak refused both`).toBe(2);
    }
  });

  it('passes keys through unstored, private, and the stream decrypts through nginx', async () => {
    const signed = `?hdnts=${encodeURIComponent(token())}`;
    const playlist = await (await get(`${nginx.url}/i/film/av.mp4/index_0_av.m3u8${signed}`)).text();
    const uri = /URI="([^"]+)"/.exec(playlist)![1];
    const key = await get(`${nginx.url}/i/film/av.mp4/${uri}`);
    expect(key.status).toBe(200);
    expect(key.headers.get('cache-control')).toBe('private, no-store');
    expect(key.headers.get('x-cache-status')).toBeNull(); // the cache is off for keys
    expect((await key.arrayBuffer()).byteLength).toBe(16);
    const run = await execa(
      FFMPEG,
      ['-v', 'error', '-allowed_extensions', 'ALL', '-i', `${nginx.url}/i/film/av.mp4/index_0_av.m3u8${signed}`, '-f', 'null', '-'],
      {
        reject: false,
        timeout: 60_000,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
  });
});
