/**
 * The ES module entry of `ipvs` (`import { Ipvs } from 'ipvs'`). It
 * re-exports the CommonJS build rather than shipping a second copy, so both
 * module systems share one set of classes (`instanceof IpvsError` holds
 * whichever way the error was made) and one loaded addon. The value names
 * are listed (`export *` would leak `__esModule`); test/unit/package.test.ts
 * fails when they differ from index.ts's.
 * @module
 */
export { Ipvs, IpvsError, IpvsArgumentError, Batch, Stream, VirtualServerManager, Announcer, ANNOUNCE_PROTOCOL, ANNOUNCE_TABLE,
  RoutingStatusError, ROUTING_STATUS_TIMEOUT_MS, parseFrrBfdPeers, parseFrrBgpSummary, readBfdPeers, readBfdPeersSync, readBgpSessions,
  readBgpSessionsSync, readRoutingStatus, readRoutingStatusSync,
} from './index.js';
export {
  applyState, applyStateSync, planApply, parseDesiredState, exportState, formatDesiredState,
  formatApplyReport, applyReportJson, DesiredStateError, applySchemaPath,
} from './index.js';
export type * from './index.js';
