/** Where things are, seen from the compiled tests (dist/test/deploy/). */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ANSIBLE_DIR = join(ROOT, 'deploy', 'ansible');
export const INVENTORIES = ['single-box', 'cluster'] as const;
/** cached Debian roots and .deb files, outside the repository; CALLGATE_CI_CACHE overrides */
export const CI_CACHE = process.env.CALLGATE_CI_CACHE ?? '/var/cache/callgate-ci';
