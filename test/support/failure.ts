import { IpvsError } from '../../lib';

/** Awaits a promise that must reject with an IpvsError, and returns the error. */
export async function failure(p: Promise<unknown>): Promise<IpvsError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(IpvsError);
  return e as IpvsError;
}
