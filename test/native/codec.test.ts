// The C++ codec without a socket: golden request bytes for every kind of
// request, and decoding of kernel replies. Runs on any machine.
import { loadNative } from '../../lib/native/load';
import { destAt, pack, records, serviceAt } from '../../lib/native/pack';
import { Cmd, type WireRequest } from '../../lib/native/contract';
import { addr, attrBytes, genl, message, str, u16, u16be, u32, u32be, u64, u8, type Attr } from '../support/netlink-bytes';

const native = loadNative();
const FAMILY = 0x20;
const hex = (req: WireRequest, flags = 5) => {
  const { words, strings } = pack([req]);
  return Buffer.from(native.encodeRequest(words, strings, FAMILY, 1, flags)).toString('hex');
};
const udp53 = { af: 2, protocol: 17, address: '10.0.0.2', port: 53 };

// Header: len, type 0x0020, flags, seq 1, pid 0; then genl cmd, version 1.
describe('request encoding (golden bytes)', () => {
  test('NEW_SERVICE, full IPv4 service: port in network order, mask as network-order bytes', () => {
    expect(hex({ cmd: Cmd.NewService, service: { af: 2, protocol: 6, address: '10.0.0.13', port: 80, scheduler: 'rr', flags: 0, flagsMask: 0xffffffff, timeout: 0, netmask: 0xffffffff } })).toBe(
      '68000000' + '2000' + '0500' + '01000000' + '00000000' + '01010000' +
        '54000180' + '060001000200' + '0000' + '060002000600' + '0000' + '14000300' + '0a00000d' + '00'.repeat(12) +
        '060004000050' + '0000' + '07000600727200' + '00' + '0c000700' + '00000000ffffffff' + '0800080000000000' + '08000900ffffffff',
    );
  });

  test('NEW_SERVICE, IPv6 fwmark service: prefix length in host order', () => {
    expect(hex({ cmd: Cmd.NewService, service: { af: 10, fwmark: 43, scheduler: 'lc', flags: 1, flagsMask: 0xffffffff, timeout: 60, netmask: 64 } })).toBe(
      '4c0000002000050001000000000000000101000038000180060001000a000000080005002b000000070006006c6300000c00070001000000ffffffff080008003c0000000800090040000000',
    );
  });

  test('IPv4 persistence mask 255.255.255.0 goes out as ff ff ff 00', () => {
    const bytes = hex({ cmd: Cmd.NewService, service: { ...udp53, scheduler: 'wlc', flags: 1, timeout: 360, netmask: 0xffffff00 } });
    expect(bytes).toContain('08000900ffffff00');
  });

  test('DEL_SERVICE carries the identity only', () => {
    expect(hex({ cmd: Cmd.DelService, service: udp53 })).toBe(
      '44000000200005000100000000000000030100003000018006000100020000000600020011000000140003000a0000020000000000000000000000000600040000350000',
    );
  });

  test('NEW_DEST: service identity and the full destination', () => {
    expect(hex({ cmd: Cmd.NewDest, service: udp53, dest: { address: '10.1.0.4', port: 8080, forwarding: 0, weight: 5, upperThreshold: 100, lowerThreshold: 50 } })).toBe(
      '84000000200005000100000000000000050100003000018006000100020000000600020011000000140003000a000002000000000000000000000000060004000035000040000280140001000a010004000000000000000000000000060002001f9000000800030000000000080004000500000008000500640000000800060032000000',
    );
  });

  test('SET_DEST with zero tunnel fields sends none of them (the kernel zeroes what is absent)', () => {
    const dest = { address: '10.1.0.4', port: 8080, forwarding: 0, weight: 5, upperThreshold: 100, lowerThreshold: 50 };
    const plain = hex({ cmd: Cmd.SetDest, service: udp53, dest });
    expect(hex({ cmd: Cmd.SetDest, service: udp53, dest: { ...dest, tunnelType: 0, tunnelPort: 0, tunnelFlags: 0 } })).toBe(plain);
    // The same bytes as the NEW_DEST above, but for the command byte.
    expect(plain.slice(32, 34)).toBe('06');
    expect(plain.slice(34)).toBe(hex({ cmd: Cmd.NewDest, service: udp53, dest }).slice(34));
  });

  test('NEW_DEST, IPv4 GUE tunnel under an IPv6 service: address family and tunnel port (network order)', () => {
    expect(
      hex({
        cmd: Cmd.NewDest,
        service: { af: 10, protocol: 6, address: '2001:db8::80', port: 443 },
        dest: { address: '10.3.3.3', port: 443, af: 2, forwarding: 2, weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 1, tunnelPort: 6080, tunnelFlags: 1 },
      }),
    ).toBe(
      'a40000002000050001000000000000000501000030000180060001000a00000006000200060000001400030020010db80000000000000000000000800600040001bb000060000280140001000a0303030000000000000000000000000600020001bb000006000b0002000000080003000200000008000400010000000800050000000000080006000000000005000d000100000006000e0017c0000006000f0001000000',
    );
  });

  test('GET_DEST dump: NLM_F_DUMP set', () => {
    expect(hex({ cmd: Cmd.GetDest, dump: true, service: udp53 }, 0).slice(0, 32)).toBe('44000000' + '2000' + '0103' + '01000000' + '00000000');
  });

  test('NEW_DAEMON: group as network-order IPv4, port in host order', () => {
    expect(hex({ cmd: Cmd.NewDaemon, daemon: { state: 1, interface: 'eth0', syncId: 7, maxLength: 1400, group: '239.1.1.1', port: 9000, ttl: 3 } })).toBe(
      '54000000200005000100000000000000090100004000038008000100010000000900020065746830000000000800030007000000060004007805000008000500ef01010106000700282300000500080003000000',
    );
  });

  test('NEW_DAEMON with an IPv6 group uses MCAST_GROUP6', () => {
    expect(hex({ cmd: Cmd.NewDaemon, daemon: { state: 2, interface: 'eth1', syncId: 0, group: 'ff02::1234' } })).toContain('14000600ff020000000000000000000000001234');
  });

  test('SET_CONFIG: only the given timeouts', () => {
    expect(hex({ cmd: Cmd.SetConfig, timeouts: { tcp: 3600, udp: 60 } })).toBe('240000002000050001000000000000000c01000008000400100e0000080006003c000000');
  });

  test('every other command: its number in the genl header, attributes as for its twin', () => {
    const svc = { cmd: Cmd.DelService, service: udp53 };
    const dest = { service: udp53, dest: { address: '10.1.0.4', port: 8080, forwarding: 0, weight: 5, upperThreshold: 100, lowerThreshold: 50 } };
    const body = (h: string) => h.slice(40); // past nlmsghdr (32 hex) and genl cmd/version/reserved (8)
    const cmdOf = (h: string) => parseInt(h.slice(32, 34), 16);
    const setService = hex({ cmd: Cmd.SetService, service: { ...udp53, scheduler: 'rr', flags: 0, flagsMask: 0xffffffff, timeout: 0, netmask: 0xffffffff } });
    const newService = hex({ cmd: Cmd.NewService, service: { ...udp53, scheduler: 'rr', flags: 0, flagsMask: 0xffffffff, timeout: 0, netmask: 0xffffffff } });
    expect([cmdOf(setService), body(setService)]).toEqual([Cmd.SetService, body(newService)]);
    const getService = hex({ ...svc, cmd: Cmd.GetService });
    expect([cmdOf(getService), body(getService)]).toEqual([Cmd.GetService, body(hex(svc))]);
    const zeroOne = hex({ ...svc, cmd: Cmd.Zero });
    expect([cmdOf(zeroOne), body(zeroOne)]).toEqual([Cmd.Zero, body(hex(svc))]);
    const setDest = hex({ cmd: Cmd.SetDest, ...dest });
    expect([cmdOf(setDest), body(setDest)]).toEqual([Cmd.SetDest, body(hex({ cmd: Cmd.NewDest, ...dest }))]);
    // DEL_DEST: the destination's address and port only.
    const svcNest = '30000180' + '060001000200' + '0000' + '060002001100' + '0000' + '14000300' + '0a000002' + '00'.repeat(12) + '060004000035' + '0000';
    expect(hex({ cmd: Cmd.DelDest, service: udp53, dest: { address: '10.1.0.4', port: 8080 } })).toBe(
      '64000000' + '2000' + '0500' + '01000000' + '00000000' + '07010000' + svcNest + '20000280' + '14000100' + '0a010004' + '00'.repeat(12) + '060002001f90' + '0000',
    );
    // DEL_DAEMON: the state only.
    expect(hex({ cmd: Cmd.DelDaemon, daemon: { state: 2 } })).toBe('20000000' + '2000' + '0500' + '01000000' + '00000000' + '0a010000' + '0c000380' + '08000100' + '02000000');
  });

  test('dumps of services and daemons, and GET_CONFIG: bare requests', () => {
    expect(hex({ cmd: Cmd.GetService, dump: true }, 0)).toBe('1400000020000103010000000000000004010000');
    expect(hex({ cmd: Cmd.GetDaemon, dump: true }, 0)).toBe('140000002000010301000000000000000b010000');
    expect(hex({ cmd: Cmd.GetConfig })).toBe('140000002000050001000000000000000d010000');
  });

  test('FLUSH, GET_INFO, ZERO: bare commands', () => {
    expect(hex({ cmd: Cmd.Flush })).toBe('1400000020000500010000000000000011010000');
    expect(hex({ cmd: Cmd.GetInfo })).toBe('140000002000050001000000000000000f010000');
    expect(hex({ cmd: Cmd.Zero })).toBe('1400000020000500010000000000000010010000');
  });
});

