// A real S3 server for tests (s3rver, in-process on 127.0.0.1) and, in front of it, a "private
// bucket": a proxy that refuses any request without a valid AWS4-HMAC-SHA256 signature. The
// proxy checks signatures by its own SigV4 code over node:crypto (not casterpak's), records what
// it was asked, and forwards accepted requests without their signature (s3rver would check it
// against its own host and port). `public` lets unsigned requests through as well (a public
// bucket, with the proxy's byte-range fix below); `fault` answers instead of s3rver.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { onTestFinished } from 'vitest';
import { tempDir } from './temp-dir.js';

export const KEY_ID = 'AKIDCASTERPAKTEST';
export const SECRET = 'c2VjcmV0LW5vdC1mb3ItcHJvZHVjdGlvbg+/k3y';

interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | undefined;
  readonly signed: boolean;
  /** null when accepted; else why it was refused */
  readonly refused: string | null;
}

interface TestS3 {
  /** s3rver itself: accepts anything, unsigned */
  readonly endpoint: string;
  /** the private bucket's endpoint: signed requests only */
  readonly privateEndpoint: string;
  readonly requests: ProxiedRequest[];
  /** A public bucket: unsigned requests pass too (signed ones are still checked). */
  public: boolean;
  /** Fault injection: answers a signed request instead of s3rver when it returns true. */
  fault: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null;
  put(bucket: string, key: string, body: Uint8Array): Promise<void>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const mac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

// Why a request's signature is not valid, or null (AWS SigV4: canonical request, string to sign,
// the derived key over date/region/service).
function checkSignature(req: http.IncomingMessage, secret = SECRET): string | null {
  const auth = req.headers.authorization;
  if (!auth) return 'no Authorization header';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return 'not an AWS4-HMAC-SHA256 Authorization';
  const [, keyId, day, region, signed, signature] = m;
  if (keyId !== KEY_ID) return 'unknown access key';
  const date = String(req.headers['x-amz-date'] ?? '');
  if (!date.startsWith(day)) return 'x-amz-date does not match the scope';
  if (
    Math.abs(
      Date.parse(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13)}`) - Date.now(),
    ) > 900_000
  )
    return 'request time too skewed';
  const names = signed.split(';');
  if (!names.includes('host')) return 'host not signed';
  const [pathname, query = ''] = (req.url ?? '/').split('?');
  const canonicalQuery = query.split('&').filter(Boolean).sort().join('&');
  const headerLines = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const payload = String(req.headers['x-amz-content-sha256'] ?? '');
  const canonical = `${req.method}\n${pathname}\n${canonicalQuery}\n${headerLines}\n${signed}\n${payload}`;
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256(canonical)}`;
  const key = mac(mac(mac(mac(`AWS4${secret}`, day), region), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === signature ? null : 'signature does not match';
}

const denied = (res: http.ServerResponse, code: string, message: string) =>
  res
    .writeHead(403, { 'content-type': 'application/xml' })
    .end(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message><AWSAccessKeyId>${KEY_ID}</AWSAccessKeyId></Error>`);

export async function startS3(buckets: readonly string[]): Promise<TestS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: tempDir('casterpak-s3-'),
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const requests: ProxiedRequest[] = [];
  const proxy = http.createServer((req, res) => {
    const refused = self.public && !req.headers.authorization ? null : checkSignature(req);
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      range: req.headers.range,
      signed: !!req.headers.authorization,
      refused,
    });
    if (refused) return denied(res, refused === 'signature does not match' ? 'SignatureDoesNotMatch' : 'AccessDenied', refused);
    if (self.fault?.(req, res)) return;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'authorization' && !k.startsWith('x-amz-')));
    const upstream = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...headers, host: `127.0.0.1:${port}` } },
      (answer) => {
        const whole = /^bytes \d+-\d+\/(\d+)$/.exec(String(answer.headers['content-range']));
        if (req.headers.range !== 'bytes=0-0' || answer.statusCode !== 206 || !whole) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          return void answer.pipe(res);
        }
        // s3rver reads the end 0 of `bytes=0-0` as no end and answers the whole object; S3 answers
        // the one byte asked (RFC 9110 §14.1.2), which is what the proxy passes on.
        answer.once('data', (chunk: Buffer) => {
          answer.destroy();
          res
            .writeHead(206, { ...answer.headers, 'content-range': `bytes 0-0/${whole[1]}`, 'content-length': '1' })
            .end(chunk.subarray(0, 1));
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await server.close();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const self: TestS3 = {
    endpoint,
    privateEndpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    requests,
    async put(bucket, key, body) {
      const answer = await fetch(`${endpoint}/${bucket}/${key}`, { method: 'PUT', body: new Uint8Array(body) });
      if (!answer.ok) throw new Error(`s3rver PUT ${key}: ${answer.status}`);
    },
    fault: null,
    public: false,
  };
  return self;
}
