/**
 * `enable_dbus`: keepalived 2.2.7's D-Bus interface of the VRRP half, on
 * the system bus (DBUS_SYSTEM_BUS_ADDRESS, else
 * unix:path=/run/dbus/system_bus_socket), under the name
 * `dbus_service_name` (org.keepalived.Vrrp1 by default). As measured on
 * keepalived 2.2.7 (built with GDBus):
 *
 * - /org/keepalived/Vrrp1/Vrrp has org.keepalived.Vrrp1.Vrrp: PrintData,
 *   PrintStats, PrintStatsClear, ReloadConfig; signals VrrpStarted,
 *   VrrpReloaded, VrrpStopped.
 * - each instance is /org/keepalived/Vrrp1/Instance/IFNAME/VRID/IPv4|IPv6
 *   (IFNAME with every character but letters, digits and `_` made `_`) with
 *   org.keepalived.Vrrp1.Instance: SendGarp, signal VrrpStatusChange(u),
 *   read-only properties Name (introspected s, sent as (s)) and State
 *   (us): 0 Init, 1 Backup, 2 Master, 3 Fault.
 * - on connecting: "Acquired DBus bus NAME", VrrpStarted, then each
 *   instance's VrrpStatusChange with its state, then RequestName (flags 0):
 *   "Acquired the name NAME on the session bus", or "Lost the name NAME on
 *   the session bus" when it is queued behind another owner or the bus
 *   cannot be reached (the daemon runs on without D-Bus).
 * - each transition: VrrpStatusChange; a reload: VrrpStatusChange(3) for
 *   each instance it removes ("Deleted DBus object for instance NAME"),
 *   VrrpReloaded, then the added instances' objects and signals; stopping:
 *   VrrpStatusChange(98) for each instance, VrrpStopped, ReleaseName,
 *   "Released DBus".
 * - org.freedesktop.DBus.Introspectable/Properties/Peer with GDBus's
 *   answers and error texts.
 * @module
 */
import { readFileSync } from 'node:fs';
import { DbusConnection, MESSAGE, type DbusMessage, type DbusValue } from './dbus-wire';
import type { LogLine } from './log';

/** The bus keepalived uses when DBUS_SYSTEM_BUS_ADDRESS is not set. */
export const SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';
/** keepalived's name on the bus when `dbus_service_name` is not set. */
export const DEFAULT_SERVICE_NAME = 'org.keepalived.Vrrp1';

const VRRP_PATH = '/org/keepalived/Vrrp1/Vrrp';
const VRRP_IFACE = 'org.keepalived.Vrrp1.Vrrp';
const INSTANCE_IFACE = 'org.keepalived.Vrrp1.Instance';
const PROPERTIES = 'org.freedesktop.DBus.Properties';
const INTROSPECTABLE = 'org.freedesktop.DBus.Introspectable';
const PEER = 'org.freedesktop.DBus.Peer';
const UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod';
const INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs';

/** keepalived's numbers of the states (VrrpStatusChange and State). */
const STATE_CODE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOPPED: 98 };
const STATE_NAME: Record<number, string> = { 0: 'Init', 1: 'Backup', 2: 'Master', 3: 'Fault' };

/** What a VRRP instance's object is made of. */
export interface DbusInstance {
  name: string;
  interface: string;
  virtualRouterId: number;
  family: 4 | 6;
}

/** The D-Bus settings of a configuration: `enable_dbus` and `dbus_service_name`. */
export interface DbusSettings {
  address: string;
  serviceName: string;
}

/** What the interface does for its methods, and where it reads states. */
export interface VrrpDbusOptions extends DbusSettings {
  log: LogLine;
  /** An instance's state now (INIT, BACKUP, MASTER, FAULT), for the State property. */
  state(instance: string): string | undefined;
  /** PrintData: the state written as SIGUSR2 writes it. */
  printData(): void;
  /** PrintStats / PrintStatsClear: the state written, then the VRRP statistics cleared with `clear`. */
  printStats(clear: boolean): void;
  /** ReloadConfig: a reload as SIGHUP's. */
  reload(): void;
  /** SendGarp: one gratuitous ARP / unsolicited NA per address of a master `instance`. */
  sendGarp(instance: string): void;
  /** Opens the bus connection (tests stand in for it). */
  connect?: (address: string) => Promise<DbusConnection>;
  /** How long RequestName waits for the bus (25 s, as GDBus, unless told). */
  callTimeoutMs?: number;
}

/** How long stop gives the bus to answer ReleaseName and close before the socket is destroyed. */
export const STOP_TIMEOUT_MS = 1000;

