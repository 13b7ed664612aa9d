/**
 * The sample of docs/keepalived.md: health-checked virtual servers from the
 * library. It runs until stopped, like the daemon.
 */
// #region library
import { Ipvs, VirtualServerManager } from 'ipvs';

const manager = new VirtualServerManager(await Ipvs.open());
manager.on('realServer', (e) => console.log(e.virtualServer, e.realServer, e.up ? 'up' : 'down', e.reason));
manager.on('quorum', (e) => console.log(e.virtualServer, 'quorum', e.up, 'sorry server', e.sorryServer));
await manager.start({
  virtualServers: [{
    service: { protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' },
    delayLoop: 5, quorum: 1, sorryServer: { address: '10.1.0.9' },
    realServers: [
      { address: '10.1.0.4', checkers: [{ type: 'http', urls: [{ path: '/health', statusCode: [200] }] }] },
      { address: '10.1.0.5', inhibitOnFailure: true, checkers: [{ type: 'tcp' }] },
    ],
  }],
});
// later: await manager.reload(nextConfig); manager.status(); await manager.stop({ removeServices: true });
// #endregion
