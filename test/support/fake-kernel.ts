/**
 * An in-memory IPVS that implements the native contract with the kernel's
 * errnos, so the TypeScript layer is tested on any machine. It records every
 * native call and can be told to fail the next request of a command.
 */
import {
  AF_INET6, Cmd, type NativeDetails, type NativeError, type NativeHandle, type NativeIpvsBinding,
  type NativeOpenOutcome, type WireDaemonReply, type WireDest, type WireDestReply, type WireRequest, type WireResult,
  type WireService, type WireServiceReply, type WireStats,
} from '../../lib/native/contract';
import { Shared, W, packDests, packServices, unpack } from '../../lib/native/pack';
import { setNativeBinding } from '../../lib/native/load';
// The handle's own module, not the package's index (which loads YAML and the health checkers): fake-kernel-preload
// puts this fake behind a child process whose loaded modules a test inspects.
import { Ipvs } from '../../lib/handle/ipvs';

const EEXIST = 17, ESRCH = 3, ENOENT = 2, EINVAL = 22, ERANGE = 34, EOPNOTSUPP = 95;

const zeroStats = (): WireStats => ({
  connections: 0n, inPackets: 0n, outPackets: 0n, inBytes: 0n, outBytes: 0n, connectionsPerSecond: 0n, inPacketsPerSecond: 0n,
  outPacketsPerSecond: 0n, inBytesPerSecond: 0n, outBytesPerSecond: 0n,
});

interface StoredService {
  reply: WireServiceReply;
  dests: Map<string, WireDestReply>;
}

function serviceId(s: WireService): string {
  return s.fwmark ? `${s.af}/fwm/${s.fwmark}` : `${s.af}/${s.protocol}/${s.address}/${s.port}`;
}

function destId(d: { address: string; port: number }): string {
  return `${d.address}/${d.port}`;
}

