// Region and credentials for S3 sources, found where the AWS CLI looks for them
// (docs/deployment.md, "S3 sources"): the environment first, then the shared files of the
// profile AWS_PROFILE names (`default` otherwise). Instance roles (IMDS) are not read yet.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AwsCredentials } from './sigv4.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface AwsSettings {
  readonly region: string;
  /** An S3-compatible store (MinIO, Ceph…): objects addressed path-style below it. */
  readonly endpoint: string | null;
  /** null: no credentials anywhere, requests go unsigned (public buckets only). */
  readonly credentials: AwsCredentials | null;
}

type Ini = Map<string, Map<string, string>>;

// The INI dialect of ~/.aws/credentials and ~/.aws/config: [section], key = value, # or ; comments.
function parseIni(text: string): Ini {
  const sections: Ini = new Map();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]) ?? new Map<string, string>();
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current !== null && eq > 0) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}

async function readIni(file: string): Promise<Ini> {
  try {
    return parseIni(await fs.readFile(file, 'utf8'));
  } catch {
    return new Map();
  }
}

const fromSection = (section: Map<string, string> | undefined): AwsCredentials | null => {
  const accessKeyId = section?.get('aws_access_key_id');
  const secretAccessKey = section?.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) return null;
  const sessionToken = section?.get('aws_session_token');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
};

export interface AwsOverrides {
  /** config `s3.region` */ readonly region: string | null;
  /** config `s3.endpoint` */ readonly endpoint: string | null;
}

// Configuration keys win over the environment, the environment over the shared files.
export async function resolveAwsSettings(overrides: AwsOverrides, env: Env = process.env, home = os.homedir()): Promise<AwsSettings> {
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
  const [credentialsFile, configFile] = await Promise.all([
    readIni(env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials')),
    readIni(env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config')),
  ]);
  const configSection = configFile.get(profile === 'default' ? 'default' : `profile ${profile}`);
  const region = overrides.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || configSection?.get('region') || 'us-east-1';
  const endpoint = overrides.endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || null;
  const fromEnv = fromSection(
    new Map(
      [
        ['aws_access_key_id', env.AWS_ACCESS_KEY_ID],
        ['aws_secret_access_key', env.AWS_SECRET_ACCESS_KEY],
        ['aws_session_token', env.AWS_SESSION_TOKEN],
      ].filter((entry): entry is [string, string] => Boolean(entry[1])),
    ),
  );
  if (fromEnv) return { region, endpoint, credentials: fromEnv };
  const shared = fromSection(credentialsFile.get(profile)) ?? fromSection(configSection);
  if (shared) return { region, endpoint, credentials: shared };
  return { region, endpoint, credentials: null };
}
