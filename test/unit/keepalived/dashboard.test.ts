// dashboards/ipvs-keepalived.json queries only metrics the daemon exports:
// the names come from a running daemon's GET /metrics (checker half, on the
// fake kernel) and from a running VRRP router's metrics(), not from a list.
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CliContext } from '../../../lib/cli/context';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import { VrrpRouter } from '../../../lib/vrrp/router';
import { withFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';

// The VRRP router, on the real addon: opened before the fake kernel replaces it.
let vrrpText: string;
beforeAll(async () => {
  const router = VrrpRouter.open({ instances: [], scripts: [], trackFiles: [], syncGroups: [] });
  vrrpText = router.metrics();
  await router.close();
});
const fake = withFakeIpvs();
const DASHBOARD = path.resolve(__dirname, '../../../../dashboards/ipvs-keepalived.json');

interface Target { expr: string }
interface Panel { type: string; title: string; targets?: Target[]; panels?: Panel[] }
interface Dashboard { panels: Panel[]; templating: { list: { type: string; query: string | { query: string } }[] } }

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const panels = (list: readonly Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression reads (label matchers, ranges, grouping labels and functions left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w$:])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase())))];
}

/** The `# TYPE` names of a Prometheus text exposition. */
const exposed = (text: string): string[] => [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);

function get(port: number, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

let exported: Set<string>;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipvs-dashboard-'));
  const conf = path.join(dir, 'keepalived.conf');
  writeFileSync(conf, 'virtual_server 10.0.0.13 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.1.0.4 80 {\n    weight 1\n  }\n}\n');
  const err: string[] = [];
  const context: CliContext = { stdout: () => undefined, stderr: (t) => void err.push(t), readStdin: async () => '', openIpvs: async () => fake.ipvs };
  const signals = new EventEmitter();
  const running = runKeepalived(['-C', '-f', conf, '--status-listen', '127.0.0.1:0'], context, signals);
  const lines = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const ready = await until(lines, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const port = ready.find((x) => x.message === 'status listener ready')!.port as number;
  const daemonText = await get(port, '/metrics');
  signals.emit('SIGTERM');
  await running;
  rmSync(dir, { recursive: true, force: true });
  exported = new Set([...exposed(daemonText), ...exposed(vrrpText)]);
});

test('the name extraction finds what a query reads', () => {
  expect(metricNames('sum by (a, b) (rate(x_total{a=~"$v",b="c"}[$__rate_interval])) / on (a) y or vector(0)').sort()).toEqual(['x_total', 'y']);
});

test('the daemon exports both halves\' metrics', () => {
  expect(exported).toContain('ipvs_keepalived_real_server_up');
  expect(exported).toContain('vrrp_state');
});

test('every panel query and variable reads only exported metrics', () => {
  const queries = [
    ...panels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr] as const)),
    ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      return ['variable', q.replace(/^label_values\((.*),\s*\w+\)$/, '$1')] as const;
    }),
  ];
  expect(queries.length).toBeGreaterThan(10);
  const unknown = queries.flatMap(([where, expr]) => metricNames(expr).filter((n) => !exported.has(n)).map((n) => `${where}: ${n}`));
  expect(unknown).toEqual([]);
});

test('every panel but rows queries a metric, and every checker metric has a panel', () => {
  const shown = panels(dashboard.panels).filter((p) => p.type !== 'row');
  for (const p of shown) expect([p.title, p.targets?.flatMap((t) => metricNames(t.expr)).length ?? 0]).not.toEqual([p.title, 0]);
  const used = new Set(shown.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))));
  expect([...exported].filter((n) => n.startsWith('ipvs_keepalived_') && !used.has(n))).toEqual([]);
});
