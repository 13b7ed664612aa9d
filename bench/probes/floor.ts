/**
 * Probe: a lower bound for the JavaScript side of a 110,000-operation batch
 * in a fresh process. The least any validating library must do per
 * operation — read the service key's and the destination's fields, check
 * their types and ranges, parse the dotted-quad address, write a dozen
 * words into a typed array — with none of this library's generality, then
 * one small result object per operation. Rounds after the first show the
 * same loops with the JIT warm.
 *   node dist/bench/probes/floor.js [--services N] [--rounds N]
 */
import { args, destination, report, serviceKey } from '../support/table';

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

/** Parses a dotted quad into a u32, or -1. */
function ipv4(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

interface Key { protocol: string; address: string; port: number }
interface Dest { address: string; port?: number; forwarding?: string; weight?: number }

function packKey(words: Uint32Array, at: number, k: Key): void {
  if (k.protocol !== 'tcp' && k.protocol !== 'udp' && k.protocol !== 'sctp') throw new TypeError('protocol');
  const a = ipv4(k.address);
  if (a < 0) throw new TypeError('address');
  if (typeof k.port !== 'number' || k.port < 0 || k.port > 65535 || (k.port | 0) !== k.port) throw new TypeError('port');
  words[at] = 2;
  words[at + 1] = k.protocol === 'tcp' ? 6 : 17;
  words[at + 2] = a;
  words[at + 3] = k.port;
}

function packDest(words: Uint32Array, at: number, d: Dest): void {
  const a = ipv4(d.address);
  if (a < 0) throw new TypeError('address');
  const port = d.port ?? 0;
  if (typeof port !== 'number' || port < 0 || port > 65535 || (port | 0) !== port) throw new TypeError('port');
  const w = d.weight ?? 1;
  if (typeof w !== 'number' || w < 0 || w > 0x7fffffff || (w | 0) !== w) throw new TypeError('weight');
  const f = d.forwarding ?? 'route';
  words[at + 4] = a;
  words[at + 5] = port;
  words[at + 6] = f === 'masq' ? 0 : f === 'local' ? 1 : f === 'tunnel' ? 2 : f === 'route' ? 3 : 99;
  words[at + 7] = w;
}

class Ok {
  readonly ok = true;
  constructor(readonly index: number) {}
}

const a = args();
const services = Number(a.services ?? 10000);
const rounds = Number(a.rounds ?? 3);
const keys = Array.from({ length: services }, (_, i) => serviceKey(i) as Key);
const specs = Array.from({ length: services * 10 }, (_, k) => destination(k % 10) as Dest);
const out: { buildMs: number; resultsMs: number }[] = [];
for (let r = 0; r < rounds; r++) {
  const ops = services * 11;
  let t = now();
  const words = new Uint32Array(ops * 12);
  let at = 0;
  for (let i = 0; i < services; i++) {
    const key = keys[i]!;
    packKey(words, at, key);
    at += 12;
    for (let j = 0; j < 10; j++) {
      packKey(words, at, key);
      packDest(words, at, specs[i * 10 + j]!);
      at += 12;
    }
  }
  const buildMs = now() - t;
  t = now();
  const results: Ok[] = [];
  for (let i = 0; i < ops; i++) results.push(new Ok(i));
  out.push({ buildMs: Math.round(buildMs), resultsMs: Math.round(now() - t) });
}
report({ rounds: out });