export class FakeKernel {
  readonly services = new Map<string, StoredService>();
  readonly daemons = new Map<number, WireDaemonReply>();
  timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  /**
   * New destinations go to the head of the service's list, as in the kernel
   * (what `mh` ordering depends on). Off by default: the other tests read
   * destinations in the order they added them.
   */
  destinationsAtHead = false;
  /** Scheduler modules this fake kernel "has". */
  schedulers = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);
  /** Every batch that crossed into "native", in order. */
  readonly batches: WireRequest[][] = [];
  #injected: { cmd: Cmd; errno: number }[] = [];

  /** The next request with this command fails with `errno`. */
  failNext(cmd: Cmd, errno: number): void {
    this.#injected.push({ cmd, errno });
  }

  /**
   * The stored record of a real server (in whichever service holds it), to
   * set its connection counters as traffic would; undefined when absent.
   */
  destination(address: string, port: number): WireDestReply | undefined {
    for (const s of this.services.values()) {
      const d = s.dests.get(destId({ address, port }));
      if (d) return d;
    }
    return undefined;
  }

  get requests(): WireRequest[] {
    return this.batches.flat();
  }

  execute(requests: readonly WireRequest[]): WireResult[] {
    this.batches.push(structuredClone([...requests]));
    return requests.map((r) => {
      const i = this.#injected.findIndex((x) => x.cmd === r.cmd);
      if (i >= 0) return { error: this.#injected.splice(i, 1)[0]!.errno };
      return this.#handle(r);
    });
  }

  #handle(r: WireRequest): WireResult {
    const ok: WireResult = { error: 0 };
    const svc = r.service ? this.services.get(serviceId(r.service)) : undefined;
    switch (r.cmd) {
      case Cmd.NewService:
      case Cmd.SetService: {
        const s = r.service!;
        if (s.scheduler === undefined || s.flags === undefined || s.timeout === undefined || s.netmask === undefined) return {
          error: EINVAL,
        };
        if (r.cmd === Cmd.NewService && svc) return { error: EEXIST };
        if (r.cmd === Cmd.SetService && !svc) return { error: ESRCH };
        if (!this.schedulers.has(s.scheduler)) return { error: ENOENT };
        const reply: WireServiceReply = {
          af: s.af, protocol: s.fwmark ? 6 : s.protocol!, address: s.address ?? '', port: s.port ?? 0, fwmark: s.fwmark ?? 0,
          scheduler: s.scheduler, flags: (s.flags & (s.flagsMask ?? 0xffffffff)) | 0x2, timeout: s.timeout, netmask: s.netmask,
          stats: svc?.reply.stats ?? zeroStats(),
        };
        if (s.pe) reply.pe = s.pe;
        this.services.set(serviceId(s), { reply, dests: svc?.dests ?? new Map() });
        return ok;
      }
      case Cmd.DelService:
        if (!svc) return { error: ESRCH };
        this.services.delete(serviceId(r.service!));
        return ok;
      case Cmd.GetService:
        if (r.dump) return { error: 0, services: packServices([...this.services.values()].map((x) => x.reply)) };
        if (!r.service) return { error: EINVAL };
        return svc ? { error: 0, services: packServices([svc.reply]) } : { error: ESRCH };
      case Cmd.NewDest:
      case Cmd.SetDest: {
        if (!svc) return { error: ESRCH };
        const d = r.dest!;
        if (d.forwarding === undefined || d.weight === undefined || d.upperThreshold === undefined || d.lowerThreshold === undefined) {
          return { error: EINVAL };
        }
        if (d.weight > 0x7fffffff || d.lowerThreshold > d.upperThreshold) return { error: ERANGE };
        const existing = svc.dests.get(destId(d));
        if (r.cmd === Cmd.NewDest && existing) return { error: EEXIST };
        if (r.cmd === Cmd.SetDest && !existing) return { error: ENOENT };
        const reply = this.#destReply(d, r.service!, existing);
        // With destinationsAtHead, like the kernel: a new destination goes to the head of the list.
        if (existing || !this.destinationsAtHead) svc.dests.set(destId(d), reply);
        else svc.dests = new Map([[destId(d), reply], ...svc.dests]);
        return ok;
      }
      case Cmd.DelDest:
        if (!svc) return { error: ESRCH };
        if (!svc.dests.delete(destId(r.dest!))) return { error: ENOENT };
        return ok;
      case Cmd.GetDest:
        if (!r.dump) return { error: EOPNOTSUPP };
        return { error: 0, dests: packDests(svc ? [...svc.dests.values()] : []) };
      case Cmd.Flush:
        this.services.clear();
        return ok;
      case Cmd.Zero:
        if (r.service && !svc) return { error: ESRCH };
        for (const s of r.service ? [svc!] : this.services.values()) {
          s.reply.stats = zeroStats();
          for (const d of s.dests.values()) d.stats = zeroStats();
        }
        return ok;
      case Cmd.GetInfo:
        return { error: 0, info: { version: 0x010201, connTableSize: 4096 } };
      case Cmd.GetConfig:
        return { error: 0, timeouts: { ...this.timeouts } };
      case Cmd.SetConfig:
        for (const k of ['tcp', 'tcpFin', 'udp'] as const) {
          const v = r.timeouts?.[k];
          if (v) this.timeouts[k] = v;
        }
        return ok;
      case Cmd.NewDaemon: {
        const d = r.daemon!;
        if (!d.interface || d.syncId === undefined) return { error: EINVAL };
        if (this.daemons.has(d.state)) return { error: EEXIST };
        this.daemons.set(d.state, {
          state: d.state, interface: d.interface, syncId: d.syncId, maxLength: d.maxLength ?? 1472,
          group: d.group ?? '224.0.0.81', port: d.port ?? 8848, ttl: d.ttl ?? 1,
        });
        return ok;
      }
      case Cmd.DelDaemon:
        return this.daemons.delete(r.daemon!.state) ? ok : { error: ESRCH };
      case Cmd.GetDaemon:
        return { error: 0, daemons: [...this.daemons.values()] };
      default:
        return { error: EOPNOTSUPP };
    }
  }

  #destReply(d: WireDest, s: WireService, previous?: WireDestReply): WireDestReply {
    return {
      af: d.af ?? s.af, address: d.address, port: d.port, forwarding: d.forwarding!, weight: d.weight!,
      upperThreshold: d.upperThreshold!, lowerThreshold: d.lowerThreshold!, activeConns: previous?.activeConns ?? 0,
      inactiveConns: previous?.inactiveConns ?? 0, persistentConns: previous?.persistentConns ?? 0,
      tunnelType: d.tunnelType ?? 0, tunnelPort: d.tunnelPort ?? 0, tunnelFlags: d.tunnelFlags ?? 0,
      stats: previous?.stats ?? zeroStats(),
    };
  }
}