/** An instance's object path, spelt as keepalived spells it. */
export function instancePath(i: DbusInstance): string {
  return `/org/keepalived/Vrrp1/Instance/${i.interface.replace(/[^A-Za-z0-9_]/g, '_')}/${i.virtualRouterId}/IPv${i.family}`;
}

/** The D-Bus settings of `global_defs`' other keywords, or undefined without `enable_dbus`. */
export function dbusSettings(
  other: readonly { keyword: string; args: readonly string[] }[], env: NodeJS.ProcessEnv = process.env,
): DbusSettings | undefined {
  if (!other.some((k) => k.keyword === 'enable_dbus')) return undefined;
  const named = other.filter((k) => k.keyword === 'dbus_service_name').at(-1)?.args[0];
  return { address: env.DBUS_SYSTEM_BUS_ADDRESS || SYSTEM_BUS, serviceName: named ?? DEFAULT_SERVICE_NAME };
}

const DOCTYPE = '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n'
  + '                      "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n';

/** An `<arg>` line of GDBus's XML. */
const arg = (type: string, name: string, direction?: 'in' | 'out') => `      <arg type="${type}" name="${name}"${direction ? ` direction="${direction}"` : ''}/>\n`;
const method = (name: string, ...args: string[]) => `    <method name="${name}">\n${args.join('')}    </method>\n`;

/** The standard interfaces GDBus adds to every object, as it writes them. */
const STANDARD_XML = '  <interface name="org.freedesktop.DBus.Properties">\n'
  + method('Get', arg('s', 'interface_name', 'in'), arg('s', 'property_name', 'in'), arg('v', 'value', 'out'))
  + method('GetAll', arg('s', 'interface_name', 'in'), arg('a{sv}', 'properties', 'out'))
  + method('Set', arg('s', 'interface_name', 'in'), arg('s', 'property_name', 'in'), arg('v', 'value', 'in'))
  + `    <signal name="PropertiesChanged">\n${arg('s', 'interface_name')}${arg('a{sv}', 'changed_properties')}${arg('as', 'invalidated_properties')}    </signal>\n`
  + '  </interface>\n  <interface name="org.freedesktop.DBus.Introspectable">\n'
  + method('Introspect', arg('s', 'xml_data', 'out'))
  + '  </interface>\n  <interface name="org.freedesktop.DBus.Peer">\n    <method name="Ping"/>\n'
  + method('GetMachineId', arg('s', 'machine_uuid', 'out'))
  + '  </interface>\n';

const emptySignal = (name: string) => `    <signal name="${name}">\n    </signal>\n`;

const VRRP_XML = `  <interface name="${VRRP_IFACE}">\n${['PrintData', 'PrintStats', 'PrintStatsClear', 'ReloadConfig'].map((m) => method(m)).join('')}`
  + `${['VrrpStarted', 'VrrpReloaded', 'VrrpStopped'].map(emptySignal).join('')}  </interface>\n`;

const INSTANCE_XML = `  <interface name="${INSTANCE_IFACE}">\n${method('SendGarp')}`
  + '    <signal name="VrrpStatusChange">\n      <arg type="u" name="status">\n      </arg>\n    </signal>\n'
  + '    <property type="s" name="Name" access="read">\n    </property>\n'
  + '    <property type="(us)" name="State" access="read">\n    </property>\n  </interface>\n';

/** One object: its interface and, for an instance, which. */
interface DbusObject {
  iface: string;
  methods: readonly string[];
  instance?: DbusInstance;
}

/** The machine id GDBus answers GetMachineId with. */
function machineId(): string {
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(file, 'utf8').trim();
      if (id) return id;
    } catch {
      // the next one
    }
  }
  return '';
}

/**
 * The interface on one bus connection. {@link VrrpDbus.open} never fails:
 * a bus that cannot be reached is logged as keepalived logs it and the
 * daemon runs without.
 */
export class VrrpDbus {
  readonly #options: VrrpDbusOptions;
  #connection: DbusConnection | undefined;
  /** Objects by path, in the order registered (Introspect lists children so). */
  readonly #objects = new Map<string, DbusObject>();
  /** Instance name → its path. */
  readonly #paths = new Map<string, string>();
  /** The last code signalled per instance. */
  readonly #signalled = new Map<string, number>();
  #owner = false;
  /** During a reload: the instances it adds, and their signals held until VrrpReloaded. */
  #adding: { instances: DbusInstance[]; held: [string, number][] } | undefined;
  /** Connecting: settles once connected (objects published) or failed. */
  #connecting: Promise<void> | undefined;
  /** RequestName, once connected: settles with its answer, an error or a timeout. */
  #naming: Promise<void> | undefined;
  #stopped = false;
  /** Aborts a connect still under way when stop cannot wait for it. */
  readonly #abort = new AbortController();

