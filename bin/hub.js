#!/usr/bin/env node
// The hub is written in TypeScript and run without a build step: tsx loads the sources.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../runtime/cli/main.ts');
process.exitCode = await main(process.argv);
