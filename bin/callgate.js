#!/usr/bin/env node
// The `callgate` command: starts any set of Callgate services from one config file. See README.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('callgate: the project is not built yet. Run `npm start` (sets everything up) or `npm run build`.');
  process.exit(1);
}
const { main } = await import(entry);
process.exit(await main(process.argv.slice(2)));
