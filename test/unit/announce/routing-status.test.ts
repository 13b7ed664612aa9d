// The routing-status reader on what FRR 8.4 really printed (test/fixtures/frr/,
// captured from FRR in namespaces): BGP neighbors and BFD peers parsed from
// every captured state, hostile and garbled output refused with the field
// named, and the vtysh runs: arguments, failures (vtysh missing, a daemon
// not running, no daemon at all, a hang past the time limit) and the event
// loop left free while vtysh runs.
import { existsSync } from 'node:fs';
import {
  RoutingStatusError, parseFrrBfdPeers, parseFrrBgpSummary, readBfdPeers, readBgpSessions, readBgpSessionsSync, readRoutingStatus,
  readRoutingStatusSync, resolveRoutingStatusOptions,
} from '../../../lib/announce';
import { IpvsArgumentError } from '../../../lib';
import { VtyshReplay, frrFixture, vtyshFailure } from '../../support/vtysh-replay';
import { thrownAs } from '../../support/throws';

const AT = new Date('2026-12-06T18:07:00.000Z');
const bgp = (file: string) => parseFrrBgpSummary(frrFixture(file), AT);
const bfd = (file: string) => parseFrrBfdPeers(frrFixture(file), AT);

/** The RoutingStatusError `f` throws (fails the test if it throws anything else or nothing). */
const refusal = (f: () => unknown): RoutingStatusError => thrownAs(RoutingStatusError, f);

describe('show bgp summary json (FRR 8.4)', () => {
  test('both sessions Established: state, ASes, host name, since, prefixes, families', () => {
    expect(bgp('director-bgp-established.json')).toEqual([
      {
        peer: '10.77.1.1', state: 'Established', remoteAs: 65000, localAs: 65001, hostname: 'router', since: '2026-12-06T18:06:50.000Z',
        prefixesReceived: 0, prefixesSent: 1, addressFamilies: ['ipv4Unicast'], connectionsEstablished: 1, connectionsDropped: 0,
      },
      {
        peer: 'fd00:77::1', state: 'Established', remoteAs: 65000, localAs: 65001, hostname: 'router', since: '2026-12-06T18:06:55.000Z',
        prefixesReceived: 0, prefixesSent: 1, addressFamilies: ['ipv4Unicast', 'ipv6Unicast'], connectionsEstablished: 2, connectionsDropped: 1,
      },
    ]);
  });

  test('a neighbor never reached has no since; one in two families is one session with its prefixes summed', () => {
    const sessions = bgp('router-bgp-established.json');
    expect(sessions.map((s) => [s.peer, s.state, s.since ?? null, s.prefixesReceived])).toEqual([
      ['10.77.1.2', 'Established', '2026-12-06T18:06:50.000Z', 1],
      ['10.77.1.9', 'Active', null, 0],
      ['fd00:77::2', 'Established', '2026-12-06T18:06:55.000Z', 1],
    ]);
    expect(sessions[2]!.addressFamilies).toEqual(['ipv4Unicast', 'ipv6Unicast']);
  });

  test('after the link was cut: Active, since the session dropped', () => {
    expect(bgp('director-bgp-cut.json').map((s) => [s.peer, s.state, s.since, s.prefixesSent, s.connectionsDropped])).toEqual([
      ['10.77.1.1', 'Active', '2026-12-06T18:06:58.000Z', 0, 2],
      ['fd00:77::1', 'Active', '2026-12-06T18:06:58.000Z', 0, 2],
    ]);
  });

  test('Idle (Admin) of a shut-down neighbor, an unnumbered neighbor, remote-as external never reached', () => {
    expect(bgp('bare-bgp-shutdown.json').map((s) => ({ peer: s.peer, state: s.state, reason: s.stateReason, remoteAs: s.remoteAs }))).toEqual([
      { peer: 'x2', state: 'Idle', reason: undefined, remoteAs: 0 },
      { peer: '10.78.0.8', state: 'Connect', reason: undefined, remoteAs: 0 },
      { peer: '10.78.0.9', state: 'Idle', reason: 'Admin', remoteAs: 65011 },
    ]);
  });

  test('bgpd without router bgp: no session', () => {
    expect(bgp('no-bgp-instance.json')).toEqual([]);
  });
});

