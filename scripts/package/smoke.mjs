// Run by verify-release.mjs with a release's own Node.js, from inside the unpacked release: loads every service
// module and the native addons the way the appliance does (better-sqlite3, onnxruntime-node with both packaged
// Silero VAD models), so a missing file, a pruned dependency or an addon built for another runtime fails here.
const report = {};
const Database = (await import('better-sqlite3')).default;
const db = new Database(':memory:');
report.sqlite = db.prepare('select sqlite_version() as v').get().v;
db.close();

const media = await import('@callgate/media-bridge');
for (const variant of ['silero-v5', 'silero-v4']) {
  const model = await media.loadSileroModel({ variant, thread: 'main' });
  const input = new Float32Array(model.inputSamples);
  const state = new Float32Array(model.stateFloats);
  const [p] = await model.infer([input], [state]);
  if (!(p >= 0 && p <= 1)) throw new Error(`${variant}: inference gave ${p}`);
  report[variant] = Number(p.toFixed(4));
}
for (const spec of ['@callgate/contracts', '@callgate/sip-gateway', '@callgate/sip-gateway/edge', '@callgate/agent-core', '@callgate/supervisor-dashboard']) {
  await import(spec);
}
await import(new URL('./dist/src/appliance/start.js', import.meta.url).href);
report.modules = 'loaded';
console.log(JSON.stringify(report));
process.exit(0);
