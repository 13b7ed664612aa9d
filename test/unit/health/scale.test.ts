// Thousands of real servers checked from one process: every checker keeps
// its schedule and none is starved by the others.
import { VirtualServerManager } from '../../../lib';
import { withFakeIpvs } from '../../support/fake-kernel';
import { tcpServer, until } from '../../support/health';

jest.setTimeout(60_000);

const fake = withFakeIpvs();
const SERVERS = 2000;

test(`${SERVERS} real servers with TCP checks against loopback all run on schedule`, async () => {
  let connections = 0;
  const { server, port } = await tcpServer((s) => {
    connections++;
    s.end();
  });
  const service = { protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'wlc' } as const;
  const manager = new VirtualServerManager(fake.ipvs);
  // Each real server is its own address; every check connects to the one
  // loopback listener (connect_ip / connect_port), as a TCP_CHECK would.
  await manager.start({ virtualServers: [{
    service, delayLoop: 1, warmup: 1, retry: 3, delayBeforeRetry: 0.2,
    realServers: Array.from({ length: SERVERS }, (_, i) => ({
      address: `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: 80,
      checkers: [{ type: 'tcp' as const, connectIp: '127.0.0.1', connectPort: port }],
    })),
  }] });
  try {
  const attempts = () => manager.status().virtualServers[0]!.realServers.map((rs) => rs.checkers[0]!.attempts);
  const counts = await until(attempts, (a) => Math.min(...a) >= 3, 'every checker to run three times');
  // Not starved: the slowest checker kept at least half the pace of the
  // busiest (a round or two of slack for the random warmup).
  expect(Math.max(...counts)).toBeLessThanOrEqual(2 * Math.min(...counts) + 2);
  // The listener saw the checks (it accepts behind the checkers' quick close).
  expect(connections).toBeGreaterThan(0);
  const status = manager.status().virtualServers[0]!;
  // A loaded machine may drop a SYN now and then; retries absorb it, as in keepalived.
  expect(status.realServers.filter((rs) => !rs.up).map((rs) => rs.checkers[0]!.lastReason)).toEqual([]);
  expect(status.table).toHaveLength(SERVERS);
  expect((await fake.ipvs.listDestinations({ protocol: 'tcp', address: '10.0.0.13', port: 80 })).length).toBe(SERVERS);

  // The listener goes away: every real server leaves the table.
  server.close();
  await until(() => manager.status().virtualServers[0]!.aliveWeight, (w) => w === 0, 'all real servers down');
  expect(await until(() => fake.ipvs.listDestinations({ protocol: 'tcp', address: '10.0.0.13', port: 80 }), (d) => d.length === 0)).toEqual([]);
  } finally {
    await manager.stop();
    server.close();
  }
});
