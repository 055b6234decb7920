// The Node that runs the repository's TypeScript tools (type stripping needs Node >= 22.6): this
// process's when it is recent enough, else the repository's own (node_modules/.bin/node).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function tsNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 6)) return process.execPath;
  const local = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
  if (existsSync(local)) return local;
  throw new Error(`Node ${process.version} cannot run the TypeScript tools and node_modules/.bin/node is missing: use Node >= 22.6`);
}
