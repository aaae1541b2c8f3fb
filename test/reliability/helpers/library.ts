// A source library for a serve process: av.mp4 and hard links of it under other rendition
// paths (each one a rendition never packaged before), with a cache directory beside it.
import { copyFileSync, linkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { media } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';

// `<library>/<renditionPath>` as a hard link of `<library>/av.mp4`.
export function linkSource(library: string, renditionPath: string): void {
  mkdirSync(path.dirname(path.join(library, renditionPath)), { recursive: true });
  linkSync(path.join(library, 'av.mp4'), path.join(library, renditionPath));
}

export function avLibrary(prefix: string, renditionPaths: readonly string[] = []): { library: string; cacheDir: string } {
  const root = tempDir(prefix);
  const library = path.join(root, 'library');
  mkdirSync(library);
  copyFileSync(media('av.mp4'), path.join(library, 'av.mp4'));
  for (const renditionPath of renditionPaths) linkSource(library, renditionPath);
  return { library, cacheDir: path.join(root, 'cache') };
}
