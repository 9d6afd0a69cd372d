#!/usr/bin/env node
// The hub is written in TypeScript and run without a build step: tsx loads the sources.
import { register } from 'tsx/esm/api';

// `hub mapping test | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

register();
const { main } = await import('../runtime/cli/main.ts');
process.exitCode = await main(process.argv);
