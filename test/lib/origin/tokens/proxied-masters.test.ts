// --require-token on /p/ (docs/security.md): a proxied master needs a token like /i/, the token
// never reaches the master upstream, and the master answered carries it into its casterpak
// variants, which then play with it.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { playlistAnswer, startFakeUpstream } from '../../../helpers/fake-upstream.js';
import { startOrigin } from '../../../helpers/origin.js';
import { MANIFEST, RENDITIONS, SEED_MASTER } from '../../../helpers/kaltura-seed.js';

const secret = randomBytes(16).toString('hex');
const sign = (acl: string) => {
  const fields = `exp=${Math.floor(Date.now() / 1000) + 600}~acl=${acl}`;
  return `${fields}~hmac=${createHmac('sha256', Buffer.from(secret, 'hex')).update(fields).digest('hex')}`;
};

describe('--require-token on proxied masters', () => {
  it('refuses /p/ unsigned, and a signed one carries its token to the variants but not upstream', async () => {
    const upstream = await startFakeUpstream();
    onTestFinished(() => upstream.close());
    upstream.route(MANIFEST, playlistAnswer(SEED_MASTER));
    const t = await startOrigin(RENDITIONS, { serve: { masterUpstream: upstream.origin, requireToken: true, tokenSecret: secret } });
    expect((await t.get(MANIFEST)).status).toBe(403);
    expect((await t.get(`${MANIFEST}?hdnts=${encodeURIComponent(sign('/i/*'))}`)).status).toBe(403); // wrong path
    const token = sign('/p/*!/i/*');
    const answer = await t.get(`${MANIFEST}?referrer=x&hdnts=${encodeURIComponent(token)}`);
    expect(answer.status).toBe(200);
    expect([...upstream.hits.keys()]).toEqual([`${MANIFEST}?referrer=x`]);
    const variants = (await answer.text()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(variants).toHaveLength(Object.keys(RENDITIONS).length);
    for (const variant of variants) expect(new URL(variant, t.url + MANIFEST).searchParams.get('hdnts')).toBe(token);
    const playlist = await fetch(new URL(variants[0], t.url + MANIFEST));
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain(`segment1_0_av.ts?hdnts=${encodeURIComponent(token)}`);
  });
});
