// The nf_tables batch encoder (native/nft): the exact bytes of a batch
// against an independent builder; the kernel's answers in a namespace made
// here — a table with base chains, a set with elements and a rule of every
// expression read back by nft(8), EEXIST / ENOENT with the index of the
// message at fault, a failed batch leaving nothing; contract violations as
// TypeErrors. nftables_ipvs's concatenated interval map with marks, read
// back by nft(8) as keepalived's reads.
import { execFileSync } from 'node:child_process';
import { loadNative } from '../../lib/native/load';
import type { NativeNftMessage } from '../../lib/native/nft-contract';
import { attrBytes, message, str, u32be } from '../support/netlink-bytes';
import { expectTypeError } from '../support/throws';
import { endianness } from 'node:os';
import { mapMessages, tableMessages as ipvsTableMessages } from '../../lib/keepalived/daemon/nftables-ipvs';

const native = loadNative();
const NFPROTO_IPV4 = 2;
const NFPROTO_IPV6 = 10;
const [ENOENT, EEXIST] = [2, 17];
const NFT = (type: number) => (10 << 8) | type;
const [NEWTABLE, NEWSETELEM] = [0, 12];
const REQUEST_ACK = 0x1 | 0x4;
const CREATE = 0x400;
const EXCL = 0x200;
const nfgen = (family: number, resId = 0) => Buffer.from([family, 0, resId >> 8, resId & 0xff]);

test('a batch: begin and end for NFNL_SUBSYS_NFTABLES around each message, integers in network order, nests flagged', () => {
  const messages: NativeNftMessage[] = [
    { type: 'newtable', family: NFPROTO_IPV4, table: 't' },
    { type: 'newsetelem', family: NFPROTO_IPV4, table: 't', set: 'vips', setId: 3, keys: [Uint8Array.of(10, 9, 0, 100)] },
  ];
  const expected = Buffer.concat([
    message(0x10, 0x1, 1, nfgen(0, 10)),
    message(NFT(NEWTABLE), REQUEST_ACK | CREATE, 2, Buffer.concat([nfgen(NFPROTO_IPV4), attrBytes([{ type: 1, value: str('t') }])])),
    message(NFT(NEWSETELEM), REQUEST_ACK | CREATE | EXCL, 3, Buffer.concat([nfgen(NFPROTO_IPV4), attrBytes([
      { type: 1, value: str('t') }, { type: 2, value: str('vips') },
      { type: 3, value: [{ type: 1, value: [{ type: 1, value: [{ type: 1, value: Buffer.from([10, 9, 0, 100]) }] }] }] },
      { type: 4, value: u32be(3) },
    ])])),
    message(0x11, 0x1, 4, nfgen(0, 10)),
  ]);
  expect(Buffer.from(native.nftEncode({ messages })).toString('hex')).toBe(expected.toString('hex'));
});

test('contract violations are TypeErrors naming the field', () => {
  const table = { family: NFPROTO_IPV4, table: 't' };
  expectTypeError(() => native.nftEncode({ messages: [{ ...table, type: 'flush' } as never] }), /type/);
  expectTypeError(() => native.nftEncode({ messages: [{ type: 'newtable', table: 't' } as never] }), /family/);
  expectTypeError(() => native.nftEncode({ messages: [{ ...table, type: 'newsetelem', set: 's', keys: [[1, 2]] } as never] }), /key/);
  expectTypeError(() => native.nftEncode({ messages: [{ ...table, type: 'newrule', chain: 'c', exprs: [{ expr: 'dup' }] } as never] }), /expr/);
  expectTypeError(() => native.nftEncode({ messages: [{ ...table, type: 'newrule', chain: 'c', exprs: [{ expr: 'payload', base: 1 }] } as never] }), /offset/);
  const elements: NativeNftMessage = { ...table, type: 'newsetelem', set: 's', keys: [Uint8Array.of(1), Uint8Array.of(2)] };
  expectTypeError(() => native.nftEncode({ messages: [{ ...elements, keyEnds: [Uint8Array.of(1)] }] }), /one entry per key/);
  expectTypeError(() => native.nftEncode({ messages: [{ ...table, type: 'newset', set: 's', setId: 1, keyType: 7, keyLen: 4, fields: ['4'] } as never] }), /field/);
});

