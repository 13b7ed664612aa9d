/**
 * VRRP packets captured from keepalived v2.2.7 (Debian) through the addon's
 * own socket, between 10.9.0.2 (keepalived) and 10.9.0.1 on a test bridge,
 * VRID 51, priority 100, VIP 192.168.200.16 (IPv6: fe80::100), and the
 * checksum vectors of keepalived-inventory.md §21.3.
 */
export const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

/** Whole IPv4 datagrams, as an IPv4 raw socket delivers them. */
export const KEEPALIVED_V4 = {
  v2: hex('45c0002800010000ff70d0870a090002e0000012 213364010001f210c0a8c8100000000000000000'),
  v2PriorityZero: hex('45c0002800030000ff70d0850a090002e0000012 2133000100015611c0a8c8100000000000000000'),
  v2Pass1111: hex('45c0002800010000ff70d0870a090002e0000012 2133640101018eaec0a8c8103131313100000000'),
  /** advert_int 0.1 (10 cs), keepalived's IPv4 pseudo-header checksum. */
  v3: hex('45c0002000020000ff70d08e0a090002e0000012 31336401000af76dc0a8c810'),
  /** unicast_src_ip 10.9.0.2, unicast_peer 10.9.0.1. */
  v2Unicast: hex('45c0002800010000ff70a6900a0900020a090001 213364010001f210c0a8c8100000000000000000'),
};

/** IPv6 VRRP messages with what the ancillary data said. */
export const KEEPALIVED_V6 = {
  source: 'fe80::4874:cbff:fe61:db03',
  destination: 'ff02::12',
  v3: hex('31336401000a7f48fe800000000000000000000000000100'),
  v3PriorityZero: hex('31330001000ae348fe800000000000000000000000000100'),
};

/** Inventory §21.3 vectors (VRID 51, priority 100, 192.168.200.16, 1 s). */
export const VECTORS = {
  v2: hex('21 33 64 01 00 01 f2 10 c0 a8 c8 10 00 00 00 00 00 00 00 00'),
  v2Pass: hex('21 33 64 01 01 01 8e ae c0 a8 c8 10 31 31 31 31 00 00 00 00'),
  v3Plain: 0xe1ad,
  v3Pseudo: 0x7874,
  v6: 0x6cc7,
};
