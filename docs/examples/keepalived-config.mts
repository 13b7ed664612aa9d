/**
 * The sample of docs/keepalived-config.md: reading a keepalived.conf and
 * checking it as `keepalived -t` does.
 */
// #region read
import { checkConfig, readKeepalivedConfig, formatDiagnostic } from 'ipvs/keepalived';

const { config } = readKeepalivedConfig('/etc/keepalived/keepalived.conf', { configId: 'lb1' });
for (const vs of config.virtualServers) console.log(vs.key, vs.source, vs.realServers.map((r) => r.address));

const verdict = checkConfig('/etc/keepalived/keepalived.conf');   // like `keepalived -t`
for (const d of verdict.diagnostics) console.error(formatDiagnostic(d)); // "(file: Line N) message"
process.exitCode = verdict.exitCode;                                   // 0, 2, 4, 5 or 6
// #endregion
