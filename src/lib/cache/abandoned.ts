// One rule for everything a packaging run leaves in the cache while it works (its lock, its
// `.tmp` run directory, a partial download, a durable write's temporary file): it is abandoned
// when its owner died on this host, or when nothing touched it for longer than `maxAgeMs`
// (an owner on another host cannot be asked; a live one keeps its files fresh). Pure: the
// caller says whether the owner is dead (cache/lock.ts `ownerDead`).
export function isAbandoned(ownerIsDead: boolean, mtimeMs: number, now: number, maxAgeMs: number): boolean {
  return ownerIsDead || now - mtimeMs > maxAgeMs;
}
