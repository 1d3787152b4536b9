#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

// A closed pipe (`llmecon gpus | head`) ends the output quietly instead of with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