  private constructor(options: VrrpDbusOptions) {
    this.#options = options;
  }

  /**
   * The interface, connecting in the background: nothing waits on the bus.
   * Transitions before the connection is up are published as the current
   * state once it is.
   */
  static start(options: VrrpDbusOptions, instances: readonly DbusInstance[]): VrrpDbus {
    const dbus = new VrrpDbus(options);
    dbus.#register(VRRP_PATH, { iface: VRRP_IFACE, methods: ['PrintData', 'PrintStats', 'PrintStatsClear', 'ReloadConfig'] });
    for (const i of instances) dbus.#registerInstance(i);
    dbus.#connecting = dbus.#connect();
    return dbus;
  }

  /** {@link VrrpDbus.start}, settling once connected and RequestName answered (or failed, or timed out). */
  static async open(options: VrrpDbusOptions, instances: readonly DbusInstance[]): Promise<VrrpDbus> {
    const dbus = VrrpDbus.start(options, instances);
    await dbus.ready();
    return dbus;
  }

  /** Settles once connected and RequestName answered, or the attempt failed. */
  async ready(): Promise<void> {
    await this.#connecting;
    await this.#naming;
  }

  /** Whether there is no connection and none coming: the bus could not be reached, or went away. */
  get closed(): boolean {
    return this.#connecting === undefined && (this.#connection === undefined || this.#connection.closed);
  }

