import { createOcrApp } from './app.ts';

// Routes only, no per-isolate state at module scope (see functions/api/index.ts).
export default createOcrApp();
