// reload_time_file's time formats and its schedule, as keepalived 2.2.7 reads
// them (its lines recorded from a run in a network namespace).
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkConfig } from '../../../lib/keepalived';
import { ReloadSchedule, parseReloadTime } from '../../../lib/keepalived/daemon/reload-schedule';
import type { GlobalDefs } from '../../../lib/keepalived/reader/model';
import { until } from '../../support/health';

const now = new Date(Date.UTC(2026, 11, 7, 11, 30, 0));
const utc = (text: string) => {
  const t = parseReloadTime(text, now);
  return 'at' in t ? t.at.toISOString() : t.complaints;
};

describe('parseReloadTime', () => {
  test.each([
    ['11:30:05Z', '2026-12-07T11:30:05.000Z'],
    // A time already gone today is tomorrow's.
    ['11:29:59Z', '2026-12-08T11:29:59.000Z'],
    ['11:30:00Z', '2026-12-08T11:30:00.000Z'],
    ['2026-12-07 12:00:00Z', '2026-12-07T12:00:00.000Z'],
    ['26-12-31 23:59:59Z', '2026-12-31T23:59:59.000Z'],
    ['68-01-01 00:00:00Z', '2068-01-01T00:00:00.000Z'],
  ])('%s is %s', (text, at) => expect(utc(text)).toBe(at));

  test('a two-digit year from 69 is 19YY, as strptime\'s %y: in the past', () => {
    expect(utc('99-01-01 00:00:00Z')).toEqual(['Reload time 99-01-01 00:00:00Z is in the past - ignoring', 'Reload date/time is in the past - ignoring']);
  });

  test('a date and time already past is refused with keepalived\'s two lines', () => {
    expect(utc('2026-12-07 11:29:00Z')).toEqual(['Reload time 2026-12-07 11:29:00Z is in the past - ignoring', 'Reload date/time is in the past - ignoring']);
  });

  test.each(['soon', '1:30:00', '11:30', '11:30:00 ', ' 11:30:00', '2026-12-07  11:30:00', '24:00:00', '11:60:00', '2026-13-01 00:00:00', '11:30:00z'])(
    '%j is not a reload time',
    (text) => expect(utc(text)).toEqual([`Reload time ${text} format is incorrect - ignoring`, `Invalid reload time '${text}' specified - ignoring`]),
  );

  test('without Z the time is local', () => {
    const t = parseReloadTime('2027-01-02 03:04:05', now);
    expect('at' in t && [t.at.getFullYear(), t.at.getMonth(), t.at.getDate(), t.at.getHours(), t.at.getMinutes(), t.at.getSeconds()]).toEqual([2027, 0, 2, 3, 4, 5]);
  });
});

describe('ReloadSchedule', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'reload-schedule-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const global = (file: string, repeat = false) => ({ reloadTimeFile: file, reloadRepeat: repeat }) as unknown as GlobalDefs;
  const stamp = (at: Date) => at.toISOString().slice(0, 19).replace('T', ' ') + 'Z';

  test('a write schedules, a deletion cancels with keepalived\'s line; at the time it reloads and deletes the file unless reload_repeat', async () => {
    const file = path.join(dir, 'when');
    const logged: string[] = [];
    let reloads = 0;
    const schedule = new ReloadSchedule(() => reloads++, (_level, message) => logged.push(message));
    try {
      schedule.follow(global(file));
      writeFileSync(file, stamp(new Date(Date.now() + 3_600_000)));
      await until(() => schedule.due, (d) => d !== undefined, 'scheduled');
      rmSync(file);
      await until(() => logged, (l) => l.some((m) => m.startsWith('Cancelling reload scheduled for ')), 'cancelled');
      expect(schedule.due).toBeUndefined();
      writeFileSync(file, stamp(new Date(Date.now() + 1000)));
      await until(() => reloads, (n) => n === 1, 'reload');
      expect(existsSync(file)).toBe(false);

      schedule.follow(global(file, true));
      writeFileSync(file, stamp(new Date(Date.now() + 1000)));
      await until(() => reloads, (n) => n === 2, 'repeated reload');
      expect(existsSync(file)).toBe(true);
      expect(logged.filter((m) => m.startsWith('Scheduling reload for '))).toHaveLength(3);
    } finally {
      schedule.close();
    }
  });

  test('a missing directory schedules nothing and says so once', () => {
    const logged: string[] = [];
    const schedule = new ReloadSchedule(() => undefined, (_level, message) => logged.push(message));
    schedule.follow(global(path.join(dir, 'none', 'when')));
    expect(logged).toEqual(['reload_time_file cannot be watched: no reload will be scheduled until the next reading']);
    schedule.close();
  });
});

describe('the keywords as keepalived 2.2.7 reads them', () => {
  const read = (body: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reload-keywords-'));
    try {
      writeFileSync(path.join(dir, 'k.conf'), `global_defs {\n${body}\n}\n`);
      const r = checkConfig(path.join(dir, 'k.conf'));
      const { reloadFile, reloadTimeFile, reloadRepeat } = r.config.global;
      return { status: r.exitCode, messages: r.diagnostics.map((d) => d.message), reloadFile, reloadTimeFile, reloadRepeat };
    } finally {
      rmSync(dir, { recursive: true });
    }
  };

  test.each([
    ['reload_file', { status: 0, messages: [], reloadFile: '/run/keepalived.reload', reloadTimeFile: undefined, reloadRepeat: false }],
    ['reload_file /a /b', { status: 0, messages: [], reloadFile: '/a', reloadTimeFile: undefined, reloadRepeat: false }],
    ['reload_time_file relative/when\nreload_repeat yes', { status: 0, messages: [], reloadFile: undefined, reloadTimeFile: 'relative/when', reloadRepeat: true }],
    ['reload_time_file', { status: 5, messages: ['reload_time_file invalid'], reloadFile: undefined, reloadTimeFile: undefined, reloadRepeat: false }],
    ['reload_time_file /a b', { status: 5, messages: ['reload_time_file invalid'], reloadFile: undefined, reloadTimeFile: undefined, reloadRepeat: false }],
  ])('%j', (body, expected) => expect(read(body)).toEqual(expected));
});