  #register(path: string, o: DbusObject): void {
    this.#objects.set(path, o);
  }

  #registerInstance(i: DbusInstance): void {
    const path = instancePath(i);
    this.#paths.set(i.name, path);
    this.#register(path, { iface: INSTANCE_IFACE, methods: ['SendGarp'], instance: i });
  }

  #unregisterInstance(name: string): void {
    const path = this.#paths.get(name);
    if (path === undefined) return;
    this.#paths.delete(name);
    this.#objects.delete(path);
    this.#signalled.delete(name);
  }

  async #connect(): Promise<void> {
    const { log, serviceName, address } = this.#options;
    let connection: DbusConnection;
    try {
      const signal = this.#abort.signal;
      connection = await (this.#options.connect ?? ((a: string) => DbusConnection.connect(a, { signal })))(address);
    } catch (e) {
      this.#connecting = undefined;
      if (!this.#stopped) log('warning', `Lost the name ${serviceName} on the session bus`, { address, error: (e as Error).message });
      return;
    }
    this.#connecting = undefined;
    if (this.#stopped) {
      // Stopped while connecting: the connection is not wanted any more.
      connection.destroy();
      return;
    }
    this.#connection = connection;
    connection.on('message', (m) => this.#message(m));
    connection.on('error', (e) => log('error', 'D-Bus message handling failed', { error: e.message }));
    connection.on('close', (error) => {
      this.#connection = undefined;
      if (error) log('warning', `Lost the name ${serviceName} on the session bus`, { error: error.message });
    });
    log('info', `Acquired DBus bus ${serviceName}`, { uniqueName: connection.uniqueName, address });
    this.#signal(VRRP_PATH, VRRP_IFACE, 'VrrpStarted');
    for (const name of this.#paths.keys()) {
      const code = STATE_CODE[this.#options.state(name) ?? ''];
      if (code !== undefined) this.#status(name, code);
    }
    this.#naming = this.#requestName(connection);
  }

  async #requestName(connection: DbusConnection): Promise<void> {
    const { serviceName, callTimeoutMs } = this.#options;
    try {
      const reply = await connection.call({
        path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', destination: 'org.freedesktop.DBus', member: 'RequestName', signature: 'su', body: [serviceName, 0],
      }, callTimeoutMs !== undefined ? { timeoutMs: callTimeoutMs } : {});
      if (this.#stopped) return;
      // 1: primary owner, 4: already it; 2: queued, 3: exists.
      if (reply.body[0] === 1 || reply.body[0] === 4) this.#acquired();
      else this.#lost({ reply: reply.body[0] });
    } catch (e) {
      if (!this.#stopped) this.#lost({ error: (e as Error).message });
    }
  }

  #acquired(): void {
    if (this.#owner) return;
    this.#owner = true;
    this.#options.log('info', `Acquired the name ${this.#options.serviceName} on the session bus`);
  }

  #lost(fields: Record<string, unknown> = {}): void {
    this.#owner = false;
    this.#options.log('warning', `Lost the name ${this.#options.serviceName} on the session bus`, fields);
  }

  /** Whether the name is owned now. */
  get owner(): boolean {
    return this.#owner;
  }

  #signal(path: string, iface: string, member: string, signature = '', body: DbusValue[] = []): void {
    const c = this.#connection;
    if (!c || c.closed) return;
    c.signal(path, iface, member, signature, body);
  }

  #status(name: string, code: number): void {
    const path = this.#paths.get(name);
    if (path === undefined) return;
    this.#signalled.set(name, code);
    this.#signal(path, INSTANCE_IFACE, 'VrrpStatusChange', 'u', [code]);
  }

  /**
   * An instance's transition. An instance a reload removes says FAULT (3)
   * and its object goes; one stopping says 98.
   */
  transition(name: string, to: string, deleted?: string): void {
    if (deleted !== undefined) {
      if (!this.#paths.has(name)) return;
      this.#status(name, STATE_CODE.FAULT!);
      this.#deleted(name);
      return;
    }
    const code = STATE_CODE[to];
    // An instance a reload restarts is not said to stop: keepalived's reload keeps its instances.
    if (code === undefined || (to === 'STOPPED' && this.#adding)) return;
    const held = this.#adding;
    if (held && held.instances.some((i) => i.name === name)) {
      held.held.push([name, code]);
      return;
    }
    this.#status(name, code);
  }

  #deleted(name: string): void {
    this.#unregisterInstance(name);
    this.#options.log('info', `Deleted DBus object for instance ${name}`);
  }

  /** A reload begins with these instances: those new to it have their objects after VrrpReloaded. */
  beginReload(instances: readonly DbusInstance[]): void {
    const adding = instances.filter((i) => this.#paths.get(i.name) !== instancePath(i));
    this.#adding = { instances: adding, held: [] };
  }

  /**
   * The reload is done: the instances it removed go (FAULT), VrrpReloaded,
   * then the new ones' objects and what they said meanwhile.
   */
  endReload(instances: readonly DbusInstance[]): void {
    const adding = this.#adding;
    this.#adding = undefined;
    const keep = new Set(instances.map((i) => instancePath(i)));
    for (const [name, path] of [...this.#paths]) {
      if (keep.has(path)) continue;
      if (instances.some((i) => i.name === name)) this.#unregisterInstance(name);
      else this.transition(name, 'FAULT', 'FAULT');
    }
    this.#signal(VRRP_PATH, VRRP_IFACE, 'VrrpReloaded');
    for (const i of instances) if (!this.#paths.has(i.name)) this.#registerInstance(i);
    for (const [name, code] of adding?.held ?? []) this.#status(name, code);
  }

  /**
   * Stopping: 98 from each instance not yet stopped, VrrpStopped, the name
   * released, "Released DBus". A bus that does not answer is given
   * {@link STOP_TIMEOUT_MS} in all (to connect, to release the name and to
   * close), then the socket is destroyed.
   */
  async stop(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_TIMEOUT_MS);
    });
    try {
      // A connection still coming is waited for within the deadline (then stopped as any), and dropped when it comes later.
      if (this.#connecting) await Promise.race([this.#connecting, deadline]);
      this.#stopped = true;
      if (this.#connecting) this.#abort.abort();
      for (const name of this.#paths.keys()) if (this.#signalled.get(name) !== STATE_CODE.STOPPED) this.#status(name, STATE_CODE.STOPPED!);
      this.#signal(VRRP_PATH, VRRP_IFACE, 'VrrpStopped');
      const c = this.#connection;
      this.#connection = undefined;
      if (c && !c.closed) {
        c.removeAllListeners('close');
        const released = (async () => {
          await c.call({ path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', destination: 'org.freedesktop.DBus', member: 'ReleaseName', signature: 's', body: [this.#options.serviceName] })
            .catch(() => undefined);
          await c.close();
        })();
        await Promise.race([released, deadline]);
        if (!c.closed) c.destroy();
      }
    } finally {
      clearTimeout(timer);
    }
    this.#owner = false;
    this.#options.log('info', 'Released DBus');
  }

  /** The XML Introspect answers at `path`. */
  introspect(path: string): string {
    const own = this.#objects.get(path);
    let inner = '';
    if (own) inner = STANDARD_XML + (own.iface === VRRP_IFACE ? VRRP_XML : INSTANCE_XML);
    const prefix = path === '/' ? '/' : `${path}/`;
    const children: string[] = [];
    for (const p of this.#objects.keys()) {
      if (!p.startsWith(prefix)) continue;
      const child = p.slice(prefix.length).split('/')[0]!;
      if (!children.includes(child)) children.push(child);
    }
    inner += children.map((c) => `  <node name="${c}"/>\n`).join('');
    return `${DOCTYPE}<node>\n${inner}</node>\n`;
  }

  #properties(o: DbusObject): [string, DbusValue, string][] {
    if (!o.instance) return [];
    const name = o.instance.name;
    const code = STATE_CODE[this.#options.state(name) ?? ''] ?? 0;
    // keepalived 2.2.7 sends Name as a struct of one string, `(s)`, though its introspection says `s`: so does this.
    return [['Name', [name], '(s)'], ['State', [code, STATE_NAME[code] ?? 'Unknown'], '(us)']];
  }

  /** A method call: answered as GDBus answers for keepalived. */
  #message(m: DbusMessage): void {
    const c = this.#connection;
    if (!c || m.type !== MESSAGE.call) return;
    const path = m.path!;
    const member = m.member!;
    const noInterface = (iface: string) => c.error(m, UNKNOWN_METHOD, `No such interface “${iface}” on object at path ${path}`);
    const noObject = () => c.error(m, UNKNOWN_METHOD, `Object does not exist at path “${path}”`);
    const o = this.#objects.get(path);
    if (m.interface === PEER) {
      if (member === 'Ping' && m.signature === '') return c.reply(m);
      if (member === 'GetMachineId' && m.signature === '') return c.reply(m, 's', [machineId()]);
      return o ? noInterface(PEER) : noObject();
    }
    if (m.interface === INTROSPECTABLE) {
      if (member === 'Introspect' && m.signature === '') return c.reply(m, 's', [this.introspect(path)]);
      return o ? noInterface(INTROSPECTABLE) : noObject();
    }
    if (!o) return noObject();
    if (m.interface === PROPERTIES) return this.#propertyCall(m, o, noInterface);
    if (m.interface !== undefined && m.interface !== o.iface) return noInterface(m.interface);
    if (!o.methods.includes(member)) return c.error(m, UNKNOWN_METHOD, `No such method “${member}”`);
    if (m.signature !== '') return c.error(m, INVALID_ARGS, `Type of message, “(${m.signature})”, does not match expected type “()”`);
    this.#run(member, o);
    c.reply(m);
  }

  #propertyCall(m: DbusMessage, o: DbusObject, noInterface: (iface: string) => void): void {
    const c = this.#connection!;
    const wanted: Record<string, string> = { Get: 'ss', GetAll: 's', Set: 'ssv' };
    if (wanted[m.member!] !== m.signature) return noInterface(PROPERTIES);
    const iface = m.body[0] as string;
    if (iface !== o.iface) return c.error(m, INVALID_ARGS, `No such interface “${iface}”`);
    const properties = this.#properties(o);
    if (m.member === 'GetAll') return c.reply(m, 'a{sv}', [properties.map(([k, v, s]) => [k, { signature: s, value: v }])]);
    const property = properties.find(([k]) => k === m.body[1]);
    if (!property) return c.error(m, INVALID_ARGS, `No such property “${String(m.body[1])}”`);
    if (m.member === 'Set') return c.error(m, INVALID_ARGS, `Property “${property[0]}” is not writable`);
    c.reply(m, 'v', [{ signature: property[2], value: property[1] }]);
  }

  #run(member: string, o: DbusObject): void {
    const { log } = this.#options;
    const guarded = (what: string, work: () => void) => {
      try {
        work();
      } catch (e) {
        log('error', `D-Bus ${what} failed`, { error: (e as Error).message });
      }
    };
    switch (member) {
      case 'PrintData':
        log('info', 'Printing VRRP data on DBus request');
        return guarded(member, () => this.#options.printData());
      case 'PrintStats':
        log('info', 'Printing VRRP stats on DBus request');
        return guarded(member, () => this.#options.printStats(false));
      case 'PrintStatsClear':
        log('info', 'Printing and clearing VRRP stats on DBus request');
        return guarded(member, () => this.#options.printStats(true));
      case 'ReloadConfig':
        // Answered first: the reload runs after the reply is out, as keepalived's SIGHUP to its parent.
        setImmediate(() => guarded(member, () => this.#options.reload()));
        return;
      case 'SendGarp':
        log('info', `Sending garps on ${o.instance!.name} on DBus request`);
        return guarded(member, () => this.#options.sendGarp(o.instance!.name));
    }
  }
}
