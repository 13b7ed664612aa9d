// The machine's tracking side: FAULT in and out, the effective priority that
// weights move, and the hold a sync group puts on becoming master.
import { VrrpMachine, type MachineAction, type MachineOptions } from '../../../lib/vrrp/state-machine';
import { MACHINE_DEFAULTS } from '../../support/vrrp-fake';

const base: MachineOptions = {
  ...MACHINE_DEFAULTS,
  garpMasterDelayMs: 0,
  garpMasterRepeat: 1,
  garpLowerPrioDelayMs: 0,
  garpLowerPrioRepeat: 0,
};
const machine = (over: Partial<MachineOptions> = {}) => new VrrpMachine({ ...base, ...over });
const kinds = (actions: MachineAction[]) => actions.map((a) => (a.kind === 'transition' ? `${a.from}->${a.to}:${a.reason}` : a.kind));
const from = (source: string, priority: number) => ({ source, priority, intervalCs: 100 });

function master(over: Partial<MachineOptions> = {}): VrrpMachine {
  const m = machine(over);
  m.start(0);
  m.tick(10_000);
  expect(m.state).toBe('MASTER');
  return m;
}

describe('FAULT', () => {
  test('a master entering FAULT stops adverts, sends priority 0 and removes its addresses', () => {
    const m = master();
    const actions = m.fault();
    expect(kinds(actions)).toEqual(['MASTER->FAULT:fault', 'stop-adverts', 'send-advert', 'remove-addresses']);
    expect(actions[2]).toEqual({ kind: 'send-advert', priority: 0 });
    expect(m.deadline()).toBeUndefined();
  });

  test('a backup in FAULT ignores adverts and silence; leaving FAULT goes to BACKUP with a fresh down timer', () => {
    const m = machine();
    m.start(0);
    expect(kinds(m.fault())).toEqual(['BACKUP->FAULT:fault']);
    expect(m.receive(from('10.0.0.1', 50), 100)).toEqual([]);
    expect(m.tick(100_000)).toEqual([]);
    expect(m.state).toBe('FAULT');
    expect(kinds(m.recover(200_000))).toEqual(['FAULT->BACKUP:fault-cleared']);
    expect(m.deadline()).toBeCloseTo(200_000 + 3609.375);
    expect(kinds(m.tick(204_000))).toContain('BACKUP->MASTER:master-down-timer');
  });

  test('a fault before start makes start enter FAULT; repeated faults and recoveries are idempotent', () => {
    const m = machine();
    expect(m.fault()).toEqual([]);
    expect(kinds(m.start(0))).toEqual(['INIT->FAULT:fault']);
    expect(m.fault()).toEqual([]);
    expect(kinds(m.recover(5))).toEqual(['FAULT->BACKUP:fault-cleared']);
    expect(m.recover(6)).toEqual([]);
  });

  test('the address owner leaving FAULT is MASTER at once', () => {
    const m = machine({ priority: 255 });
    m.start(0);
    m.fault();
    expect(kinds(m.recover(1))).toEqual(['FAULT->MASTER:fault-cleared', 'start-adverts', 'add-addresses', 'gratuitous']);
  });

  test('shutdown from FAULT sends nothing', () => {
    const m = machine();
    m.start(0);
    m.fault();
    expect(kinds(m.shutdown())).toEqual(['FAULT->STOPPED:shutdown']);
  });
});

describe('INIT hold', () => {
  test('start waits while tracking has no verdict, then happens on release', () => {
    const m = machine();
    expect(m.holdInit(true, 0)).toEqual([]);
    expect(m.start(0)).toEqual([]);
    expect(m.state).toBe('INIT');
    expect(m.deadline()).toBeUndefined();
    expect(kinds(m.holdInit(false, 500))).toEqual(['INIT->BACKUP:startup']);
    expect(m.deadline()).toBeCloseTo(500 + 3609.375);
    expect(m.holdInit(false, 600)).toEqual([]);
  });

  test('a verdict of failure leaves INIT straight for FAULT', () => {
    const m = machine();
    m.holdInit(true, 0);
    m.start(0);
    m.fault();
    expect(kinds(m.holdInit(false, 10))).toEqual(['INIT->FAULT:fault']);
  });

  test('released before start, start runs as usual', () => {
    const m = machine();
    m.holdInit(true, 0);
    expect(m.holdInit(false, 1)).toEqual([]);
    expect(kinds(m.start(2))).toEqual(['INIT->BACKUP:startup']);
  });
});