/** What the addon throws for a call on a closed handle. */
export function closedHandleError(): NativeError {
  return Object.assign(new Error('the IPVS handle is closed'), { code: 'ECLOSED' as const });
}

/** The IPVS part of the native binding, with handles that all talk to `kernel`. */
export function fakeBinding(kernel: FakeKernel): NativeIpvsBinding & { handles: NativeHandle[] } {
  const handles: NativeHandle[] = [];
  const open = (): NativeOpenOutcome => {
    let open = true;
    // The fake sits at the real contract: packed requests in, errnos and
    // sparse details out.
    const run = (words: Uint32Array, strings: readonly string[], errors: Int32Array, accepted = false): NativeDetails => {
      if (!open && !accepted) throw closedHandleError();
      const results = kernel.execute(unpack({ words, strings: [...strings] }));
      results.forEach((r, i) => (errors[i] = r.error));
      const details = results.flatMap((r, index) => (Object.keys(r).length > 1 ? [{ ...r, index }] : []));
      return details.length ? details : undefined;
    };
    const handle: NativeHandle = {
      execute: run,
      // As the addon: refused when closed at submission, but a batch
      // accepted before close() still runs.
      executeAsync: async (words, strings, errors) => {
        if (!open) throw closedHandleError();
        await new Promise((r) => setImmediate(r));
        return run(words, strings, errors, true);
      },
      // As the addon: requests and errnos live in the shared buffer.
      bindShared: (shared) => (strings = []) => {
        const count = shared[Shared.COUNT]!;
        const words = shared.subarray(Shared.WORDS, Shared.WORDS + count * W.STRIDE);
        return run(words, strings, new Int32Array(shared.buffer, shared.byteOffset + Shared.ERRORS * 4, count));
      },
      close: () => {
        open = false;
      },
      get isOpen() {
        return open;
      },
    };
    handles.push(handle);
    return { handle };
  };
  return {
    handles,
    open,
    openAsync: async () => open(),
    encodeRequest: () => {
      throw new Error('not available in the fake kernel');
    },
    decodeMessages: () => {
      throw new Error('not available in the fake kernel');
    },
  };
}

export { AF_INET6 };

/**
 * Registers beforeAll/afterAll hooks that put a fake kernel behind the
 * library and open one handle on it; `setup` runs once the handle is open.
 */
export function withFakeIpvs(setup: (ipvs: Ipvs) => void = () => undefined): { kernel: FakeKernel; readonly ipvs: Ipvs } {
  const kernel = new FakeKernel();
  let handle: Ipvs | undefined;
  beforeAll(() => {
    setNativeBinding(fakeBinding(kernel));
    handle = Ipvs.openSync();
    setup(handle);
  });
  afterAll(() => {
    handle?.closeSync();
    setNativeBinding(undefined);
  });
  return {
    kernel,
    get ipvs(): Ipvs {
      return handle!;
    },
  };
}

/** Registers beforeEach/afterEach hooks: every test gets a new fake kernel and a handle open on it. */
export function withFreshFakeIpvs(): { readonly kernel: FakeKernel; readonly ipvs: Ipvs } {
  let kernel = new FakeKernel();
  let handle: Ipvs | undefined;
  beforeEach(() => {
    kernel = new FakeKernel();
    setNativeBinding(fakeBinding(kernel));
    handle = Ipvs.openSync();
  });
  afterEach(() => {
    handle?.closeSync();
    setNativeBinding(undefined);
  });
  return {
    get kernel(): FakeKernel {
      return kernel;
    },
    get ipvs(): Ipvs {
      return handle!;
    },
  };
}
