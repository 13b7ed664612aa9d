// Notify scripts (keepalived's order and arguments, one at a time) and sync
// groups (members move together) with fake members.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { lowerPriorityCall, notifyCalls, NotifyQueue, type NotifyResult } from '../../../lib/vrrp/notify';
import type { TransitionReason, VrrpState } from '../../../lib/vrrp/state-machine';
import { SyncGroup, type SyncMember } from '../../../lib/vrrp/sync-group';

describe('notify commands', () => {
  const scripts = { master: '/bin/echo "a b"', backup: { command: '/bin/true', user: 'nobody', group: 'nogroup' }, notify: '/bin/echo x', masterRxLowerPri: '/bin/false' };

  test("the state's own script first, then notify with TYPE NAME STATE PRIORITY", () => {
    expect(notifyCalls(scripts, 'INSTANCE', 'VI_1', 'MASTER', 150)).toEqual([
      { argv: ['/bin/echo', 'a b'], script: 'master' },
      { argv: ['/bin/echo', 'x', 'INSTANCE', 'VI_1', 'MASTER', '150'], script: 'notify' },
    ]);
    expect(notifyCalls(scripts, 'INSTANCE', 'VI_1', 'BACKUP', 90)[0]).toEqual({ argv: ['/bin/true'], script: 'backup', user: 'nobody', group: 'nogroup' });
    expect(notifyCalls(scripts, 'INSTANCE', 'VI_1', 'FAULT', 90)).toEqual([{ argv: ['/bin/echo', 'x', 'INSTANCE', 'VI_1', 'FAULT', '90'], script: 'notify' }]);
    expect(notifyCalls(undefined, 'INSTANCE', 'VI_1', 'STOP', 90)).toEqual([]);
  });

  test('a group always reports priority 0; notify_master_rx_lower_pri has no arguments appended', () => {
    expect(notifyCalls({ notify: '/bin/echo' }, 'GROUP', 'G', 'STOP', 200)).toEqual([{ argv: ['/bin/echo', 'GROUP', 'G', 'STOP', '0'], script: 'notify' }]);
    expect(lowerPriorityCall(scripts)).toEqual([{ argv: ['/bin/false'], script: 'masterRxLowerPri' }]);
    expect(lowerPriorityCall({})).toEqual([]);
  });

  test('a command whose program is not an executable goes to /bin/sh -c, appended arguments quoted', () => {
    expect(notifyCalls({ notify: 'if true; then echo; fi' }, 'INSTANCE', "it's", 'BACKUP', 5)).toEqual([
      { argv: ['/bin/sh', '-c', `if true; then echo; fi 'INSTANCE' 'it'\\''s' 'BACKUP' '5'`], script: 'notify' },
    ]);
    expect(notifyCalls({ master: 'no-such-program-x' }, 'INSTANCE', 'VI_1', 'MASTER', 5)[0]!.argv).toEqual(['/bin/sh', '-c', 'no-such-program-x']);
  });

  test('queued scripts run one after another in order, each exit status reported', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vrrp-notify-'));
    try {
      const out = path.join(dir, 'out');
      const slow = path.join(dir, 'slow.sh');
      writeFileSync(slow, `#!/bin/sh\nsleep 0.3\necho "slow $*" >> ${out}\nexit 3\n`, { mode: 0o755 });
      const fast = path.join(dir, 'fast.sh');
      writeFileSync(fast, `#!/bin/sh\necho "fast $*" >> ${out}\n`, { mode: 0o755 });
      const results: NotifyResult[] = [];
      const queue = new NotifyQueue(undefined, (r) => results.push(r));
      queue.push(notifyCalls({ master: slow, notify: fast }, 'INSTANCE', 'VI_1', 'MASTER', 100));
      queue.push(notifyCalls({ notify: fast }, 'INSTANCE', 'VI_1', 'BACKUP', 100));
      queue.push([{ argv: [path.join(dir, 'missing')], script: 'fault' }]);
      await queue.drained();
      expect(readFileSync(out, 'utf8')).toBe('slow \nfast INSTANCE VI_1 MASTER 100\nfast INSTANCE VI_1 BACKUP 100\n');
      expect(results.map((r) => r.status ?? r.error)).toEqual([3, 0, 0, expect.stringContaining('ENOENT')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

class FakeMember implements SyncMember {
  state: VrrpState = 'BACKUP';
  wantsMaster = false;
  held: boolean | undefined;
  readonly #onChange: (m: FakeMember, from: VrrpState, to: VrrpState, reason: TransitionReason) => void;

  constructor(readonly name: string, onChange: (m: FakeMember, from: VrrpState, to: VrrpState, reason: TransitionReason) => void) {
    this.#onChange = onChange;
  }
  move(to: VrrpState, reason: TransitionReason): void {
    const from = this.state;
    this.state = to;
    this.wantsMaster = false;
    this.#onChange(this, from, to, reason);
  }
  forceMaster(): void {
    if (this.state === 'BACKUP') this.move('MASTER', 'sync-group');
  }
  forceBackup(): void {
    if (this.state === 'MASTER') this.move('BACKUP', 'sync-group');
  }
  holdMaster(held: boolean): void {
    this.held = held;
  }
}

describe('sync groups', () => {
  function group(n: number) {
    const changes: string[] = [];
    let g: SyncGroup | undefined;
    const members = Array.from({ length: n }, (_, i) =>
      new FakeMember(`VI_${i + 1}`, (_m, from, to, reason) => {
        const c = g?.memberChanged(from, to, reason);
        if (c) changes.push(`${c.from}->${c.to}`);
      }),
    );
    g = new SyncGroup('G', members);
    g.adopt();
    return { g, members, changes };
  }

  test('members are held; the backups take over together only when every member wants to', () => {
    const { g, members, changes } = group(2);
    expect(members.map((m) => m.held)).toEqual([true, true]);
    expect(g.state).toBe('BACKUP');
    members[0]!.wantsMaster = true;
    expect(g.memberWantsMaster()).toBeUndefined();
    expect(members.map((m) => m.state)).toEqual(['BACKUP', 'BACKUP']);
    members[1]!.wantsMaster = true;
    expect(g.memberWantsMaster()).toEqual({ from: 'BACKUP', to: 'MASTER' });
    expect(members.map((m) => m.state)).toEqual(['MASTER', 'MASTER']);
    expect(changes).toEqual([]);
  });

  test('a member yielding to a higher priority takes the others to BACKUP', () => {
    const { g, members, changes } = group(3);
    for (const m of members) m.state = 'MASTER';
    g.adopt();
    members[1]!.move('BACKUP', 'higher-priority-master');
    expect(members.map((m) => m.state)).toEqual(['BACKUP', 'BACKUP', 'BACKUP']);
    expect(changes).toEqual(['MASTER->BACKUP']);
  });

  test('an owner becoming MASTER on its own brings the others; FAULT of one is the group FAULT', () => {
    const { members, changes } = group(2);
    members[0]!.move('MASTER', 'address-owner');
    expect(members[1]!.state).toBe('MASTER');
    members[1]!.move('FAULT', 'fault');
    expect(changes).toEqual(['BACKUP->MASTER', 'MASTER->FAULT']);
  });

  test('a group of one holds nothing', () => {
    const { members } = group(1);
    expect(members[0]!.held).toBe(false);
  });
});
