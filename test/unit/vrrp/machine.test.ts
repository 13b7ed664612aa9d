import { VrrpMachine, type MachineAction, type MachineOptions } from '../../../lib/vrrp/state-machine';
import { MACHINE_DEFAULTS } from '../../support/vrrp-fake';

const base = MACHINE_DEFAULTS;
const machine = (over: Partial<MachineOptions> = {}) => new VrrpMachine({ ...base, ...over });
const kinds = (actions: MachineAction[]) => actions.map((a) => (a.kind === 'transition' ? `${a.from}->${a.to}:${a.reason}` : a.kind));
const from = (source: string, priority: number, intervalCs = 100) => ({ source, priority, intervalCs });

describe('timers per RFC 3768 / RFC 5798', () => {
  test.each([
    // version, priority, interval cs, skew ms, master down ms
    [2, 100, 100, 609.375, 3609.375],
    [2, 128, 100, 500, 3500], // keepalived man page example: 3 + 128/256
    [2, 254, 300, 7.8125, 9007.8125], // v2 skew ignores the interval
    [3, 100, 100, 609.375, 3609.375],
    [3, 100, 10, 60.9375, 360.9375], // v3 skew scales with the interval
    [3, 255, 1, 0.0390625, 30.0390625],
  ] as const)('v%i priority %i interval %i cs', (version, priority, intervalCs, skew, down) => {
    const m = machine({ version, priority, intervalCs });
    expect(m.skewMs()).toBeCloseTo(skew, 6);
    expect(m.masterDownMs()).toBeCloseTo(down, 6);
  });

  test('down_timer_adverts replaces the multiplier 3', () => {
    expect(machine({ downTimerAdverts: 5 }).masterDownMs()).toBeCloseTo(5000 + 609.375, 6);
  });
});

describe('startup', () => {
  test('a non-owner starts BACKUP and becomes MASTER when Master_Down_Interval passes silently', () => {
    const m = machine();
    expect(kinds(m.start(0))).toEqual(['INIT->BACKUP:startup']);
    expect(m.deadline()).toBeCloseTo(3609.375);
    expect(m.tick(3609)).toEqual([]);
    expect(kinds(m.tick(3610))).toEqual(['BACKUP->MASTER:master-down-timer', 'start-adverts', 'add-addresses', 'gratuitous']);
    expect(m.state).toBe('MASTER');
  });

  test('the address owner (255) is MASTER at once', () => {
    const m = machine({ priority: 255 });
    const actions = m.start(0);
    expect(kinds(actions)).toEqual(['INIT->MASTER:address-owner', 'start-adverts', 'add-addresses', 'gratuitous']);
    expect(actions[1]).toEqual({ kind: 'start-adverts', priority: 255, intervalCs: 100 });
  });
});

describe('BACKUP receiving adverts', () => {
  test('an equal or higher priority master resets the down timer', () => {
    const m = machine();
    m.start(0);
    m.receive(from('10.0.0.1', 100), 3000);
    expect(m.deadline()).toBeCloseTo(6609.375);
    expect(m.masterAddress).toBe('10.0.0.1');
    m.receive(from('10.0.0.1', 200), 6000);
    expect(m.tick(6700)).toEqual([]);
    expect(m.state).toBe('BACKUP');
  });

  test('priority 0 shortens the wait to Skew_Time (fast handover)', () => {
    const m = machine();
    m.start(0);
    m.receive(from('10.0.0.1', 200), 1000);
    m.receive(from('10.0.0.1', 0), 1500);
    expect(m.deadline()).toBeCloseTo(1500 + 609.375);
    expect(kinds(m.tick(2110))[0]).toBe('BACKUP->MASTER:master-down-timer');
  });

  test('preempt (default): a lower priority master is ignored, so we take over', () => {
    const m = machine({ priority: 150 });
    m.start(0);
    m.receive(from('10.0.0.1', 100), 1000);
    m.receive(from('10.0.0.1', 100), 2000);
    expect(m.deadline()).toBeCloseTo(3000 + (106 * 1000) / 256);
    expect(m.tick(3500)[0]).toMatchObject({ to: 'MASTER' });
  });

  test('nopreempt: a lower priority master keeps us BACKUP', () => {
    const m = machine({ priority: 150, nopreempt: true });
    m.start(0);
    for (let t = 1000; t <= 10000; t += 1000) {
      m.receive(from('10.0.0.1', 100), t);
      expect(m.tick(t)).toEqual([]);
    }
    expect(m.state).toBe('BACKUP');
  });

  test('preempt_delay: a lower priority master is followed until the delay passes, then preempted', () => {
    const m = machine({ priority: 150, preemptDelayMs: 5000 });
    m.start(0);
    // Within the delay (counted from startup) lower adverts are followed.
    m.receive(from('10.0.0.1', 100), 1000);
    m.receive(from('10.0.0.1', 100), 4000);
    const down = 4000 + 3000 + (106 * 1000) / 256;
    expect(m.deadline()).toBeCloseTo(down);
    // Past it they no longer reset the timer, which runs out.
    m.receive(from('10.0.0.1', 100), 6000);
    expect(m.deadline()).toBeCloseTo(down);
    expect(m.tick(down)[0]).toMatchObject({ to: 'MASTER' });
  });

  test('v3 adopts the master\'s interval for its down timer', () => {
    const m = machine({ version: 3, intervalCs: 100 });
    m.start(0);
    m.receive(from('fe80::1', 200, 10), 50);
    expect(m.masterAdverIntervalCs).toBe(10);
    expect(m.deadline()).toBeCloseTo(50 + 300 + (156 * 10 * 10) / 256);
  });
});

