// Applying one configuration layer over the values so far, key by key against the schema's
// shape: a key the shape does not know, or a value its check refuses, stops start-up with CONFIG
// named as the layer names it (a flag, a variable, a file key).
import { CasterpakError } from '../shared/errors.js';
import { InvalidValue, type Check } from './checks.js';

export type Shape = { [key: string]: Check | Shape };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergeLayer(
  shape: Shape,
  base: Record<string, unknown>,
  input: Record<string, unknown>,
  prefix: string,
  describe: (key: string, why: string) => string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const fail = (key: string, why: string): never => {
    throw new CasterpakError('CONFIG', describe(key, why));
  };
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('$')) continue; // "$comment" and the like: notes in JSON files, which have no comments
    const path = prefix + key;
    const rule = shape[key];
    if (rule === undefined) fail(path, 'is not a known key');
    if (value === undefined) continue;
    if (typeof rule === 'function') {
      try {
        out[key] = rule(value);
      } catch (error) {
        if (error instanceof InvalidValue) fail(path, error.message);
        throw error;
      }
    } else {
      if (!isPlainObject(value)) fail(path, 'must be an object');
      out[key] = mergeLayer(rule, base[key] as Record<string, unknown>, value as Record<string, unknown>, `${path}.`, describe);
    }
  }
  return out;
}
