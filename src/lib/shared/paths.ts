// Two questions asked of names everywhere: is an input a URL (fetched) or a file (read), and
// does a resolved path stay inside its root.
import path from 'node:path';

// An http(s) or s3:// URL, as `package`, `kfonly` and `rewrite-master` take inputs: anything else
// is a file (only `package` reads s3://; the others refuse it as not http(s), FORBIDDEN_HOST).
export const isUrl = (input: string): boolean => /^(https?|s3):\/\//i.test(input);

// `file` is `root` or below it. Both must be resolved alike (path.resolve, or realpath for
// symlinks): a bare prefix test would let `/cache-other` pass for `/cache`.
export const isInside = (root: string, file: string): boolean => file === root || file.startsWith(root + path.sep);