describe('show bfd peers json (FRR 8.4)', () => {
  test('up: addresses, interface, since, timers of both ends', () => {
    expect(bfd('director-bfd-up.json')[0]).toEqual({
      peer: '10.77.1.1', local: '10.77.1.2', interface: 'up1', vrf: 'default', multihop: false, status: 'up', since: '2026-12-06T18:06:51.000Z',
      diagnostic: 'ok', remoteDiagnostic: 'ok', detectMultiplier: 3, receiveInterval: 300, transmitInterval: 300,
      remoteDetectMultiplier: 3, remoteReceiveInterval: 300, remoteTransmitInterval: 300,
    });
    expect(bfd('director-bfd-up.json').map((p) => [p.peer, p.status])).toEqual([['10.77.1.1', 'up'], ['fd00:77::1', 'up']]);
  });

  test('down after the cut, with the diagnostic and since when', () => {
    expect(bfd('director-bfd-cut.json').map((p) => [p.peer, p.status, p.diagnostic, p.since])).toEqual([
      ['10.77.1.1', 'down', 'control detection time expired', '2026-12-06T18:06:59.000Z'],
      ['fd00:77::1', 'down', 'control detection time expired', '2026-12-06T18:06:58.000Z'],
    ]);
  });

  test('FRR prints AdminDown as shutdown; the other end sees down, neighbor signaled session down', () => {
    expect(bfd('director-bfd-admindown.json').map((p) => [p.status, p.since ?? null])).toEqual([['adminDown', null], ['up', '2026-12-06T18:06:55.000Z']]);
    expect(bfd('router-bfd-admindown.json')[0]).toMatchObject({ status: 'down', diagnostic: 'neighbor signaled session down' });
  });

  test('a peer not yet heard has no local address or interface; bfdd without peers: none', () => {
    const [first] = bfd('router-bfd-connecting.json');
    expect(first).toMatchObject({ peer: 'fd00:77::2', status: 'down', remoteReceiveInterval: 1000 });
    expect(first).not.toHaveProperty('local');
    expect(first).not.toHaveProperty('interface');
    expect(bfd('no-bfd-peer.json')).toEqual([]);
  });
});

describe('hostile and garbled output', () => {
  test('what is not FRR\'s JSON is refused as bad-output, naming the field', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [() => parseFrrBgpSummary('% Unknown command: show bgp summary json'), '', /not JSON.*begins "% Unknown command/],
      [() => parseFrrBgpSummary('[]'), '', /expected an object of address families/],
      [() => parseFrrBgpSummary('{"ipv4Unicast": 3}'), 'ipv4Unicast', /expected an object/],
      [() => parseFrrBgpSummary('{"ipv4Unicast": {"peers": []}}'), 'ipv4Unicast.peers', /expected an object of neighbors/],
      [() => parseFrrBgpSummary('{"ipv4Unicast": {"peers": {"10.0.0.1": null}}}'), 'ipv4Unicast.peers["10.0.0.1"]', /expected an object/],
      [() => parseFrrBgpSummary('{"ipv4Unicast": {"peers": {"10.0.0.1": {}}}}'), 'ipv4Unicast.peers["10.0.0.1"].state', /got undefined/],
      [() => parseFrrBgpSummary('{"ipv4Unicast": {"peers": {"10.0.0.1": {"state": "Flying"}}}}'), 'ipv4Unicast.peers["10.0.0.1"].state', /got "Flying"/],
      [() => parseFrrBgpSummary('{"ipv4Unicast": {"peers": {"10.0.0.1": {"state": "Established\\n"}}}}'), 'ipv4Unicast.peers["10.0.0.1"].state', /expected one of/],
      [() => parseFrrBgpSummary('{"ipv4Unicast": {"peers": {"a\\u0007b": {"state": "Idle"}}}}'), 'ipv4Unicast.peers["a\\u0007b"]', /address or interface/],
      [() => parseFrrBgpSummary(`{"ipv4Unicast": {"peers": {"${'x'.repeat(65)}": {"state": "Idle"}}}}`), `ipv4Unicast.peers["${'x'.repeat(65)}"]`, /address/],
      [() => parseFrrBfdPeers('{}'), '', /expected an array of peers/],
      [() => parseFrrBfdPeers('[null]'), '[0]', /expected an object/],
      [() => parseFrrBfdPeers('[{"status": "up"}]'), '[0].peer', /got undefined/],
      [() => parseFrrBfdPeers('[{"peer": "10.0.0.1", "status": "sideways"}]'), '[0].status', /got "sideways"/],
      [() => parseFrrBfdPeers('[{"peer": "10.0.0.1", "status": "constructor"}]'), '[0].status', /got "constructor"/],
      [() => parseFrrBfdPeers('[{"peer": "10.0.0.1", "status": "up", "local": 7}]'), '[0].local', /got 7/],
      [() => parseFrrBfdPeers('[{"peer": "10.0.0.1", "status": "up", "interface": "eth0\\"} 1"}]'), '[0].interface', /address or interface/],
    ];
    for (const [f, field, message] of cases) {
      const e = refusal(f);
      expect([e.code, e.field, e.name]).toEqual(['bad-output', field, 'RoutingStatusError']);
      expect(e.message).toMatch(message);
    }
    expect(refusal(() => parseFrrBfdPeers('[')).part).toBe('bfd');
    expect(refusal(() => parseFrrBgpSummary('')).part).toBe('bgp');
  });

  test('numbers of the wrong kind are left out, not trusted; unknown fields are ignored', () => {
    const [s] = parseFrrBgpSummary(JSON.stringify({
      ipv4Unicast: { peers: { '10.0.0.1': { state: 'Established', remoteAs: '65000', pfxRcd: -4, pfxSnt: 1.5, peerUptimeMsec: 1e300, hostname: 'a\u0000b', extra: { deep: [1] } } } },
      __proto__: { peers: {} },
    }), AT);
    expect(s).toEqual({ peer: '10.0.0.1', state: 'Established', prefixesReceived: 0, prefixesSent: 0, addressFamilies: ['ipv4Unicast'] });
    const [p] = parseFrrBfdPeers('[{"peer": "10.0.0.1", "status": "up", "uptime": "3", "detect-multiplier": -1, "multihop": "yes"}]', AT);
    expect(p).toEqual({ peer: '10.0.0.1', status: 'up', multihop: false });
  });

  test('every truncation and byte flip of real output parses or is refused as bad-output, never anything else', () => {
    for (const [file, parse] of [['router-bgp-established.json', parseFrrBgpSummary], ['director-bfd-cut.json', parseFrrBfdPeers]] as const) {
      const text = frrFixture(file);
      let refused = 0;
      for (let cut = 0; cut < text.length - 2; cut += 7) {
        expect(refusal(() => parse(text.slice(0, cut), AT)).code).toBe('bad-output');
        refused++;
      }
      let seed = 7;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let i = 0; i < 400; i++) {
        const at = Math.floor(random() * text.length);
        const garbled = text.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + text.slice(at + 1);
        try {
          parse(garbled, AT);
        } catch (e) {
          expect(e).toBeInstanceOf(RoutingStatusError);
          expect((e as RoutingStatusError).code).toBe('bad-output');
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(text.length / 7);
    }
  });
});

