// The VIP firewall's decisions (lib/vrrp/firewall.ts): which messages, in
// which order, when; what a failure says. The kernel's side (the same
// messages giving keepalived's ruleset) is test/netns/vrrp-strict-nftables.
import { VipFirewall, linkLocalMessages, resolveFirewallOptions, tableMessages, type FirewallAddress } from '../../../lib/vrrp/firewall';
import type { NativeNftMessage } from '../../../lib/native/nft-contract';
import { IpvsArgumentError } from '../../../lib/model/errors';
import { fakeVrrpNative } from '../../support/vrrp-fake';

/** Addresses on interface 2. */
const on2 = (...addresses: string[]): FirewallAddress[] => addresses.map((address) => ({ address, ifindex: 2 }));

const summary = (m: NativeNftMessage) => `${m.type} ${m.family} ${m.table}${'chain' in m ? ` ${m.chain}` : ''}${'set' in m ? ` @${m.set}` : ''}`;

test('the IPv4 table: chains out then in, the vips set, the in rule then the out rule; IPv6 adds neighbour discovery and the link-local chains', () => {
  const o = resolveFirewallOptions({});
  expect(tableMessages(4, o).map(summary)).toEqual([
    'newtable 2 keepalived', 'newchain 2 keepalived out', 'newchain 2 keepalived in', 'newset 2 keepalived @vips',
    'newrule 2 keepalived in', 'newrule 2 keepalived out',
  ]);
  const v6 = tableMessages(6, { ...o, counters: true, priority: -5, table: 't' });
  expect(v6.map(summary)).toEqual([
    'newtable 10 t', 'newchain 10 t out', 'newchain 10 t in', 'newchain 10 t in_link_local', 'newchain 10 t out_link_local',
    'newset 10 t @vips', 'newset 10 t @neighbor-discovery', 'newsetelem 10 t @neighbor-discovery',
    'newrule 10 t in', 'newrule 10 t in', 'newrule 10 t out', 'newrule 10 t out', 'newrule 10 t in', 'newrule 10 t out',
  ]);
  expect(v6[1]).toMatchObject({ hook: 3, priority: -5, policy: 1, chainType: 'filter' });
  // With counters, every rule counts just before its verdict.
  for (const rule of v6.filter((m) => m.type === 'newrule')) expect(rule.exprs.at(-2)).toEqual({ expr: 'counter' });
  expect(tableMessages(4, o).filter((m) => m.type === 'newrule').flatMap((m) => m.exprs).some((e) => e.expr === 'counter')).toBe(false);
});

test('options: keepalived defaults, a bad field named', () => {
  expect(resolveFirewallOptions()).toEqual({ table: 'keepalived', priority: -1, counters: false, origin: 'accept: false' });
  expect(() => resolveFirewallOptions({ table: '' })).toThrow(IpvsArgumentError);
  expect(() => resolveFirewallOptions({ table: 'x'.repeat(256) })).toThrow(/firewall\.table/);
  expect(() => resolveFirewallOptions({ priority: 2 ** 31 })).toThrow(/firewall\.priority/);
});

