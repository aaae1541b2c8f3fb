// Where a remote library lives: an http(s) base URL, or an S3 bucket and prefix
// (`s3://bucket/prefix`, docs/deployment.md "S3 sources"). Either way, a source is one URL read
// through the one upstream GET (http-get.ts, range-read.ts); S3 adds SigV4 signatures and reads
// S3's reason out of a refusal.
import { CasterpakError } from '../shared/errors.js';
import { isUrl } from '../shared/paths.js';
import { resolveAwsSettings, type AwsOverrides, type AwsSettings, type Env } from './aws-config.js';
import type { RequestSigner } from './http-get.js';
import { s3EncodeKey, signGet } from './sigv4.js';

export interface Upstream {
  /** The URL of the object at `key` ('/'-separated, not encoded) below the upstream. */
  objectUrl(key: string): URL;
  readonly sign?: RequestSigner;
  readonly explain?: (response: Response) => Promise<string | null>;
}

const isS3Url = (input: string): boolean => /^s3:\/\//i.test(input);

// s3://bucket/prefix → bucket and prefix (no leading or trailing slash); bucket names per S3's rules.
function parseS3Url(input: string): { readonly bucket: string; readonly prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/i.exec(input);
  if (!match) throw new CasterpakError('USAGE', `${input.slice(0, 200)}: not an s3://bucket/prefix URL`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

// S3's error body: <Error><Code>AccessDenied</Code><Message>…</Message>…; the code and message
// only (the body may also echo the access key id and the string signed).
async function explainS3(response: Response): Promise<string | null> {
  const text = (await response.text()).slice(0, 4096);
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]{1,300})<\/Message>/.exec(text)?.[1];
  return code ? `${code}${message ? `: ${message}` : ''}` : null;
}

// The S3 upstream for known settings. A custom endpoint is addressed path-style
// (`<endpoint>/<bucket>/<key>`), as MinIO and Ceph expect; AWS itself virtual-hosted, except
// for bucket names with dots, which the wildcard certificate does not cover.
function s3Upstream(input: string, settings: AwsSettings): Upstream {
  const { bucket, prefix } = parseS3Url(input);
  const base =
    settings.endpoint !== null
      ? `${settings.endpoint.replace(/\/+$/, '')}/${bucket}`
      : bucket.includes('.')
        ? `https://s3.${settings.region}.amazonaws.com/${bucket}`
        : `https://${bucket}.s3.${settings.region}.amazonaws.com`;
  if (!isUrl(base)) throw new CasterpakError('CONFIG', `S3 endpoint ${settings.endpoint}: not an http(s) URL`);
  const credentials = settings.credentials;
  const scope = credentials ? { credentials, region: settings.region } : null;
  return {
    objectUrl: (key) => new URL(`${base}/${s3EncodeKey(prefix === '' ? key : `${prefix}/${key}`)}`),
    sign: scope ? (url, headers) => signGet(url, headers, scope) : undefined,
    explain: explainS3,
  };
}

// An http(s) upstream: `<base>/<key>`, each segment percent-encoded, as before S3 existed.
function httpUpstream(base: string): Upstream {
  return {
    objectUrl: (key) => new URL(`${base}/${key.split('/').map(encodeURIComponent).join('/')}`),
  };
}

// The upstream a configured `upstream` value names, with S3's settings looked up once.
export async function openUpstream(spec: string, overrides: AwsOverrides, env?: Env): Promise<Upstream> {
  return isS3Url(spec) ? s3Upstream(spec, await resolveAwsSettings(overrides, env)) : httpUpstream(spec);
}