describe('running vtysh', () => {
  let replay: VtyshReplay;
  beforeEach(() => (replay = new VtyshReplay()));
  afterEach(() => replay.destroy());

  test('both commands, with the socket directory and pathspace; both parts in one snapshot', async () => {
    replay.fixtures('director-bgp-established.json', 'director-bfd-up.json');
    const status = await readRoutingStatus({ vtysh: replay.program, vtySocket: '/run/frr-lab', pathspace: 'blue' });
    expect(replay.calls().sort()).toEqual([
      '--vty_socket /run/frr-lab -N blue -c show bfd peers json',
      '--vty_socket /run/frr-lab -N blue -c show bgp summary json',
    ]);
    expect(status).toMatchObject({ daemon: 'frr', errors: [], readAt: expect.any(String) });
    expect(status.sessions.map((s) => s.state)).toEqual(['Established', 'Established']);
    expect(status.bfdPeers.map((p) => p.status)).toEqual(['up', 'up']);
    const sync = readRoutingStatusSync({ vtysh: replay.program });
    expect(sync).toMatchObject({ errors: [], sessions: status.sessions.map(() => expect.anything()) });
  });

  test('a daemon not running fails its part only, named; the other part is read', async () => {
    replay.answer('bgp', vtyshFailure('bgpd killed, vtysh -c "show bgp summary json"'));
    replay.answer('bfd', { stdout: frrFixture('director-bfd-cut.json') });
    const status = await readRoutingStatus({ vtysh: replay.program });
    expect(status.errors).toEqual([{ part: 'bgp', code: 'daemon-not-running', message: 'bgpd is not running' }]);
    expect(status.sessions).toEqual([]);
    expect(status.bfdPeers.map((p) => p.status)).toEqual(['down', 'down']);
    await expect(readBgpSessions({ vtysh: replay.program })).rejects.toMatchObject({ name: 'RoutingStatusError', code: 'daemon-not-running', part: 'bgp' });
    replay.answer('bfd', vtyshFailure('bfdd killed, vtysh -c "show bfd peers json"'));
    await expect(readBfdPeers({ vtysh: replay.program })).rejects.toMatchObject({ code: 'daemon-not-running', message: 'bfdd is not running' });
  });

  test('no daemon behind the sockets, an unknown pathspace, other failures, output that is not JSON', async () => {
    for (const which of ['no daemon behind --vty_socket', 'unknown pathspace (-N)']) {
      replay.answer('bgp', vtyshFailure(which));
      await expect(readBgpSessions({ vtysh: replay.program, vtySocket: '/run/x' })).rejects.toMatchObject({
        code: 'unreachable', message: expect.stringContaining('(--vty_socket /run/x)'),
      });
    }
    replay.answer('bgp', { stderr: 'vtysh: something else\n', status: 3 });
    await expect(readBgpSessions({ vtysh: replay.program })).rejects.toMatchObject({ code: 'failed', message: "vtysh -c 'show bgp summary json' exited 3: vtysh: something else" });
    replay.answer('bgp', { stdout: '% Unknown command: show bgp summary json\n' });
    await expect(readBgpSessions({ vtysh: replay.program })).rejects.toMatchObject({ code: 'bad-output', field: '' });
    expect(() => readBgpSessionsSync({ vtysh: replay.program })).toThrow(expect.objectContaining({ code: 'bad-output' }));
  });

  test('vtysh missing', async () => {
    await expect(readBgpSessions({ vtysh: '/nonexistent/vtysh' })).rejects.toMatchObject({ code: 'vtysh-missing', message: expect.stringContaining('/nonexistent/vtysh') });
    expect(readRoutingStatusSync({ vtysh: '/nonexistent/vtysh' }).errors.map((e) => e.code)).toEqual(['vtysh-missing', 'vtysh-missing']);
  });

  test('a vtysh that hangs is killed at the time limit, and the event loop runs meanwhile', async () => {
    replay.answer('bgp', { hang: true });
    replay.answer('bfd', { stdout: frrFixture('director-bfd-up.json') });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = Date.now();
    try {
      // Long enough for the answering stand-in (a shell script) to start and answer on a loaded machine.
      const status = await readRoutingStatus({ vtysh: replay.program, timeoutMs: 3000 });
      expect(status.errors).toEqual([{ part: 'bgp', code: 'timeout', message: "vtysh -c 'show bgp summary json' did not answer within 3000 ms" }]);
      expect(status.bfdPeers).toHaveLength(2);
    } finally {
      clearInterval(ticker);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(2990);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(ticks).toBeGreaterThanOrEqual(50);
    expect(() => readBgpSessionsSync({ vtysh: replay.program, timeoutMs: 300 })).toThrow(expect.objectContaining({ code: 'timeout' }));
  });

  // The real vtysh, where FRR is installed (lab/ensure-packages installs it): no daemon answers in an empty directory.
  (existsSync('/usr/bin/vtysh') ? test : test.skip)('the real vtysh with no daemon behind its socket directory', async () => {
    const status = await readRoutingStatus({ vtySocket: replay.dir });
    expect(status.errors.map((e) => [e.part, e.code])).toEqual([['bgp', 'unreachable'], ['bfd', 'unreachable']]);
  });
});

test('options are checked, naming the field', () => {
  const field = (options: object): string => {
    try {
      resolveRoutingStatusOptions(options as never);
    } catch (e) {
      expect(e).toBeInstanceOf(IpvsArgumentError);
      return (e as IpvsArgumentError).field;
    }
    return 'accepted';
  };
  expect(field({ daemon: 'bird' })).toBe('options.daemon');
  expect(field({ vtysh: '' })).toBe('options.vtysh');
  expect(field({ vtySocket: 'run/frr' })).toBe('options.vtySocket');
  expect(field({ pathspace: 'a/b' })).toBe('options.pathspace');
  expect(field({ netns: 'lb' })).toBe('options.netns');
  expect(field({ timeoutMs: 0 })).toBe('options.timeoutMs');
  expect(field({ timeoutMs: 1.5 })).toBe('options.timeoutMs');
  expect(resolveRoutingStatusOptions({ netns: '/run/netns/lb', pathspace: 'lb' })).toEqual({ daemon: 'frr', vtysh: 'vtysh', timeoutMs: 10_000, netns: '/run/netns/lb', pathspace: 'lb' });
  expect(resolveRoutingStatusOptions()).toEqual({ daemon: 'frr', vtysh: 'vtysh', timeoutMs: 10_000 });
});