test('a family is set up on its first VIP (a stale table deleted first), elements counted per instance, tables deleted at close', () => {
  const fake = fakeVrrpNative();
  const stale: string[] = [];
  const fw = new VipFirewall(fake.binding, { table: 'k' }, { netns: '/run/netns/x' });
  fw.onStaleTable = (t) => stale.push(t);
  expect(fw.add(on2('10.0.0.1', '10.0.0.2'))).toEqual([]);
  const [deletion, setup] = fake.nft.batches;
  expect(deletion).toEqual({ netns: '/run/netns/x', messages: [{ type: 'deltable', family: 2, table: 'k' }] });
  expect(stale).toEqual(['ip k']);
  expect(setup!.messages.at(-1)).toMatchObject({ type: 'newsetelem', set: 'vips', keys: [Uint8Array.of(10, 0, 0, 1), Uint8Array.of(10, 0, 0, 2)] });
  // Another instance's VIPs: only the new one goes in, in one message, the table already there.
  fake.nft.batches.length = 0;
  expect(fw.add(on2('10.0.0.2', '10.0.0.3'))).toEqual([]);
  expect(fake.nft.batches.map((b) => b.messages.map(summary))).toEqual([['newsetelem 2 k @vips']]);
  fake.nft.batches.length = 0;
  expect(fw.remove(on2('10.0.0.1', '10.0.0.2'))).toEqual([]);
  expect(fake.nft.batches[0]!.messages[0]).toMatchObject({ type: 'delsetelem', keys: [Uint8Array.of(10, 0, 0, 1)] });
  expect(fw.addresses.sort()).toEqual(['10.0.0.2', '10.0.0.3']);
  // IPv6 with a link-local VIP: the table, then the link-local set and rules, then one message per set; the key carries the ifindex.
  fake.nft.batches.length = 0;
  expect(fw.add([{ address: 'fe80::7', ifindex: 3 }, { address: 'fd00::7', ifindex: 3 }])).toEqual([]);
  const v6 = fake.nft.batches[1]!.messages;
  expect(v6.slice(-5).map(summary)).toEqual([
    'newset 10 k @vips_link_local', 'newrule 10 k in_link_local', 'newrule 10 k out_link_local', 'newsetelem 10 k @vips', 'newsetelem 10 k @vips_link_local',
  ]);
  expect(v6.at(-1)).toMatchObject({ keys: [Uint8Array.from([0xfe, 0x80, ...new Array<number>(13).fill(0), 7, 3, 0, 0, 0])] });
  expect(linkLocalMessages(resolveFirewallOptions())[0]).toMatchObject({ keyType: (8 << 6) | 20, keyLen: 20 });
  // The same link-local address on another interface is another element; a second one needs no new set.
  fake.nft.batches.length = 0;
  expect(fw.add([{ address: 'fe80::7', ifindex: 4 }])).toEqual([]);
  expect(fake.nft.batches.map((b) => b.messages.map(summary))).toEqual([['newsetelem 10 k @vips_link_local']]);
  expect(fw.close()).toEqual([]);
  expect(fake.nft.batches.at(-1)!.messages).toEqual([{ type: 'deltable', family: 2, table: 'k' }, { type: 'deltable', family: 10, table: 'k' }]);
});

test('nf_tables missing: an error naming the keyword and the table, with the errno; the family is tried again next time', () => {
  const fake = fakeVrrpNative();
  const fw = new VipFirewall(fake.binding, { origin: 'vrrp_strict at /etc/keepalived/keepalived.conf:3' });
  fake.nft.errno = 95;
  const [error] = fw.add(on2('fd00::1'));
  expect(error).toMatchObject({
    code: 'ENOTSUP', errno: -95, operation: 'firewall',
    message: 'vrrp_strict at /etc/keepalived/keepalived.conf:3: adding fd00::1 to nftables table ip6 keepalived failed: ENOTSUP (nf_tables is not available in this kernel)',
  });
  expect(fw.addresses).toEqual([]);
  fake.nft.errno = 0;
  fake.nft.batches.length = 0;
  expect(fw.add(on2('fd00::1'))).toEqual([]);
  expect(fake.nft.batches.map((b) => b.messages[0]!.type)).toEqual(['deltable', 'newtable']);
  expect(fw.close()).toEqual([]);
});

test('a reload: new options taken while no table is made; then the tables stay and another name is refused, as keepalived', () => {
  const fake = fakeVrrpNative();
  const fw = new VipFirewall(fake.binding, {});
  expect(fw.retune({ table: 'a', priority: -3 })).toBe(true);
  expect(fw.options).toMatchObject({ table: 'a', priority: -3 });
  expect(fw.add(on2('10.0.0.1'))).toEqual([]);
  expect(fw.retune({ table: 'b' })).toBe(false);
  expect(fw.retune({ table: 'a', counters: true })).toBe(true);
  expect(fw.options).toMatchObject({ table: 'a', priority: -3, counters: false });
  expect(fw.close()).toEqual([]);
});
