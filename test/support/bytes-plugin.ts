import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/**
 * `import photo from './cat.jpg?bytes'` gives the file as a Uint8Array in
 * any runtime, workerd included, so tests use committed real files without
 * a filesystem or a fixture server.
 */
export function bytesPlugin(): Plugin {
  return {
    name: 'edge-vision:bytes',
    enforce: 'pre',
    load(id) {
      if (!id.endsWith('?bytes')) return null;
      const file = id.slice(0, -'?bytes'.length);
      const base64 = readFileSync(file).toString('base64');
      return `const b = atob(${JSON.stringify(base64)});
const bytes = new Uint8Array(b.length);
for (let i = 0; i < b.length; i++) bytes[i] = b.charCodeAt(i);
export default bytes;`;
    },
  };
}
