// The store thread's entry: tsx loads the TypeScript, as bin/hub.js does for the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./store-worker.ts');
