/**
 * Preloaded into an `ipvs keepalived` process (`node -r
 * dist/test/support/stop-when-ready.js`): once the daemon logs `ready`
 * (its table written, its sockets open), the process sends itself SIGTERM,
 * so that a traced start ends as a stopped daemon does, with its status.
 */
const write = process.stderr.write.bind(process.stderr);
let sent = false;
process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (!sent && String(chunk).includes('"message":"ready"')) {
    sent = true;
    setImmediate(() => process.kill(process.pid, 'SIGTERM'));
  }
  return write(chunk, ...rest);
}) as typeof process.stderr.write;
