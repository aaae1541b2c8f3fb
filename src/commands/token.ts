// `casterpak token <acl> --ttl 2h`: mints a signed-URL token (docs/security.md) with the first
// key of CASTERPAK_TOKEN_SECRET and prints its value on one line, for `?hdnts=<value>` or the
// `hdnts` cookie.
import { Command } from 'commander';
import { parseDuration } from '../lib/config/units.js';
import { loadConfig } from '../lib/config/load.js';
import { CasterpakError } from '../lib/shared/errors.js';
import { mintToken, parseTokenKeys } from '../lib/origin/tokens/edge-auth.js';

interface TokenCommandOptions {
  readonly ttl: string;
  readonly config?: string;
}

async function runToken(acl: string, options: TokenCommandOptions, nowMs = Date.now()): Promise<string> {
  const ttlMs = parseDuration(options.ttl);
  if (ttlMs === null || ttlMs < 1000)
    throw new CasterpakError('USAGE', `invalid --ttl "${options.ttl}": use a duration such as 90s, 30m or 2h`);
  if (acl === '' || !acl.startsWith('/')) throw new CasterpakError('USAGE', `the ACL must be a path starting with /, e.g. "/i/film.mp4/*"`);
  const { serve } = await loadConfig({ configFile: options.config });
  if (serve.tokenSecret === null) throw new CasterpakError('CONFIG', 'no token key: set CASTERPAK_TOKEN_SECRET (hex)');
  const [key] = parseTokenKeys(serve.tokenSecret);
  return mintToken({ expiry: Math.floor((nowMs + ttlMs) / 1000), acl }, key);
}

export function tokenCommand(): Command {
  return new Command('token')
    .description('print a signed-URL token (EdgeAuth hdnts value) for an ACL, with the first key of CASTERPAK_TOKEN_SECRET')
    .argument('<acl>', "the paths it opens, e.g. '/i/film.mp4/*': * matches anything, several joined by '!'")
    .option('--ttl <duration>', 'how long it is valid: 90s, 30m, 2h, 7d', '2h')
    .action(async (acl: string, options: TokenCommandOptions, command: Command) => {
      process.stdout.write(`${await runToken(acl, { ...options, config: command.optsWithGlobals<{ config?: string }>().config })}\n`);
    });
}
