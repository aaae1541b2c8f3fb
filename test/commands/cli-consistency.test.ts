// One style across the commands: switches take on|off, a usage mistake is one `casterpak:` line,
// and a refusal says what to do (kfonly on a pruned rendition, --trick-play that adds nothing).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_FLAGS } from '../../src/commands/package.js';
import { PRUNE_FLAGS } from '../../src/commands/prune.js';
import { REWRITE_MASTER_FLAGS, trickPlayWarning } from '../../src/commands/rewrite-master.js';
import { SERVE_FLAGS } from '../../src/commands/serve.js';
import { rewriteMaster } from '../../src/lib/masters/master-rewrite.js';
import { media } from '../helpers/bento4.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('switches', () => {
  it('every on/off flag says <on|off> and defaults to on or off', () => {
    const all = [...SERVE_FLAGS, ...PACKAGE_FLAGS, ...PRUNE_FLAGS, ...REWRITE_MASTER_FLAGS];
    const switches = all.filter((f) => /<(on|off|true|false)\|/.test(f.flags));
    expect(switches.length).toBeGreaterThan(2);
    for (const flag of switches) {
      expect(flag.flags, flag.flags).toMatch(/ <on\|off>$/);
      expect(flag.default, flag.flags).toMatch(/^(on|off)$/);
    }
  });
});

describe('usage mistakes', () => {
  it('an unknown flag, command or missing argument is one line, `casterpak: …`, with the suggestion on it', async () => {
    const cwd = tempDir('casterpak-cli-');
    const cases: Array<[string[], string]> = [
      [['prune', '--older-tha', '2h'], "casterpak: unknown option '--older-tha' (did you mean --older-than?)\n"],
      [['serve', '--bogus'], "casterpak: unknown option '--bogus'\n"],
      [['bogus'], "casterpak: unknown command 'bogus'\n"],
      [['kfonly'], "casterpak: missing required argument 'playlist'\n"],
    ];
    for (const [args, stderr] of cases) expect(await runCli(args, { cwd }), args.join(' ')).toMatchObject({ code: 1, stdout: '', stderr });
  });
});

describe('reasons that say what to do', () => {
  it('kfonly on a rendition whose segment prune removed names the segment and the two ways to its trick play', async () => {
    const cwd = tempDir('casterpak-cli-');
    expect((await runCli(['package', '--as', 'show/av.mp4', media('av.mp4')], { cwd })).code).toBe(0);
    const playlist = path.join(cwd, 'casterpak-cache/show/av.mp4/index_0_av.m3u8');
    rmSync(path.join(path.dirname(playlist), 'segment2_0_av.ts'));
    const result = await runCli(['kfonly', playlist], { cwd });
    expect(result).toMatchObject({
      code: 1,
      stderr:
        `casterpak: segment2_0_av.ts of ${playlist} is missing (prune removes idle segments): ask serve for its trick play, ` +
        '/i/show/av.mp4/kfonly/index_0_av.m3u8, which remakes what is missing, or package the rendition again with --force\n',
    });
  });

  it('rewrite-master --trick-play on variants without CODECS or RESOLUTION says why it added nothing', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nhttps://cdn.example/i/a.mp4/index_0_av.m3u8\n';
    const options = { masterUrl: null, baseUrl: 'https://cp.example', pathPatterns: [/^\/i\//], hosts: [], trickPlay: new Map() };
    const plain = rewriteMaster(master, options);
    expect(plain.iframeVariants).toBe(0);
    expect(trickPlayWarning(plain, true)).toBe(
      'no trick play added: none of the 1 variants pointed at casterpak is known to carry video (no video codec in CODECS, no RESOLUTION): ' +
        'add CODECS or RESOLUTION to their EXT-X-STREAM-INF lines',
    );
    expect(trickPlayWarning(plain, false)).toBeNull();
    const withCodecs = rewriteMaster(master.replace('=800000', '=800000,CODECS="avc1.64001f,mp4a.40.2"'), options);
    expect(withCodecs.iframeVariants).toBe(1);
    expect(trickPlayWarning(withCodecs, true)).toBeNull();
    const none = rewriteMaster(master.replace('/i/', '/other/'), options);
    expect(trickPlayWarning(none, true)).toMatch(/^no trick play added: no variant matched/);
  });
});
