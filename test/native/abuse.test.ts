// The addon's own checks: anything malformed through the native contract is
// a TypeError, never a crash or an out-of-bounds read; the addon loads in
// worker threads and twice.
import { Worker } from 'node:worker_threads';
import { loadNative } from '../../lib/native/load';
import { pack, W } from '../../lib/native/pack';
import { Cmd } from '../../lib/native/contract';
import { expectTypeError } from '../support/throws';
import { Fuzzer } from '../support/fuzz';

const native = loadNative();
const encode = (words: unknown, strings: unknown) => native.encodeRequest(words as Uint32Array, strings as string[], 0x20, 1, 0);
const valid = () => pack([{ cmd: Cmd.NewDest, service: { af: 2, protocol: 6, address: '10.0.0.1', port: 80, scheduler: 'rr' }, dest: { address: '10.1.0.1', port: 80, forwarding: 0, weight: 1 } }]);

describe('native contract abuse', () => {
  test('the requests must be a Uint32Array of whole requests', () => {
    for (const words of [undefined, null, 42, 'x', [], {}, new Uint8Array(W.STRIDE * 4), new Int32Array(W.STRIDE), new Uint32Array(W.STRIDE + 1)]) {
      expectTypeError(() => encode(words, []), /native contract/);
    }
  });

  test('strings must be short names without NUL, referred to in range', () => {
    const { words } = valid();
    for (const strings of [undefined, 'rr', [5], [''], ['x'.repeat(16)], ['r\0r'], []]) {
      expectTypeError(() => encode(words, strings), /native contract/);
    }
  });

  test('every out-of-range word is refused', () => {
    const cases: [W, number, RegExp][] = [
      [W.CMD, 0, /IPVS command/], [W.CMD, 99, /IPVS command/], [W.S_AF, 7, /address family/], [W.S_PORT, 70000, /16 bits/],
      [W.D_PORT, 65536, /16 bits/], [W.S_PROTOCOL, 2 ** 20, /16 bits/], [W.S_SCHED, 9, /string index/],
    ];
    for (const [word, value, message] of cases) {
      const { words, strings } = valid();
      words[word] = value;
      expectTypeError(() => encode(words, strings), message);
    }
    const { words, strings } = valid();
    words[W.FLAGS] = 4; // a destination without its service
    expectTypeError(() => encode(words, strings), /needs its service/);
  });

  test('10,000 random word arrays: TypeError or a message, never a crash', () => {
    const fuzz = new Fuzzer(99);
    for (let i = 0; i < 10000; i++) {
      const { words, strings } = valid();
      for (let k = fuzz.int(4) + 1; k > 0; k--) words[fuzz.int(W.STRIDE)] = fuzz.pick([
        0,
        1,
        2,
        10,
        255,
        65535,
        65536,
        2 ** 31,
        2 ** 32 - 1,
        fuzz.int(2 ** 32),
      ]);
      try {
        const bytes = encode(words, strings);
        expect(bytes.length).toBeGreaterThanOrEqual(20);
      } catch (e) {
        expect((e as Error).name).toBe('TypeError');
      }
    }
  });

  test('encodeRequest and decodeMessages check their other arguments', () => {
    const { words, strings } = valid();
    expectTypeError(() => native.encodeRequest(words, strings, 'x' as never, 1, 0));
    expectTypeError(() => native.encodeRequest(pack([{ cmd: 17 }, { cmd: 17 }]).words, [], 0x20, 1, 0), /exactly one/);
    expectTypeError(() => native.decodeMessages('abc' as never, 0x20, 2));
    expectTypeError(() => native.decodeMessages(new Uint16Array(4) as never, 0x20, 2));
  });

  test('open rejects bad options', () => {
    expectTypeError(() => native.open(5 as never));
    expectTypeError(() => native.open({ netns: 5 } as never));
  });

  test('handle methods refuse a foreign `this`', () => {
    const outcome = native.open({});
    if (!outcome.handle) {
      // No IPVS in this kernel: the failure is typed, at the resolve stage.
      expect(outcome.failure).toMatchObject({ stage: 'resolve', errno: 2 });
      return;
    }
    const proto = Object.getPrototypeOf(outcome.handle) as Record<string, (...a: unknown[]) => unknown>;
    for (const method of ['execute', 'executeAsync', 'close']) expectTypeError(() => proto[method]!.call({}, new Uint32Array(0), []));
    outcome.handle.close();
  });
});

describe('loading', () => {
  test('the addon loads and runs in a worker thread, twice at once', async () => {
    // Loaded as the library loads it, so the build under test (IPVS_NATIVE_PATH) is the one in the workers too.
    const code = `
      const { parentPort } = require('node:worker_threads');
      const native = require(${JSON.stringify(require.resolve('../../lib/native/load'))}).loadNative();
      const words = new Uint32Array(${W.STRIDE}); words[0] = 17;
      parentPort.postMessage(Buffer.from(native.encodeRequest(words, [], 0x20, 1, 5)).toString('hex'));
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