describe('effective priority', () => {
  test('a master advertises a changed priority at once and loses to a backup that now outranks it', () => {
    const m = master();
    expect(m.setPriority(80, 10_000)).toEqual([{ kind: 'start-adverts', priority: 80, intervalCs: 100 }]);
    expect(m.effectivePriority).toBe(80);
    // A backup at 90 ignores our 80-priority adverts and takes over; its advert makes us yield.
    expect(kinds(m.receive(from('10.0.0.3', 90), 13_000))).toEqual(['MASTER->BACKUP:higher-priority-master', 'stop-adverts', 'remove-addresses']);
  });

  test('a raised master answers a lower-priority advert instead of yielding', () => {
    const m = master();
    m.setPriority(120, 10_000);
    expect(kinds(m.receive(from('10.0.0.3', 110), 10_500))).toEqual(['lower-priority-seen', 'send-advert']);
    expect(m.state).toBe('MASTER');
  });

  test('a backup whose priority rises above the master ignores its adverts and preempts', () => {
    const m = machine();
    m.start(0);
    m.receive(from('10.0.0.1', 110), 1000);
    m.setPriority(120, 1500);
    m.receive(from('10.0.0.1', 110), 2000);
    expect(kinds(m.tick(1000 + 3000 + 600))).toContain('BACKUP->MASTER:master-down-timer');
  });

  test("a backup's down timer moves with the new Skew_Time", () => {
    const m = machine();
    m.start(0);
    m.setPriority(228, 100);
    // Skew (256-228)/256 s = 109.375 ms instead of 609.375 ms.
    expect(m.deadline()).toBeCloseTo(3109.375);
    expect(m.skewMs()).toBeCloseTo(109.375);
  });

  test('the owner (255) keeps 255 whatever tracking says; an unchanged priority is no action', () => {
    const owner = master({ priority: 255 });
    expect(owner.setPriority(100, 1)).toEqual([]);
    expect(owner.effectivePriority).toBe(255);
    const m = master();
    expect(m.setPriority(100, 1)).toEqual([]);
  });
});

describe('sync-group hold', () => {
  test('held, Master_Down expiry asks instead of taking over; forceMaster takes over', () => {
    const m = machine();
    m.holdMaster(true, 0);
    m.start(0);
    expect(kinds(m.tick(4000))).toEqual(['want-master']);
    expect(m.state).toBe('BACKUP');
    expect(m.wantsMaster).toBe(true);
    expect(m.deadline()).toBeUndefined();
    expect(kinds(m.forceMaster(4100))).toEqual(['BACKUP->MASTER:sync-group', 'start-adverts', 'add-addresses', 'gratuitous']);
    expect(m.wantsMaster).toBe(false);
  });

  test('an advert from a live master withdraws the wish', () => {
    const m = machine();
    m.holdMaster(true, 0);
    m.start(0);
    m.tick(4000);
    m.receive(from('10.0.0.1', 150), 4100);
    expect(m.wantsMaster).toBe(false);
    expect(m.deadline()).toBeCloseTo(4100 + 3609.375);
  });

  test('forceBackup makes a master a backup with its down timer armed; other states ignore both', () => {
    const m = master();
    expect(kinds(m.forceBackup(10_000))).toEqual(['MASTER->BACKUP:sync-group', 'stop-adverts', 'remove-addresses']);
    expect(m.deadline()).toBeCloseTo(13_609.375);
    expect(m.forceBackup(10_001)).toEqual([]);
    m.fault();
    expect(m.forceMaster(10_002)).toEqual([]);
  });
});
