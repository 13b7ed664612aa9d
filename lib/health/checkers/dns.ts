/**
 * `DNS_CHECK`: one recursive query over UDP; up when a reply with our id,
 * the QR bit and RCODE 0 comes back.
 * @internal
 * @module
 */
import { randomInt } from 'node:crypto';
import type { DnsCheck, DnsRecordType } from '../types';
import type { Probe } from './probe';
import { endpoint, failure, pass } from './probe';
import { exchange } from './datagram';

const TYPE_CODES: Record<DnsRecordType, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 };

/** A query message (RFC 1035 §4.1) with recursion desired. */
export function dnsQuery(id: number, name: string, type: DnsRecordType): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(TYPE_CODES[type], 0);
  question.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([header, qname, question]);
}

export const dnsProbe: Probe = async (checker, signal) => {
  const c = checker.config as DnsCheck;
  const id = randomInt(0, 0x10000);
  const where = `dns://${endpoint(checker)}`;
  const outcome = await exchange(checker, dnsQuery(id, c.name ?? '.', c.recordType ?? 'SOA'), signal, (r) => r.length >= 12 && r.readUInt16BE(0) === id);
  if ('error' in outcome) return failure(`${where}: ${outcome.error}`);
  if ('silence' in outcome) return failure(`${where}: no reply`);
  const flags = outcome.reply.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return failure(`${where}: reply without the QR bit`);
  const rcode = flags & 0xf;
  return rcode === 0 ? pass(`${where}: answered`) : failure(`${where}: RCODE ${rcode}`);
};
