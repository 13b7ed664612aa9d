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

/**
 * `auth_type AH` adverts captured (tcpdump, the peer's namespace) from
 * keepalived v2.2.7 at 10.77.0.1, VRID 51/52, priority 150, 1 s: whole IPv4
 * datagrams (protocol 51: IP header, AH with SPI = source, sequence from 1,
 * HMAC-MD5-96 ICV, then the VRRPv2 message with Auth Type 2), with the
 * configured auth_pass. Multicast: the first three adverts after start and
 * the priority-0 one at stop; unicast (unicast_ttl 64): the first and the
 * priority-0 one, whose ICV leaves the TTL out.
 */
export const KEEPALIVED_AH = {
  /** `auth_pass secretkey1`: keepalived keys with its first 8 bytes. */
  multicastPass: 'secretkey1',
  multicast: [
    hex('45c0004000010000ff33d0690a4d0001e0000012 700400000a4d000100000001045e2501c1b7094ea20b3e82 2133960102013c190a4d00640000000000000000'),
    hex('45c0004000020000ff33d0680a4d0001e0000012 700400000a4d0001000000020a6bdcac4a14c1be171d62cb 2133960102013c190a4d00640000000000000000'),
    hex('45c0004000030000ff33d0670a4d0001e0000012 700400000a4d00010000000380ad606099f9d404d2652460 2133960102013c190a4d00640000000000000000'),
    hex('45c0004000050000ff33d0650a4d0001e0000012 700400000a4d000100000005c4416d057c4c2405d7cb20dd 213300010201d2190a4d00640000000000000000'),
  ],
  /** `auth_pass k3y`: zero-padded to 8 bytes. */
  unicastPass: 'k3y',
  unicast: [
    hex('45c00040000100004033652e0a4d00010a4d0002 700400000a4d000100000001ce6a3acbb2cfb47634e27967 2134960102013c170a4d00650000000000000000'),
    hex('45c00040000300004033652c0a4d00010a4d0002 700400000a4d0001000000033ea33ec1f41de9e66217f0d1 213400010201d2170a4d00650000000000000000'),
  ],
};
