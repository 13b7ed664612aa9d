// The BFD engine at the native boundary: RFC 5880's receive checks on
// crafted bytes, and two engines in two namespaces over a veth bringing a
// session Up, detecting a silent peer within multiplier x interval, and
// hearing an AdminDown-free removal only through the detection timer.
import { loadNative } from '../../lib/native/load';
import type { NativeBfdEngine, NativeBfdStateEvent } from '../../lib/native/bfd-contract';
import { TestNamespace } from '../support/netns';
import { expectTypeError } from '../support/throws';

const native = loadNative();

/** A 24-byte Control packet with the fields given (the rest valid). */
type Fields = { version?: number; state?: number; flags?: number; mult?: number; length?: number; my?: number; your?: number };

function control(fields: Fields): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  b[0] = (fields.version ?? 1) << 5;
  b[1] = ((fields.state ?? 1) << 6) | (fields.flags ?? 0);
  b[2] = fields.mult ?? 3;
  b[3] = fields.length ?? 24;
  v.setUint32(4, fields.my ?? 7);
  v.setUint32(8, fields.your ?? 0);
  v.setUint32(12, 300_000);
  v.setUint32(16, 300_000);
  return b;
}

test('the receive checks of RFC 5880 6.8.6 refuse each malformed field', () => {
  expect(native.bfdDecode(control({}))).toEqual({
    diag: 0, state: 1, poll: false, final: false, detectMult: 3, myDiscr: 7, yourDiscr: 0,
    desiredMinTxUs: 300_000, requiredMinRxUs: 300_000,
  });
  const refused = (b: Uint8Array) => (native.bfdDecode(b) as { refused?: string }).refused;
  expect(refused(control({}).subarray(0, 23))).toBe('short');
  expect(refused(control({ version: 0 }))).toBe('version');
  expect(refused(control({ length: 30 }))).toBe('length');
  expect(refused(control({ length: 20 }))).toBe('length');
  expect(refused(control({ mult: 0 }))).toBe('multiplier');
  expect(refused(control({ flags: 1 }))).toBe('multipoint');
  expect(refused(control({ my: 0 }))).toBe('my-discriminator');
  expect(refused(control({ state: 3 }))).toBe('your-discriminator');
  expect(refused(control({ state: 3, your: 9, flags: 0x30 }))).toBe('poll-final');
  expect(refused(control({ flags: 0x04 }))).toBe('authentication');
  expect(refused(control({ state: 3, your: 9, flags: 0x20 }))).toBeUndefined();
  expectTypeError(() => native.bfdDecode([1, 2] as unknown as Uint8Array), /native contract: bfdDecode/);
});

describe('two engines over a veth', () => {
  const a = TestNamespace.create('bfd-a');
  const b = TestNamespace.create('bfd-b');
  const engines: NativeBfdEngine[] = [];
  const events: Record<string, NativeBfdStateEvent[]> = { a: [], b: [] };

  beforeAll(() => {
    a.run('ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', b.name);
    a.run('ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'va');
    b.run('ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'vb');
    a.run('ip', 'link', 'set', 'va', 'up');
    b.run('ip', 'link', 'set', 'vb', 'up');
  });

  afterAll(() => {
    for (const e of engines) e.close();
    a.destroy();
    b.destroy();
  });

  const open = (ns: TestNamespace, key: string) => {
    const engine = new native.BfdEngine({ netns: ns.path }, (e) => events[key]!.push(e));
    engines.push(engine);
    return engine;
  };
  const waitFor = async (list: NativeBfdStateEvent[], state: number, ms: number) => {
    const start = Date.now();
    while (Date.now() - start < ms) {
      const hit = list.find((e) => e.state === state);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no state ${state} within ${ms} ms: ${JSON.stringify(list)}`);
  };

  test('a second engine in one namespace cannot take UDP 3784; bad sessions are refused', () => {
    const ea = open(a, 'a');
    expect(() => new native.BfdEngine({ netns: a.path }, () => undefined)).toThrow(expect.objectContaining({ code: 'ESYSCALL', errno: 98, stage: 'listen-ipv4' }));
    expect(() => ea.add({ family: 2, neighbor: 'nope', minRxUs: 1e5, minTxUs: 1e5, idleTxUs: 1e6, multiplier: 3 }))
      .toThrow(expect.objectContaining({ code: 'ESYSCALL', errno: 22, stage: 'address' }));
    expectTypeError(() => ea.add({ family: 3, neighbor: '10.99.0.2', minRxUs: 1e5, minTxUs: 1e5, idleTxUs: 1e6, multiplier: 3 }), /family/);
  });

  test('Up both ways, then a removed peer is detected within multiplier x interval', async () => {
    const [ea] = engines as [NativeBfdEngine];
    const eb = open(b, 'b');
    const session = { minRxUs: 100_000, minTxUs: 100_000, idleTxUs: 1_000_000, multiplier: 3 };
    const ida = ea.add({ family: 2, neighbor: '10.99.0.2', source: '10.99.0.1', ...session });
    // B is passive: A's first packet starts it.
    const idb = eb.add({ family: 2, neighbor: '10.99.0.1', source: '10.99.0.2', passive: true, ...session });
    await waitFor(events.a!, 3, 5000);
    await waitFor(events.b!, 3, 5000);
    // After Up, the poll sequence lowers the interval from idle_tx to min_tx on both sides.
    await new Promise((r) => setTimeout(r, 500));
    const sa = ea.status(ida)!;
    expect(sa).toMatchObject({ state: 3, remoteState: 3, txIntervalUs: 100_000, detectUs: 300_000, remoteMultiplier: 3 });
    expect(sa.remoteDiscr).toBe(eb.status(idb)!.localDiscr);
    const removedAt = Date.now();
    expect(eb.remove(idb)).toBe(true);
    expect(eb.remove(idb)).toBe(false);
    const down = await waitFor(events.a!, 1, 3000);
    expect(down.diag).toBe(1);
    const detection = down.atMs - removedAt;
    console.log(`native BFD detection at 100 ms x 3: ${detection.toFixed(1)} ms`);
    expect(detection).toBeGreaterThanOrEqual(200);
    expect(detection).toBeLessThanOrEqual(400);
    expect(ea.counters().droppedTtl).toBe(0);
    ea.close();
    expect(() => ea.status(ida)).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
  });
});
