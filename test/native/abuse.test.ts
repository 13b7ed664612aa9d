// The addon's own checks: garbage through the native contract is a
// TypeError, never a crash; the addon loads in worker threads and twice.
import { Worker } from 'node:worker_threads';
import { loadNative } from '../../lib/native/load';
import { expectTypeError } from '../support/throws';

const native = loadNative();

describe('native contract abuse', () => {
  const garbage: unknown[] = [
    undefined, null, 42, 'x', [], [null], [{}], [{ cmd: 0 }], [{ cmd: 99 }], [{ cmd: 1.5 }], [{ cmd: 1, service: 5 }],
    [{ cmd: 1, service: { af: 7 } }], [{ cmd: 1, service: { af: 2, protocol: 6, address: 'nope', port: 80 } }],
    [{ cmd: 1, service: { af: 2, protocol: 6, address: '10.0.0.1', port: 70000 } }],
    [{ cmd: 1, service: { af: 2, protocol: 6, address: '10.0.0.1', port: 80, scheduler: 'x'.repeat(100) } }],
    [{ cmd: 1, service: { af: 2, protocol: 6, address: '10.0.0.1', port: 80, scheduler: 'r\0r' } }],
    [{ cmd: 5, dest: { address: '10.0.0.1', port: 1 } }],
    [{ cmd: 5, service: { af: 2, fwmark: 1 }, dest: { address: '::1', port: 1 } }],
    [{ cmd: 9, daemon: { state: 1, group: 'not-an-ip' } }],
    [{ cmd: 12, timeouts: { tcp: -1 } }],
    [{ cmd: 12, timeouts: { tcp: 2 ** 40 } }],
    [{ cmd: 1, dump: 'yes' }],
  ];

  test.each(garbage.map((g) => [JSON.stringify(g) ?? String(g), g]))('encodeRequest(%s) throws TypeError', (_name, value) => {
    const request = Array.isArray(value) ? value[0] : value;
    expectTypeError(() => native.encodeRequest(request as never, 0x20, 1, 0), /native contract: /);
  });

  test('encodeRequest and decodeMessages check their other arguments', () => {
    expectTypeError(() => native.encodeRequest({ cmd: 17 }, 'x' as never, 1, 0));
    expectTypeError(() => native.decodeMessages('abc' as never, 0x20, 2));
    expectTypeError(() => native.decodeMessages(new Uint16Array(4) as never, 0x20, 2));
  });

  test('open rejects bad options', () => {
    expectTypeError(() => native.open(5 as never));
    expectTypeError(() => native.open({ netns: 5 } as never));
  });

  test('handle methods refuse a foreign `this`', () => {
    // A handle is needed to reach the methods; without IPVS on this machine
    // open fails, so take the methods from the class through a probe object.
    const outcome = native.open({});
    const proto = outcome.handle ? Object.getPrototypeOf(outcome.handle) : undefined;
    if (!proto) {
      expect(outcome.failure).toMatchObject({ stage: 'resolve' });
      return;
    }
    for (const method of ['execute', 'executeAsync', 'close']) {
      expectTypeError(() => proto[method].call({}, []));
    }
    outcome.handle!.close();
  });
});

describe('loading', () => {
  test('the addon loads and runs in a worker thread, twice at once', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const native = require('node-gyp-build')(${JSON.stringify(process.cwd())});
      const bytes = native.encodeRequest({ cmd: 17 }, 0x20, 1, 5);
      parentPort.postMessage(Buffer.from(bytes).toString('hex'));
    `;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const w = new Worker(code, { eval: true });
        w.once('message', resolve);
        w.once('error', reject);
      });
    expect(await Promise.all([run(), run()])).toEqual(Array(2).fill('1400000020000500010000000000000011010000'));
  });
});
