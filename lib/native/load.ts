/**
 * The one place that loads the compiled addon. Loading is lazy, so importing
 * the package never throws: validators and types work without libnl.
 * @internal
 * @module
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { NATIVE_MEMBERS, type NativeBinding } from './contract';
import { IpvsError } from '../model/errors';

let binding: NativeBinding | undefined;

/**
 * Where {@link setNativeBinding} keeps the replacement: on the global
 * object, so that every copy of this module in the process sees it (the
 * bundled `ipvs` command, dist/lib/cli/ipvs.bundle.js, holds one of its own).
 */
const OVERRIDE = Symbol.for('ipvs.native.override');
const overrides = globalThis as { [OVERRIDE]?: NativeBinding };

const MEMBERS = Object.keys(NATIVE_MEMBERS) as (keyof NativeBinding)[];

/** Package root: dist/lib/native/load.js (or the bundle, dist/lib/cli/ipvs.bundle.js) → three levels up. */
const packageRoot = path.resolve(__dirname, '..', '..', '..');

export function loadNative(): NativeBinding {
  return overrides[OVERRIDE] ?? loadAddon();
}

/**
 * The compiled addon itself, even while {@link setNativeBinding} has replaced
 * it (for calls no fake kernel stands in for, such as `sdNotify`).
 */
export function loadAddon(): NativeBinding {
  if (binding) return binding;
  try {
    // IPVS_NATIVE_PATH names a specific build (e.g. a sanitizer build).
    const explicit = process.env.IPVS_NATIVE_PATH;
    const file = explicit ? path.resolve(explicit) : (builtAddon() ?? (require('node-gyp-build') as { path(dir: string): string }).path(packageRoot));
    const loaded = require(file) as Partial<NativeBinding>;
    // A build older than this package's TypeScript lacks what was added since.
    const missing = MEMBERS.filter((name) => typeof loaded[name] !== 'function');
    if (missing.length > 0) throw new Error(`the addon is out of date: it lacks ${missing.join(', ')}`);
    binding = loaded as NativeBinding;
    return binding;
  } catch (cause) {
    throw nativeUnavailable(cause);
  }
}

/**
 * The addon where node-gyp-build would take it first, found without it when
 * it is one of the two files this package builds or ships: the build's
 * (`build/Release/ipvs.node`), or else the glibc prebuild for this machine
 * (`prebuilds/linux-ARCH/ipvs.glibc.node`). Undefined (node-gyp-build
 * looks) whenever its choice could differ: its environment overrides set,
 * another build folder, a musl system.
 */
function builtAddon(): string | undefined {
  const env = process.env;
  if (env.IPVS_PREBUILD || env.PREBUILDS_ONLY || env.npm_config_arch || env.npm_config_platform || env.LIBC) return undefined;
  const release = path.join(packageRoot, 'build', 'Release', 'ipvs.node');
  if (existsSync(release)) return release;
  if (existsSync(path.join(packageRoot, 'build')) || process.platform !== 'linux' || existsSync('/etc/alpine-release')) return undefined;
  const prebuild = path.join(packageRoot, 'prebuilds', `linux-${process.arch}`, 'ipvs.glibc.node');
  return existsSync(prebuild) ? prebuild : undefined;
}

/** The Debian/Ubuntu package that ships each shared library the addon needs. */
const LIBRARY_PACKAGES: Readonly<Record<string, string>> = {
  'libnl-3.so.200': 'libnl-3-200',
  'libnl-genl-3.so.200': 'libnl-genl-3-200',
  'libnl-route-3.so.200': 'libnl-route-3-200',
};

function nativeUnavailable(cause: unknown): IpvsError {
  const text = cause instanceof Error ? cause.message : String(cause);
  let hint = 'rebuild it from source with `npm rebuild ipvs` (needs a C++ compiler, make, pkg-config, libnl-genl-3-dev and libnl-route-3-dev).';
  // The dynamic loader names the first library it could not find.
  const library = /(lib[\w.+-]+\.so[.\d]*): cannot open shared object file/.exec(text)?.[1];
  const pkg = library === undefined ? undefined : LIBRARY_PACKAGES[library];
  if (library !== undefined && pkg !== undefined) {
    hint = `the system library ${library} is missing: install the package ${pkg} ` +
      `(Debian/Ubuntu: \`sudo apt-get install ${pkg}\`; the addon needs libnl-3-200, libnl-genl-3-200 and libnl-route-3-200).`;
  }
  return new IpvsError({
    message: `the ipvs native addon could not be loaded: ${hint} Loader said: ${text}`,
    code: 'ERR_IPVS_NATIVE_UNAVAILABLE',
    reason: 'native-unavailable',
    operation: 'open',
  });
}

/**
 * Replaces the addon for this process (tests use an in-memory fake kernel,
 * a fake VRRP link): any of its parts, each typed by the contract. A member
 * the replacement lacks throws `ERR_IPVS_NATIVE_UNAVAILABLE` when called.
 * Pass `undefined` to restore the real one.
 */
export function setNativeBinding(replacement: Partial<NativeBinding> | undefined): void {
  overrides[OVERRIDE] = replacement && completed(replacement);
}

/** The replacement, read at each use (tests may change it after installing it), with stand-ins for what it lacks. */
function completed(replacement: Partial<NativeBinding>): NativeBinding {
  const absent = (name: string) =>
    function absentMember(): never {
      throw nativeUnavailable(new Error(`the replacement native binding has no ${name}`));
    };
  return new Proxy(replacement, {
    get: (target, name, receiver) =>
      Reflect.get(target, name, receiver) ?? (Object.hasOwn(NATIVE_MEMBERS, name) ? absent(String(name)) : undefined),
  }) as NativeBinding;
}
