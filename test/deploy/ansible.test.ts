/**
 * deploy/ansible checked for real: ansible-lint (production profile) and --syntax-check of every playbook with
 * both inventories; the inventories document every role variable; the Grafana dashboard refers only to metrics
 * the code registers, and covers them; then the single-box playbook converges a debootstrapped Debian root
 * (ansible_connection=chroot, callgate_systemd_running=false), the result is checked inside that root, a second
 * run changes nothing, and a config the appliance refuses never replaces the one in place.
 *
 * Needs ansible-playbook and ansible-lint; the converge needs root, debootstrap and network access to a Debian
 * mirror (the first time; the root and the .deb files are cached in CALLGATE_CI_CACHE, default
 * /var/cache/callgate-ci). Without them the tests say why they are skipped; with CI set they fail instead.
 */
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ansible, changedTasks, playRecap } from './ansible.js';
import { baseRoot, freshRoot, keepDownloadedDebs, removeRoot } from './debian-root.js';
import { PROCESS_PREFIX, referencedMetrics, registeredMetrics } from './metric-names.js';
import { ANSIBLE_DIR, INVENTORIES, ROOT } from './paths.js';
import { renderedConfigs } from './rendered-configs.js';
import { ensureRelease } from './release.js';
import { PLAYBOOK_VARIABLES, documentedVariables, roleDefaults, roleNames, roleTasks, siteRoles } from './role-variables.js';
import { onPath, run, tail } from './run.js';

interface ClusterConfig {
  services: string[];
  gateway: { drachtio: { host: string } };
  media: { advertisedAddress?: string; control: { address: string; token?: string }; agentCore: { url?: string; urls?: string[] } };
  agentCore: { listen: { address: string } };
  store: { kind: string };
  redis: { url?: string; sentinel?: { name: string; sentinels: { host: string; port: number }[]; password?: string } };
  metrics: { address: string };
}

const SERVICES = ['sip-edge', 'sip-gateway', 'media-bridge', 'agent-core', 'supervisor-dashboard'];
const PLAYBOOKS = readdirSync(ANSIBLE_DIR).filter((f) => f.endsWith('.yml') && f !== 'requirements.yml');
const HOST = 'callgate-1';
const timings: Array<[string, number]> = [];
const started = Date.now();
const log = (msg: string) => console.log(`[deploy] ${((Date.now() - started) / 1000).toFixed(1)}s ${msg}`);

/** why a test cannot run here, or undefined; in CI a missing prerequisite is a failure, not a skip */
function skipUnless(t: TestContext, reason: string | undefined): boolean {
  if (!reason) return false;
  if (process.env.CI) assert.fail(`cannot run in CI: ${reason}`);
  t.skip(reason);
  return true;
}

const missing = (cmds: string[]) => {
  const absent = cmds.filter((c) => !onPath(c));
  return absent.length ? `not installed: ${absent.join(', ')} (Debian: apt-get install ${absent.join(' ')})` : undefined;
};

