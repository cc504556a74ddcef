/**
 * Renders the Callgate config of every Callgate host of an inventory on this machine (fixtures/render-configs.yml:
 * the callgate role's config tasks, validated by the release's check-config), and reads them back.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { ANSIBLE_ENV } from './ansible.js';
import { ANSIBLE_DIR, ROOT } from './paths.js';
import { run, tail } from './run.js';

const PLAYBOOK = join(ROOT, 'test', 'deploy', 'fixtures', 'render-configs.yml');

export async function renderedConfigs(inventory: string, tarball: string): Promise<{ code: number | null; output: string; seconds: number; configs: Map<string, unknown> }> {
  const tmp = mkdtempSync(join(tmpdir(), 'callgate-render-'));
  try {
    const untar = await run('tar', ['-xzf', tarball, '-C', tmp]);
    if (untar.code !== 0) throw new Error(`tar -xzf ${tarball}:\n${tail(untar.output)}`);
    const release = join(tmp, basename(tarball).replace(/\.tar\.gz$/, ''));
    const out = join(tmp, 'configs');
    const group = (await run('id', ['-gn'])).output.trim();
    const r = await run(
      'ansible-playbook',
      ['-i', join(ANSIBLE_DIR, 'inventories', inventory), PLAYBOOK, '-e', `callgate_release_path=${release}`, '-e', `callgate_group=${group}`, '-e', `callgate_config_dir=${out}/{{ inventory_hostname }}`, '-e', '{"callgate_systemd_running": false}'],
      { cwd: ANSIBLE_DIR, env: { ...ANSIBLE_ENV, ANSIBLE_ROLES_PATH: join(ANSIBLE_DIR, 'roles') } },
    );
    const configs = new Map<string, unknown>();
    for (const host of existsSync(out) ? readdirSync(out) : []) {
      const file = join(out, host, 'callgate.yaml');
      if (existsSync(file)) configs.set(host, parse(readFileSync(file, 'utf8')));
    }
    return { ...r, configs };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