const stats64: Attr[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((type) => ({ type, value: u64(BigInt(type) * 1_000_000_000_000n) }));

describe('reply decoding', () => {
  test('a service dump entry with 64-bit stats', () => {
    const reply = message(FAMILY, 2, 9, genl(Cmd.NewService, [{ type: 1, value: [
      { type: 1, value: u16(2) }, { type: 2, value: u16(6) }, { type: 3, value: addr([10, 0, 0, 1]) }, { type: 4, value: u16be(80) },
      { type: 6, value: str('rr') }, { type: 7, value: Buffer.concat([u32(0x3), u32(0xffffffff)]) }, { type: 8, value: u32(360) },
      { type: 9, value: u32be(0xffffff00) }, { type: 11, value: str('sip') },
      { type: 10, value: [{ type: 1, value: u32(7) }] }, { type: 12, value: stats64 },
    ] }]));
    const result = native.decodeMessages(reply, FAMILY, 2);
    expect(result.error).toBe(0);
    expect(records(result.services, serviceAt)).toEqual([
      {
        af: 2, protocol: 6, address: '10.0.0.1', port: 80, fwmark: 0, scheduler: 'rr', flags: 3, timeout: 360, netmask: 0xffffff00, pe: 'sip',
        stats: {
          connections: 1000000000000n, inPackets: 2000000000000n, outPackets: 3000000000000n,
          inBytes: 4000000000000n, outBytes: 5000000000000n,
          connectionsPerSecond: 6000000000000n, inPacketsPerSecond: 7000000000000n, outPacketsPerSecond: 8000000000000n,
          inBytesPerSecond: 9000000000000n, outBytesPerSecond: 10000000000000n },
      },
    ]);
  });

  test('legacy 32-bit stats are read when STATS64 is absent', () => {
    const reply = message(FAMILY, 2, 9, genl(Cmd.NewService, [{ type: 1, value: [
      { type: 1, value: u16(10) }, { type: 5, value: u32(42) }, { type: 6, value: str('wlc') }, { type: 9, value: u32(64) },
      { type: 10, value: [{ type: 1, value: u32(5) }, { type: 4, value: u64(1n << 40n) }] },
    ] }]));
    const [svc] = records(native.decodeMessages(reply, FAMILY, 10).services, serviceAt);
    expect(svc).toMatchObject({ af: 10, fwmark: 42, address: '', scheduler: 'wlc', netmask: 64 });
    expect(svc!.stats.connections).toBe(5n);
    expect(svc!.stats.inBytes).toBe(1n << 40n);
  });

  test('destinations: family from ADDR_FAMILY, else from the service; tunnel fields', () => {
    const dest = (extra: Attr[]) => message(FAMILY, 2, 9, genl(Cmd.NewDest, [{ type: 2, value: [
      { type: 2, value: u16be(8080) }, { type: 3, value: u32(2) }, { type: 4, value: u32(5) }, { type: 5, value: u32(100) },
      { type: 6, value: u32(50) }, { type: 7, value: u32(11) }, { type: 8, value: u32(12) }, { type: 9, value: u32(13) },
      { type: 13, value: u8(1) }, { type: 14, value: u16be(6080) }, { type: 15, value: u16(2) }, { type: 12, value: stats64 }, ...extra,
    ] }]));
    const v4 = native.decodeMessages(
      Buffer.concat([dest([{ type: 1, value: addr([10, 1, 0, 4]) }, { type: 11, value: u16(2) }])]),
      FAMILY,
      10,
    );
    expect(destAt(v4.dests!, 0)).toMatchObject({
      af: 2, address: '10.1.0.4', port: 8080, forwarding: 2, weight: 5, upperThreshold: 100, lowerThreshold: 50,
      activeConns: 11, inactiveConns: 12, persistentConns: 13, tunnelType: 1, tunnelPort: 6080, tunnelFlags: 2,
    });
    const v6 = native.decodeMessages(
      dest([{ type: 1, value: addr([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa0]) }]),
      FAMILY,
      10,
    );
    expect(destAt(v6.dests!, 0)).toMatchObject({ af: 10, address: '2001:db8::a0' });
  });

  test('info, config and daemon replies', () => {
    const info = message(FAMILY, 0, 1, genl(14, [{ type: 1, value: u32(0x010201) }, { type: 2, value: u32(4096) }]));
    const config = message(
      FAMILY,
      0,
      1,
      genl(12, [{ type: 4, value: u32(900) }, { type: 5, value: u32(120) }, { type: 6, value: u32(300) }]),
    );
    const daemon = message(FAMILY, 2, 1, genl(9, [{ type: 3, value: [
      { type: 1, value: u32(2) }, { type: 2, value: str('dummy0') }, { type: 3, value: u32(7) }, { type: 4, value: u16(1472) },
      { type: 5, value: Buffer.from([224, 0, 0, 81]) }, { type: 7, value: u16(8848) }, { type: 8, value: u8(1) },
    ] }]));
    const r = native.decodeMessages(Buffer.concat([info, config, daemon]), FAMILY, 0);
    expect(r.info).toEqual({ version: 0x010201, connTableSize: 4096 });
    expect(r.timeouts).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    expect(r.daemons).toEqual([{ state: 2, interface: 'dummy0', syncId: 7, maxLength: 1472, group: '224.0.0.81', port: 8848, ttl: 1 }]);
  });

  test('an error with an extended-ack message (capped)', () => {
    const NLMSG_ERROR = 2, CAPPED = 0x100, ACK_TLVS = 0x200;
    const body = Buffer.concat([u32(-22 >>> 0), Buffer.alloc(16), attrBytes([{ type: 1, value: str('attribute has bad len') }])]);
    const r = native.decodeMessages(message(NLMSG_ERROR, CAPPED | ACK_TLVS, 3, body), FAMILY, 2);
    expect(r.error).toBe(22);
    expect(r.extack).toBe('attribute has bad len');
  });

  test('truncated and garbage input is ignored, never read past the end', () => {
    const good = message(FAMILY, 0, 1, genl(14, [{ type: 1, value: u32(1) }]));
    for (let cut = 0; cut < good.length; cut++) expect(() => native.decodeMessages(good.subarray(0, cut), FAMILY, 0)).not.toThrow();
    const lying = Buffer.from(good);
    lying.writeUInt16LE(0xfff0, 20); // attribute claims to be longer than the message
    expect(native.decodeMessages(lying, FAMILY, 0).info).toEqual({ version: 0, connTableSize: 0 });
  });
});
