/**
 * The private contract of the addon's nf_tables batches (native/nft,
 * native/js/nft.cc): strict mode's VIP firewall, as keepalived installs
 * it. TypeScript decides every table, chain, set, element and rule; the
 * addon encodes them as one transaction (batch begin, the messages, batch
 * end) on a NETLINK_NETFILTER socket. Numbers are the kernel's own
 * (NFPROTO_*, NF_INET_* hooks, NF_* / NFT_* verdicts, NFT_PAYLOAD_*,
 * NFT_CMP_*, NFT_META_*, NFT_SET_* flags, registers); integers go on the
 * wire in network order, byte strings (`data`, `keys`) as given. A
 * contract violation is a TypeError.
 * @internal
 * @module
 */

/** One expression of a rule. */
export type NativeNftExpr =
  | { expr: 'payload'; base: number; offset: number; len: number; dreg: number }
  | { expr: 'cmp'; sreg: number; op: number; data: Uint8Array }
  | { expr: 'bitwise'; sreg: number; dreg: number; len: number; mask: Uint8Array; xor: Uint8Array }
  /** With `dreg`, a map lookup: the element's value goes to that register. */
  | { expr: 'lookup'; sreg: number; set: string; setId?: number; dreg?: number }
  /** Loads `key` into `dreg`; with `sreg` instead, sets it (meta mark set). */
  | { expr: 'meta'; key: number; dreg: number }
  | { expr: 'meta'; key: number; sreg: number }
  | { expr: 'counter' }
  /** A verdict (NF_DROP, NF_ACCEPT, NFT_GOTO with `chain`...). */
  | { expr: 'immediate'; verdict: number; chain?: string };

/** One message of the transaction; `family` is NFPROTO_*. */
export type NativeNftMessage =
  | { type: 'newtable' | 'deltable'; family: number; table: string }
  /** A base chain with `hook`, `priority`, `policy` and `chainType`; without `hook` a regular chain. */
  | { type: 'newchain'; family: number; table: string; chain: string; hook?: number; priority?: number; policy?: number; chainType?: string }
  /**
   * `keyType` is nft's datatype number (what `nft list` prints the keys as);
   * with `dataLen`, a map whose values are of `dataType`; `fields`, the
   * lengths of a concatenated key's parts (the set's description);
   * `userdata`, nft's TLVs (how `nft list` reads keys and values), as given;
   * `counter`, a counter in the set that each element added gets one of.
   */
  | {
    type: 'newset'; family: number; table: string; set: string; setId: number; keyType: number; keyLen: number; flags?: number;
    dataType?: number; dataLen?: number; fields?: number[]; userdata?: Uint8Array; counter?: boolean;
  }
  /**
   * Elements added (exclusively: EEXIST for one already there) or deleted
   * (ENOENT for one absent); `keyEnds` (an interval's last key) and `data`
   * (a map's value) have one entry per key when given.
   */
  | { type: 'newsetelem' | 'delsetelem'; family: number; table: string; set: string; setId?: number; keys: Uint8Array[]; keyEnds?: Uint8Array[]; data?: Uint8Array[] }
  /** Appended to the chain. */
  | { type: 'newrule'; family: number; table: string; chain: string; exprs: NativeNftExpr[] };

export interface NativeNftBatch {
  /** Path of a network-namespace file; absent: this process's namespace. */
  netns?: string;
  messages: NativeNftMessage[];
}

/** The kernel's answer: errno 0 when all went in; else the first errno and the message it answers (-1: the socket or the batch itself). */
export interface NativeNftResult {
  errno: number;
  index: number;
}

export interface NativeNftBinding {
  /** Sends the messages as one nf_tables transaction and waits for every acknowledgement (all or nothing, as the kernel applies it). */
  nftBatch(batch: NativeNftBatch): NativeNftResult;
  /** The bytes {@link NativeNftBinding.nftBatch} would send, sequence numbers from 1, for byte tests. */
  nftEncode(batch: Pick<NativeNftBatch, 'messages'>): Uint8Array;
}
