const { Ipvs } = require('./dist/lib');
const { serviceKey, destination } = require('./dist/bench/support/table');
const { execFileSync } = require('node:child_process');
(async () => {
  execFileSync('ip', ['netns', 'add', 'p1']); execFileSync('ip', ['-n', 'p1', 'link', 'set', 'lo', 'up']);
  const ipvs = Ipvs.openSync({ netns: 'p1' });
  for (let i = 0; i < 2000; i++) ipvs.infoSync();
  let t = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) ipvs.infoSync();
  console.log('infoSync', Number(process.hrtime.bigint() - t) / 2000 / 1e3, 'us/op');
  for (const S of [500, 5000]) {
    execFileSync('ip', ['netns', 'add', `q${S}`]); execFileSync('ip', ['-n', `q${S}`, 'link', 'set', 'lo', 'up']);
    const h = await Ipvs.open({ netns: `q${S}` });
    t = process.hrtime.bigint();
    const b = h.batch();
    for (let i = 0; i < S; i++) { const k = serviceKey(i); b.addService(k); for (let j = 0; j < 10; j++) b.addDestination(k, destination(j)); }
    const build = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    const r = await b.commit();
    const commit = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    const list = await h.listServices();
    console.log(`S=${S} ops=${r.length} build ${build.toFixed(0)} ms commit ${commit.toFixed(0)} ms; list ${list.length} ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms`);
  }
})();
