import { createModelHostApp } from './app.ts';

// Routes only, no per-isolate state at module scope (see functions/api/index.ts).
export default createModelHostApp();
