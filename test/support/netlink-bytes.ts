/**
 * A minimal, independent netlink message builder for test fixtures: replies
 * the kernel would send, built attribute by attribute.
 */
export type Attr = { type: number; nested?: boolean; value: Buffer | Attr[] };

const align = (n: number) => (n + 3) & ~3;

export function attrBytes(attrs: Attr[]): Buffer {
  return Buffer.concat(
    attrs.map((a) => {
      const payload = Array.isArray(a.value) ? attrBytes(a.value) : a.value;
      const out = Buffer.alloc(align(4 + payload.length));
      out.writeUInt16LE(4 + payload.length, 0);
      out.writeUInt16LE(a.type | (a.nested || Array.isArray(a.value) ? 0x8000 : 0), 2);
      payload.copy(out, 4);
      return out;
    }),
  );
}

export function message(type: number, flags: number, seq: number, body: Buffer): Buffer {
  const out = Buffer.alloc(16 + align(body.length));
  out.writeUInt32LE(16 + body.length, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq, 8);
  body.copy(out, 16);
  return out;
}

export function genl(cmd: number, attrs: Attr[]): Buffer {
  return Buffer.concat([Buffer.from([cmd, 1, 0, 0]), attrBytes(attrs)]);
}

export const u8 = (v: number) => Buffer.from([v]);
export const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
export const u16be = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
export const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
export const u32be = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; };
export const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
export const str = (s: string) => Buffer.from(`${s}\0`);
export function addr(parts: number[]): Buffer {
  const b = Buffer.alloc(16);
  Buffer.from(parts).copy(b);
  return b;
}
