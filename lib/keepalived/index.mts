/**
 * The ES module entry of `ipvs/keepalived`: the CommonJS build re-exported,
 * as `ipvs` itself does (see `../index.mts`); test/unit/package.test.ts
 * fails when the names differ from index.ts's.
 * @module
 */
export { toHealthConfig, toVrrpConfig, readKeepalivedConfig, checkConfig, configTestStatus, defaultConfigId, formatDiagnostic, NOT_SUPPORTED_YET } from './index.js';
export type * from './index.js';