describe('in a namespace of its own', () => {
  test("nftables_ipvs's maps: concatenated interval keys with marks, map lookup and meta mark set, read back by nft", () => {
    const ns = `nftipvs-map-${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const marks = (mark: number) => {
        const out = new Uint8Array(4);
        new DataView(out.buffer).setUint32(0, mark, endianness() === 'LE');
        return out;
      };
      const key = (address: number[], port: number) => Uint8Array.from([...address, port >> 8, port & 0xff, 0, 0]);
      const messages: NativeNftMessage[] = [
        ...ipvsTableMessages(4, 'm', -1), ...mapMessages(4, 'tcp', 'm', 1), ...mapMessages(4, 'udp', 'm', 2, true),
        { type: 'newsetelem', family: NFPROTO_IPV4, table: 'm', set: 'udp_map', keys: [key([10, 1, 2, 1], 53)], data: [marks(1002)] },
        {
          type: 'newsetelem', family: NFPROTO_IPV4, table: 'm', set: 'tcp_map',
          keys: [key([10, 1, 0, 1], 80), key([10, 1, 0, 10], 80), key([10, 1, 1, 0], 443)],
          keyEnds: [key([10, 1, 0, 1], 80), key([10, 1, 0, 12], 80), key([10, 1, 1, 3], 443)],
          data: [marks(1000), marks(1000), marks(1001)],
        },
      ];
      expect(native.nftBatch({ netns: `/var/run/netns/${ns}`, messages })).toEqual({ errno: 0, index: -1 });
      expect(execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' })).toBe([
        'table ip m {', '\tmap tcp_map {', '\t\ttype ipv4_addr . inet_service : mark', '\t\tflags interval',
        '\t\telements = { 10.1.0.1 . 80 : 0x000003e8,', '\t\t\t     10.1.0.10-10.1.0.12 . 80 : 0x000003e8,', '\t\t\t     10.1.1.0/30 . 443 : 0x000003e9 }',
        '\t}', '',
        // nftables_counters: the map counts, and so each element and the rule.
        '\tmap udp_map {', '\t\ttype ipv4_addr . inet_service : mark', '\t\tflags interval', '\t\tcounter',
        '\t\telements = { 10.1.2.1 . 53 counter packets 0 bytes 0 : 0x000003ea }', '\t}', '',
        '\tchain in {', '\t\ttype filter hook input priority filter - 1; policy accept;',
        '\t\tmeta mark set ip daddr . tcp dport map @tcp_map return',
        '\t\tmeta mark set ip daddr . udp dport map @udp_map counter packets 0 bytes 0 return', '\t}', '}', '',
      ].join('\n'));
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });

  const name = `ipvs-nft-${process.pid}`;
  const netns = `/var/run/netns/${name}`;
  const nft = (...args: string[]) => execFileSync('ip', ['netns', 'exec', name, 'nft', ...args], { encoding: 'utf8' });
  beforeAll(() => execFileSync('ip', ['netns', 'add', name]));
  afterAll(() => execFileSync('ip', ['netns', 'del', name]));

  const base = { family: NFPROTO_IPV6, table: 'k' };
  const setup: NativeNftMessage[] = [
    { type: 'newtable', ...base },
    { type: 'newchain', ...base, chain: 'in', hook: 1, priority: -3, policy: 1, chainType: 'filter' },
    { type: 'newchain', ...base, chain: 'side' },
    { type: 'newset', ...base, set: 'vips', setId: 1, keyType: 8, keyLen: 16 },
    { type: 'newset', ...base, set: 'nd', setId: 2, keyType: 29, keyLen: 1, flags: 0x2 },
    { type: 'newsetelem', ...base, set: 'nd', setId: 2, keys: [Uint8Array.of(135)] },
    {
      type: 'newrule', ...base, chain: 'in', exprs: [
        { expr: 'payload', base: 1, offset: 6, len: 1, dreg: 1 },
        { expr: 'cmp', sreg: 1, op: 0, data: Uint8Array.of(58) },
        { expr: 'payload', base: 2, offset: 0, len: 1, dreg: 1 },
        { expr: 'lookup', sreg: 1, set: 'nd', setId: 2 },
        { expr: 'counter' },
        { expr: 'immediate', verdict: 1 },
      ],
    },
    {
      type: 'newrule', ...base, chain: 'in', exprs: [
        { expr: 'payload', base: 1, offset: 24, len: 16, dreg: 1 },
        { expr: 'bitwise', sreg: 1, dreg: 1, len: 16, mask: Uint8Array.from([0xff, 0xc0, ...new Array<number>(14).fill(0)]), xor: new Uint8Array(16) },
        { expr: 'cmp', sreg: 1, op: 0, data: Uint8Array.from([0xfe, 0x80, ...new Array<number>(14).fill(0)]) },
        { expr: 'immediate', verdict: -4, chain: 'side' },
      ],
    },
    // meta iif (key 4) against lo's index 1, in host order as the kernel keeps it.
    { type: 'newrule', ...base, chain: 'side', exprs: [{ expr: 'meta', key: 4, dreg: 1 }, { expr: 'cmp', sreg: 1, op: 0, data: Uint8Array.of(1, 0, 0, 0) }, { expr: 'immediate', verdict: 0 }] },
    {
      type: 'newrule', ...base, chain: 'in', exprs: [
        { expr: 'payload', base: 1, offset: 24, len: 16, dreg: 1 }, { expr: 'lookup', sreg: 1, set: 'vips', setId: 1 }, { expr: 'immediate', verdict: 0 },
      ],
    },
  ];
  const vip = Uint8Array.from([0xfd, 0x09, ...new Array<number>(13).fill(0), 0x64]);

  test('a table of chains, sets and every expression, read back by nft; elements in and out; EEXIST / ENOENT name their message', () => {
    expect(native.nftBatch({ netns, messages: setup })).toEqual({ errno: 0, index: -1 });
    expect(nft('-s', 'list', 'table', 'ip6', 'k')).toBe([
      'table ip6 k {',
      '\tset vips {', '\t\ttype ipv6_addr', '\t}', '',
      '\tset nd {', '\t\ttype icmpv6_type', '\t\tflags constant', '\t\telements = { nd-neighbor-solicit }', '\t}', '',
      '\tchain in {',
      '\t\ttype filter hook input priority filter - 3; policy accept;',
      '\t\ticmpv6 type @nd counter accept',
      '\t\tip6 daddr fe80::/10 goto side',
      '\t\tip6 daddr @vips drop',
      '\t}', '',
      '\tchain side {', '\t\tiif "lo" drop', '\t}',
      '}', '',
    ].join('\n'));
    const add: NativeNftMessage = { type: 'newsetelem', ...base, set: 'vips', keys: [vip] };
    expect(native.nftBatch({ netns, messages: [add] })).toEqual({ errno: 0, index: -1 });
    expect(nft('list', 'set', 'ip6', 'k', 'vips')).toContain('elements = { fd09::64 }');
    // The second message fails: the whole transaction is undone (the table stays without a new chain).
    expect(native.nftBatch({ netns, messages: [{ type: 'newchain', ...base, chain: 'extra' }, add] })).toEqual({ errno: EEXIST, index: 1 });
    expect(nft('list', 'table', 'ip6', 'k')).not.toContain('chain extra');
    const del: NativeNftMessage = { ...add, type: 'delsetelem' };
    expect(native.nftBatch({ netns, messages: [del] })).toEqual({ errno: 0, index: -1 });
    expect(native.nftBatch({ netns, messages: [del] })).toEqual({ errno: ENOENT, index: 0 });
    expect(native.nftBatch({ netns, messages: [{ type: 'deltable', ...base }] })).toEqual({ errno: 0, index: -1 });
    expect(native.nftBatch({ netns, messages: [{ type: 'deltable', ...base }] })).toEqual({ errno: ENOENT, index: 0 });
    expect(nft('list', 'ruleset')).toBe('');
    expect(native.nftBatch({ netns: '/nonexistent/netns', messages: [{ type: 'deltable', ...base }] })).toEqual({ errno: ENOENT, index: -1 });
  });
});
