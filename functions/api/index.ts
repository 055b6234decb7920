import { createApp } from './app.ts';

// The Hono app holds routes only, no per-isolate state: building it at module
// scope costs microseconds and nothing environment-dependent runs here.
export default createApp();