after(() => {
  if (timings.length) log(`timings: ${timings.map(([what, s]) => `${what} ${s.toFixed(1)}s`).join(', ')}; whole file ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

describe('deploy/ansible: static checks', () => {
  it('is clean under ansible-lint (production profile)', async (t) => {
    if (skipUnless(t, missing(['ansible-lint']))) return;
    const r = await ansible('ansible-lint', []);
    timings.push(['ansible-lint', r.seconds]);
    assert.equal(r.code, 0, `ansible-lint found problems:\n${tail(r.output)}`);
    assert.match(r.output, /Passed with production profile/);
  });

  it('passes --syntax-check for every playbook with both inventories', async (t) => {
    if (skipUnless(t, missing(['ansible-playbook']))) return;
    assert.deepEqual(PLAYBOOKS.sort(), ['rolling-upgrade.yml', 'site.yml']);
    for (const inventory of INVENTORIES) {
      for (const playbook of PLAYBOOKS) {
        const r = await ansible('ansible-playbook', ['-i', `inventories/${inventory}`, playbook, '--syntax-check']);
        assert.equal(r.code, 0, `${playbook} with ${inventory}:\n${tail(r.output)}`);
      }
    }
  });

  it("documents every role variable, with its default, in the group_vars of each inventory the role runs in", async (t) => {
    if (skipUnless(t, missing(['ansible-inventory']))) return;
    const applied = siteRoles();
    assert.deepEqual([...applied.keys()].sort(), roleNames(), 'site.yml applies every role');
    const declared = new Set([...roleNames().flatMap(roleDefaults), ...PLAYBOOK_VARIABLES]);
    for (const inventory of INVENTORIES) {
      const inv = await ansible('ansible-inventory', ['-i', `inventories/${inventory}`, '--list']);
      assert.equal(inv.code, 0, tail(inv.output));
      const groups = JSON.parse(inv.output) as Record<string, { hosts?: string[] }>;
      const populated = (pattern: string) => pattern === 'all' || (groups[pattern]?.hosts?.length ?? 0) > 0;
      const docs = documentedVariables(inventory);
      for (const [role, patterns] of applied) {
        if (!patterns.some(populated)) continue;
        const undocumented = roleDefaults(role).filter((v) => !docs.variables.has(v));
        assert.deepEqual(undocumented, [], `${inventory}: group_vars do not document these variables of role ${role}`);
      }
      assert.deepEqual(docs.withoutDefault, [], `${inventory}: variables documented without a "# default:" line`);
      const unknown = [...docs.variables.keys()].filter((v) => !declared.has(v));
      assert.deepEqual(unknown, [], `${inventory}: group_vars document variables no role or playbook reads`);
    }
  });

  it('uses callgate_systemd_running only to skip steps that need a running system', () => {
    const gated = roleTasks().filter(({ task }) => JSON.stringify(task.when ?? '').includes('callgate_systemd_running'));
    assert.ok(gated.length >= 10, `expected the service start/restart tasks to be gated, found ${gated.length}`);
    for (const { file, task } of gated) {
      const systemd = task['ansible.builtin.systemd'] as { state?: string; daemon_reload?: boolean; enabled?: boolean } | undefined;
      const command = task['ansible.builtin.command'];
      const imported = task['ansible.builtin.import_tasks'];
      const ok =
        (systemd !== undefined && (systemd.state !== undefined || systemd.daemon_reload === true) && systemd.enabled === undefined) ||
        (typeof command === 'string' && command.startsWith('sysctl --load')) ||
        imported === 'replica-set.yml';
      assert.ok(ok, `${file}: "${task.name}" is skipped without systemd but is not a start/restart/reload, a sysctl load or the live replica-set setup`);
    }
    const enables = roleTasks().filter(({ task }) => (task['ansible.builtin.systemd'] as { enabled?: boolean } | undefined)?.enabled === true);
    for (const { file, task } of enables) {
      assert.ok(!JSON.stringify(task.when ?? '').includes('callgate_systemd_running'), `${file}: "${task.name}" (enable at boot) must run without systemd too`);
    }
  });

  it('has a Grafana dashboard that covers the metrics the code registers, and only those', () => {
    const registered = registeredMetrics();
    assert.ok(registered.size >= 40, `found only ${registered.size} metric names in the sources`);
    const dashboard = readFileSync(join(ANSIBLE_DIR, 'roles/monitoring/files/callgate-dashboard.json'), 'utf8');
    const parsed = JSON.parse(dashboard) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = parsed.panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr)).join('\n');
    const used = referencedMetrics(exprs);
    const unknown = [...used].filter((m) => !registered.has(m) && !m.startsWith(PROCESS_PREFIX));
    assert.deepEqual(unknown, [], 'the dashboard refers to metrics no service registers');
    const uncovered = [...registered].filter((m) => !used.has(m)).sort();
    assert.deepEqual(uncovered, [], 'metrics without a panel in deploy/ansible/roles/monitoring/files/callgate-dashboard.json');
  });
});

describe('deploy/ansible: single-box converge in a Debian root', () => {
  let root: string | undefined;
  after(() => {
    if (root && !process.env.CALLGATE_CI_KEEP_ROOT) removeRoot(root);
    else if (root) log(`kept the converged root at ${root} (CALLGATE_CI_KEEP_ROOT)`);
  });

  it('converges, checks out inside the root, changes nothing the second time, and refuses a bad config', { timeout: 15 * 60_000 }, async (t) => {
    const reason =
      (process.getuid?.() !== 0 ? 'needs root (debootstrap, chroot)' : undefined) ?? missing(['debootstrap', 'ansible-playbook', 'openssl', 'chroot']);
    if (skipUnless(t, reason)) return;

    const release = await ensureRelease();
    timings.push([release.built ? 'npm run package' : 'release reused', release.seconds]);
    log(`release ${release.path} (${(statSync(release.path).size / 2 ** 20).toFixed(1)} MiB, ${release.built ? 'built' : 'reused'})`);

    const base = await baseRoot(log);
    timings.push([base.builtSeconds ? 'debootstrap' : 'debootstrap (cached)', base.builtSeconds]);
    const copyStart = Date.now();
    root = await freshRoot(base.path);
    timings.push(['fresh copy', (Date.now() - copyStart) / 1000]);
    log(`converging ${root}`);

    // a dashboard certificate, so the tls role and the dashboard's HTTPS settings are exercised
    const tls = join(root, '..'); // the root's temporary parent: removed with it
    const cert = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=callgate-converge', '-keyout', join(tls, 'dashboard.key'), '-out', join(tls, 'dashboard.crt')]);
    assert.equal(cert.code, 0, cert.output);
    const vars = {
      ansible_connection: 'community.general.chroot',
      ansible_host: root,
      callgate_systemd_running: false,
      tls_dashboard_cert_src: join(tls, 'dashboard.crt'),
      tls_dashboard_key_src: join(tls, 'dashboard.key'),
    };
    const varsFile = join(tls, 'converge-vars.json');
    writeFileSync(varsFile, JSON.stringify(vars));
    const converge = (extra: string[] = []) => ansible('ansible-playbook', ['-i', 'inventories/single-box', 'site.yml', '-e', `@${varsFile}`, ...extra]);

    // 1. first converge
    const first = await converge();
    timings.push(['first converge', first.seconds]);
    log(`first converge: ${first.seconds.toFixed(1)}s, ${keepDownloadedDebs(root)} new .deb files cached`);
    const recap1 = playRecap(first.output).get(HOST);
    assert.ok(recap1, `no play recap:\n${tail(first.output)}`);
    assert.equal(first.code, 0, `first converge failed:\n${tail(first.output, 80)}`);
    assert.equal(recap1.failed + recap1.unreachable, 0);
    assert.ok(recap1.changed > 20, `the first converge changed only ${recap1.changed} things`);

    // 2. what it left inside the root
    const inRoot = (cmd: string, ...args: string[]) => run('chroot', [root!, cmd, ...args]);
    const file = (p: string) => join(root!, p);

    for (const pkg of ['systemd', 'netbase', 'chrony', 'libstdc++6', 'redis-server', 'flite', 'pocketsphinx', 'pocketsphinx-en-us', 'python3-pocketsphinx', 'nftables', 'prometheus', 'prometheus-node-exporter']) {
      const q = await inRoot('dpkg-query', '-W', '-f=${Status}', pkg);
      assert.equal(q.output.trim(), 'install ok installed', `package ${pkg}`);
    }

    const callgateUser = await inRoot('getent', 'passwd', 'callgate');
    assert.match(callgateUser.output, /^callgate:x:\d+:\d+:.*:\/var\/lib\/callgate:\/usr\/sbin\/nologin$/m);
    const gid = Number((await inRoot('getent', 'group', 'callgate')).output.split(':')[2]);

    const current = readlinkSync(file('opt/callgate/current'));
    const sha = readFileSync(`${release.path}.sha256`, 'utf8').split(/\s+/)[0] as string;
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(current, `/opt/callgate/releases/${version}-${sha.slice(0, 12)}`);
    assert.ok(statSync(file(`${current}/node/bin/node`)).mode & 0o111, 'the bundled node is executable');
    assert.ok(lstatSync(file('usr/local/bin/callgate')).isSymbolicLink());

    for (const [p, mode] of [['etc/callgate/callgate.yaml', 0o640], ['etc/callgate/callgate.env', 0o640], ['etc/callgate/tls/dashboard.key', 0o640]] as const) {
      const st = statSync(file(p));
      assert.equal(st.mode & 0o777, mode, `${p} mode`);
      assert.equal(st.uid, 0, `${p} owner`);
    }
    assert.equal(statSync(file('etc/callgate/callgate.yaml')).gid, gid, 'the config belongs to group callgate');

    const config = parse(readFileSync(file('etc/callgate/callgate.yaml'), 'utf8')) as {
      services: string[];
      redis: unknown;
      store: { sqlite: { path: string } };
      dashboard: { tls?: unknown };
    };
    assert.deepEqual(config.services, SERVICES);
    assert.deepEqual(config.redis, { embedded: false, url: 'redis://127.0.0.1:6379' });
    assert.equal(config.store.sqlite.path, '/var/lib/callgate/callgate.db');
    assert.deepEqual(config.dashboard.tls, { cert: '/etc/callgate/tls/dashboard.crt', key: '/etc/callgate/tls/dashboard.key' });

    // the appliance's own check, inside the root, as the service user
    const check = await run('chroot', ['--userspec=callgate:callgate', root, '/opt/callgate/current/bin/callgate', 'check-config', '--config', '/etc/callgate/callgate.yaml']);
    assert.equal(check.code, 0, `check-config inside the root:\n${check.output}`);
    assert.match(check.output, /callgate\.yaml is valid/);

    const unit = readFileSync(file('etc/systemd/system/callgate@.service'), 'utf8');
    for (const line of ['Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'User=callgate', 'LimitNOFILE=65536']) {
      assert.ok(unit.split('\n').includes(line), `callgate@.service has ${line}`);
    }
    for (const [i, service] of SERVICES.entries()) {
      const dropIn = readFileSync(file(`etc/systemd/system/callgate@${service}.service.d/ansible.conf`), 'utf8');
      assert.match(dropIn, new RegExp(`^Environment=CALLGATE_METRICS__PORT=${9464 + i}$`, 'm'));
      assert.match(dropIn, new RegExp(`^ExecStart=/opt/callgate/current/bin/callgate start --config /etc/callgate/callgate.yaml ${service}$`, 'm'));
      assert.match(dropIn, /^ReadWritePaths=\/var\/lib\/callgate$/m);
    }
    const units = [...SERVICES.map((s) => `callgate@${s}.service`), 'callgate.target', 'redis-server.service', 'nftables.service', 'chrony.service', 'prometheus.service', 'prometheus-node-exporter.service'];
    for (const u of units) {
      const enabled = await inRoot('systemctl', 'is-enabled', u);
      assert.equal(enabled.output.trim(), 'enabled', `${u} is enabled at boot`);
    }
    const verify = await inRoot('systemd-analyze', 'verify', ...SERVICES.map((s) => `callgate@${s}.service`), 'callgate.target');
    assert.equal(verify.code, 0, verify.output);
    assert.doesNotMatch(verify.output, /callgate/, `systemd-analyze verify warns about the Callgate units:\n${verify.output}`);

    const sysctl = readFileSync(file('etc/sysctl.d/60-callgate.conf'), 'utf8');
    assert.match(sysctl, /^net\.core\.rmem_max = \d+$/m);
    assert.match(sysctl, /^net\.ipv4\.ip_local_reserved_ports = 20000-29999$/m);
    const redisConf = readFileSync(file('etc/redis/redis.conf'), 'utf8');
    for (const line of ['appendonly yes', 'appendfsync everysec', 'maxmemory-policy noeviction']) assert.match(redisConf, new RegExp(`^${line}$`, 'm'));

    const nft = readFileSync(file('etc/nftables.conf'), 'utf8');
    assert.match(nft, /policy drop;/);
    assert.match(nft, /elements = \{ 203\.0\.113\.0\/24 \}/, 'SIP is open to the trunk network');
    assert.match(nft, /ip saddr @sip_v4 udp dport \{ 5060 \} accept/);
    assert.match(nft, /udp dport 20000-29999 accept/);
    const nftCheck = await inRoot('nft', '-c', '-f', '/etc/nftables.conf');
    assert.equal(nftCheck.code, 0, nftCheck.output);

    const prometheus = parse(readFileSync(file('etc/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>; rule_files: string[] };
    for (const [i, service] of SERVICES.entries()) {
      const job = prometheus.scrape_configs.find((j) => j.job_name === `callgate-${service}`);
      assert.deepEqual(job?.static_configs.flatMap((c) => c.targets), [`127.0.0.1:${9464 + i}`], `scrape job for ${service}`);
    }
    assert.deepEqual(prometheus.rule_files, ['/etc/prometheus/rules/callgate-alerts.yml']);
    const promtool = await inRoot('promtool', 'check', 'config', '/etc/prometheus/prometheus.yml');
    assert.equal(promtool.code, 0, promtool.output);
    assert.equal(readFileSync(file('etc/prometheus/rules/callgate-alerts.yml'), 'utf8'), readFileSync(join(ROOT, 'deploy/prometheus/callgate-alerts.yml'), 'utf8'));
    JSON.parse(readFileSync(file('var/lib/grafana/dashboards/callgate/callgate.json'), 'utf8'));
    assert.match(readFileSync(file('etc/default/prometheus-node-exporter'), 'utf8'), /--web\.listen-address=:9100/);

    // 3. idempotence
    const second = await converge();
    timings.push(['second converge', second.seconds]);
    assert.equal(second.code, 0, `second converge failed:\n${tail(second.output, 80)}`);
    const recap2 = playRecap(second.output).get(HOST);
    assert.equal(recap2?.changed, 0, `the second converge changed: ${changedTasks(second.output).join('; ')}`);
    assert.equal(recap2?.failed, 0);

    // 4. a config the appliance refuses (maxConcurrentCalls must be positive) stops the run at the config task
    // and leaves the config in place untouched
    const hash = () => createHash('sha256').update(readFileSync(file('etc/callgate/callgate.yaml'))).digest('hex');
    const before = hash();
    const bad = await converge(['-e', 'callgate_max_concurrent_calls=0', '--start-at-task', "callgate : Write the config (validated by the release's check-config)"]);
    timings.push(['refused config run', bad.seconds]);
    assert.notEqual(bad.code, 0, `a config check-config refuses was accepted:\n${tail(bad.output)}`);
    assert.match(bad.output, /failed to validate/);
    assert.match(bad.output, /gateway\.admission\.maxConcurrentCalls/);
    assert.equal(hash(), before, 'the refused config did not replace the one in place');
    assert.ok(existsSync(file('etc/callgate/callgate.yaml')));
  });
});

describe('deploy/ansible: cluster configs', () => {
  it("renders every cluster host's config with the role's template, and the release's check-config accepts each", async (t) => {
    if (skipUnless(t, missing(['ansible-playbook', 'tar']))) return;
    const release = await ensureRelease();
    const r = await renderedConfigs('cluster', release.path);
    timings.push(['cluster configs', r.seconds]);
    assert.equal(r.code, 0, `rendering the cluster's configs failed:\n${tail(r.output, 80)}`);
    const configs = r.configs as Map<string, ClusterConfig>;
    assert.deepEqual([...configs.keys()].sort(), ['agent-1', 'agent-2', 'dash-1', 'gw-1', 'gw-2', 'media-1', 'media-2']);

    const gw1 = configs.get('gw-1')!;
    assert.deepEqual(gw1.services, ['sip-gateway']);
    assert.equal(gw1.gateway.drachtio.host, '10.0.1.11', 'gw-1 connects to its SIP edge, edge-1');
    assert.equal(gw1.media.control.address, '10.0.3.11', 'gw-1 drives its media bridge, media-1');
    assert.ok((gw1.media.control.token ?? '').length >= 16, 'the media control has a token');
    assert.equal(configs.get('gw-2')!.gateway.drachtio.host, '10.0.1.12');

    const media1 = configs.get('media-1')!;
    assert.deepEqual(media1.services, ['media-bridge']);
    assert.equal(media1.media.control.address, '10.0.3.11', 'the bridge serves its control on its private address');
    assert.equal(media1.media.advertisedAddress, '198.51.100.21');
    assert.deepEqual(media1.media.agentCore.urls, ['ws://10.0.4.11:9024/v1/stream', 'ws://10.0.4.12:9024/v1/stream']);

    const agent1 = configs.get('agent-1')!;
    assert.deepEqual(agent1.services, ['agent-core']);
    assert.equal(agent1.agentCore.listen.address, '10.0.4.11');
    assert.equal(agent1.store.kind, 'mongodb');
    // the cluster finds the Redis master through its sentinels (the clients follow a failover)
    assert.equal(agent1.redis.url, undefined);
    assert.equal(agent1.redis.sentinel?.name, 'callgate');
    assert.deepEqual(agent1.redis.sentinel?.sentinels, ['10.0.5.11', '10.0.5.12', '10.0.5.13'].map((host) => ({ host, port: 26379 })));
    assert.ok(agent1.redis.sentinel?.password, 'the Redis password goes with the sentinel settings');
    assert.equal(agent1.metrics.address, '0.0.0.0');
    assert.deepEqual(configs.get('dash-1')!.services, ['supervisor-dashboard']);
  });
});
