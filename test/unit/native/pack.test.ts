// The packed transport round-trips every field, and addresses byte-exactly.
import { pack, unpack, W } from '../../../lib/native/pack';
import { Cmd, type WireRequest } from '../../../lib/native/contract';

const requests: WireRequest[] = [
  { cmd: Cmd.NewService, service: { af: 2, protocol: 6, address: '10.0.0.13', port: 80, scheduler: 'rr', flags: 3, flagsMask: 0xffffffff, timeout: 360, netmask: 0xffffff00, pe: 'sip' } },
  { cmd: Cmd.NewService, service: { af: 10, fwmark: 4294967295, scheduler: 'mh', flags: 0, flagsMask: 0xffffffff, timeout: 0, netmask: 128 } },
  { cmd: Cmd.NewDest, service: { af: 10, protocol: 132, address: '2001:db8::80', port: 443 }, dest: { address: '10.3.3.3', port: 65535, af: 2, forwarding: 2, weight: 2147483647, upperThreshold: 9, lowerThreshold: 1, tunnelType: 1, tunnelPort: 6080, tunnelFlags: 2 } },
  { cmd: Cmd.DelDest, service: { af: 10, protocol: 17, address: '::ffff:102:304', port: 53 }, dest: { address: 'fe80::1:2:3:4', port: 0 } },
  { cmd: Cmd.GetDest, dump: true, service: { af: 10, protocol: 6, address: '::', port: 1 } },
  { cmd: Cmd.NewDaemon, daemon: { state: 2, interface: 'eth0', syncId: 255, maxLength: 1400, group: 'ff02::12', port: 8848, ttl: 255 } },
  { cmd: Cmd.NewDaemon, daemon: { state: 1, interface: 'eth1', syncId: 0, group: '239.1.1.1' } },
  { cmd: Cmd.SetConfig, timeouts: { tcp: 900, udp: 0 } },
  { cmd: Cmd.Flush },
];

test('unpack(pack(x)) is x', () => {
  const packed = pack(requests);
  expect(packed.words.length).toBe(requests.length * W.STRIDE);
  expect(packed.strings).toEqual(['rr', 'sip', 'mh', 'eth0', 'eth1']);
  expect(unpack(packed)).toEqual(requests);
});

test('addresses are their network-order bytes; IPv6 with :: and a dotted tail', () => {
  const bytes = (address: string) => {
    const { words } = pack([{ cmd: Cmd.DelService, service: { af: 10, protocol: 6, address, port: 1 } }]);
    return Buffer.from(words.buffer, W.S_ADDR * 4, 16).toString('hex');
  };
  expect(bytes('2001:db8::1')).toBe('20010db8000000000000000000000001');
  expect(bytes('::ffff:1.2.3.4')).toBe('00000000000000000000ffff01020304');
  expect(bytes('1::')).toBe('00010000000000000000000000000000');
  const { words } = pack([{ cmd: Cmd.DelService, service: { af: 2, protocol: 6, address: '10.0.0.255', port: 1 } }]);
  expect(Buffer.from(words.buffer, W.S_ADDR * 4, 16).toString('hex')).toBe('0a0000ff000000000000000000000000');
});
