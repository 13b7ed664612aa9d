/**
 * Runs one of the addon's checker-socket calls inside the network namespace
 * it was started in (`ip netns exec NS node this.js JSON`) and prints the
 * outcome as JSON: a test process cannot move itself between namespaces.
 * `talk` hands the connected socket to Node.js, sends a line and prints
 * what came back, proving the socket works once adopted. `engine` runs one
 * checker on the TCP_CHECK engine (its thread made here, so in the
 * namespace) and prints its first reported result and how long it took.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { loadAddon } from '../../lib/native/load';
import type { NativeTcpTarget } from '../../lib/native/tcp-engine-contract';

type Request =
  | { op: 'reach'; args: Parameters<ReturnType<typeof loadAddon>['tcpReach']> }
  | { op: 'connect'; args: Parameters<ReturnType<typeof loadAddon>['tcpConnect']>; talk?: string }
  | { op: 'udp'; args: Parameters<ReturnType<typeof loadAddon>['udpSocket']>; to: [string, number]; talk: string }
  | { op: 'engine'; target: NativeTcpTarget };

/** The engine's first report of one checker started at once: { errno, elapsedMs }. */
function firstReport(target: NativeTcpTarget): Promise<unknown> {
  const started = Date.now();
  return new Promise((resolve) => {
    const engine = new (loadAddon().TcpCheckEngine)({ batchMs: 0 }, (results) => {
      engine.close();
      resolve({ errno: results[1], elapsedMs: Date.now() - started });
    });
    engine.add(target, 0);
  });
}

async function run(request: Request): Promise<unknown> {
  const addon = loadAddon();
  if (request.op === 'engine') return firstReport(request.target);
  if (request.op === 'reach') return { errno: await addon.tcpReach(...request.args) };
  if (request.op === 'connect') {
    const outcome = await addon.tcpConnect(...request.args);
    const talk = request.talk;
    if (outcome.errno !== 0 || talk === undefined) return outcome;
    const socket = new net.Socket({ fd: outcome.fd, readable: true, writable: true });
    const reply = await new Promise<string>((resolve, reject) => {
      socket.once('data', (d) => resolve(d.toString()));
      socket.once('error', reject);
      socket.write(talk);
    });
    socket.destroy();
    return { errno: 0, reply };
  }
  const outcome = addon.udpSocket(...request.args);
  if (outcome.errno !== 0) return outcome;
  const socket = dgram.createSocket(request.args[0] ? 'udp6' : 'udp4');
  const reply = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => resolve('(silence)'), 2000);
    socket.once('message', (m) => {
      clearTimeout(timer);
      resolve(m.toString());
    });
    socket.once('error', reject);
    const connected = (error?: Error) => (error ? reject(error) : socket.send(request.talk));
    socket.bind({ fd: outcome.fd }, () => socket.connect(request.to[1], request.to[0], connected as () => void));
  });
  socket.close();
  return { errno: 0, reply };
}

// Exits once printed: a socket left open by a failure must not keep the child alive.
const print = (out: unknown) => process.stdout.write(JSON.stringify(out), () => process.exit(0));
run(JSON.parse(process.argv[2]!) as Request).then(print, (e: NodeJS.ErrnoException) => print({ error: e.code ?? e.message }));