describe('MASTER receiving adverts', () => {
  const master = (over: Partial<MachineOptions> = {}) => {
    const m = machine(over);
    m.start(0);
    m.tick(4000);
    return m;
  };

  test('a higher priority advert makes it BACKUP without a priority-0 advert', () => {
    const m = master();
    expect(kinds(m.receive(from('10.0.0.9', 101), 5000))).toEqual(['MASTER->BACKUP:higher-priority-master', 'stop-adverts', 'remove-addresses']);
    expect(m.masterAddress).toBe('10.0.0.9');
  });

  test('equal priority: the higher source address wins', () => {
    expect(master().receive(from('10.0.0.3', 100), 5000)[0]).toMatchObject({ kind: 'transition', to: 'BACKUP' });
    const m = master();
    expect(kinds(m.receive(from('10.0.0.1', 100), 5000))).toEqual(['lower-priority-seen', 'send-advert', 'gratuitous']);
    expect(m.state).toBe('MASTER');
  });

  test('higher_prio_send_advert sends one advert before yielding', () => {
    expect(kinds(master({ higherPrioSendAdvert: true }).receive(from('10.0.0.9', 200), 5000))[0]).toBe('send-advert');
  });

  test('a lower priority advert is answered (split brain), unless lower_prio_no_advert', () => {
    const m = master({ lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0 });
    expect(kinds(m.receive(from('10.0.0.1', 50), 5000))).toEqual(['lower-priority-seen']);
  });

  test('priority 0 from another router is answered at once', () => {
    expect(master().receive(from('10.0.0.1', 0), 5000)).toEqual([{ kind: 'send-advert', priority: 100 }]);
  });
});

describe('gratuitous ARP schedule', () => {
  test('second burst after garp_master_delay; refresh every garp_master_refresh', () => {
    const m = machine({ priority: 255, garpMasterRefreshMs: 60000, garpMasterRefreshRepeat: 2 });
    m.start(0);
    expect(m.deadline()).toBe(5000);
    expect(m.tick(5000)).toEqual([{ kind: 'gratuitous', repeat: 5 }]);
    expect(m.deadline()).toBe(60000);
    expect(m.tick(60000)).toEqual([{ kind: 'gratuitous', repeat: 2 }]);
    expect(m.deadline()).toBe(120000);
  });

  test('garp_extra_if: every period while master, from becoming master; none after leaving it', () => {
    const m = machine({ priority: 255, garpMasterDelayMs: 0, garpExtraIfMs: 2000 });
    m.start(0);
    expect(m.deadline()).toBe(2000);
    expect(m.tick(2000)).toEqual([{ kind: 'gratuitous-extra' }]);
    expect(m.tick(4100)).toEqual([{ kind: 'gratuitous-extra' }]);
    expect(m.deadline()).toBe(6000);
    m.fault();
    expect(m.deadline()).toBeUndefined();
    expect(machine({ priority: 255, garpMasterDelayMs: 0 }).deadline()).toBeUndefined();
  });

  test('garp_extra_if goes with the advert at or after each period, as keepalived checks it when it sends one', () => {
    const m = machine({ priority: 255, garpMasterDelayMs: 0, garpExtraIfMs: 2500, intervalCs: 100 });
    m.start(0);
    expect(m.deadline()).toBe(3000);
    expect(m.tick(3000)).toEqual([{ kind: 'gratuitous-extra' }]);
    expect(m.deadline()).toBe(6000);
  });

  test('garp_master_delay 0 means no second burst', () => {
    const m = machine({ priority: 255, garpMasterDelayMs: 0 });
    m.start(0);
    expect(m.deadline()).toBeUndefined();
  });
});

describe('shutdown', () => {
  test('a master stops adverts, sends priority 0 and removes its addresses', () => {
    const m = machine({ priority: 255 });
    m.start(0);
    expect(m.shutdown()).toEqual([
      { kind: 'transition', from: 'MASTER', to: 'STOPPED', reason: 'shutdown' },
      { kind: 'stop-adverts' },
      { kind: 'send-advert', priority: 0 },
      { kind: 'remove-addresses' },
    ]);
    expect(m.deadline()).toBeUndefined();
    expect(m.shutdown()).toEqual([]);
  });

  test('a backup just stops, and ignores adverts afterwards', () => {
    const m = machine();
    m.start(0);
    expect(kinds(m.shutdown())).toEqual(['BACKUP->STOPPED:shutdown']);
    expect(m.receive(from('10.0.0.1', 200), 10)).toEqual([]);
    expect(m.tick(100000)).toEqual([]);
  });
});
