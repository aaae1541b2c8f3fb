// AWS Signature Version 4 for the GETs casterpak sends to S3 (docs/deployment.md, "S3 sources").
// Signing the existing range reads, rather than going through @aws-sdk/client-s3, keeps one road to
// every upstream: the same time limits, retries, size and ETag checks, the same allowed origins,
// and no SDK whose releases soon require a newer Node than casterpak's engines field.
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

interface SigningScope {
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** @default 's3' */ readonly service?: string;
}

// A GET has no body; S3 requires the payload hash header even so.
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

// S3's URI encoding: every byte but the unreserved characters (RFC 3986 §2.3) percent-encoded,
// '/' kept between key segments. encodeURIComponent leaves !'()* alone, which S3 would encode
// when it rebuilds the canonical request, and the signatures would differ.
export const s3EncodeKey = (key: string): string =>
  key
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

// 20261206T043500Z: the basic ISO 8601 form SigV4 asks for.
const amzDate = (now: Date): string =>
  now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

// The signed headers of a GET: host, everything casterpak sets that S3 checks (range, if-match)
// and the x-amz-* ones. user-agent and accept-encoding stay unsigned (a proxy may change them).
const SIGNED = /^(host|range|if-match|x-amz-.*)$/;

// The headers to send (the caller's, plus x-amz-date, x-amz-content-sha256, the session token
// and Authorization). `url` must already carry the path exactly as it will be sent.
export function signGet(
  url: URL,
  headers: Readonly<Record<string, string>>,
  scope: SigningScope,
  now = new Date(),
): Record<string, string> {
  const service = scope.service ?? 's3';
  const date = amzDate(now);
  const out: Record<string, string> = { ...headers, 'x-amz-date': date, 'x-amz-content-sha256': EMPTY_SHA256 };
  if (scope.credentials.sessionToken) out['x-amz-security-token'] = scope.credentials.sessionToken;
  const signing: Record<string, string> = {
    ...Object.fromEntries(Object.entries(out).map(([k, v]) => [k.toLowerCase(), v.trim()])),
    host: url.host,
  };
  const names = Object.keys(signing)
    .filter((name) => SIGNED.test(name))
    .sort();
  const query = [...url.searchParams]
    .map(([k, v]) => [s3EncodeKey(k), s3EncodeKey(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = ['GET', url.pathname, query, ...names.map((n) => `${n}:${signing[n]}`), '', names.join(';'), EMPTY_SHA256].join('\n');
  const credentialScope = `${date.slice(0, 8)}/${scope.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, credentialScope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${scope.credentials.secretAccessKey}`, date.slice(0, 8)), scope.region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  out.authorization = `AWS4-HMAC-SHA256 Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return out;
}
