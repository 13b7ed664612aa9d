/**
 * Errors made by the addon come from Node's main realm, not jest's sandbox,
 * so `toThrow(TypeError)` cannot match them by class; match by name.
 */
export function expectTypeError(fn: () => unknown, message: RegExp = /./): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toMatchObject({ name: 'TypeError', message: expect.stringMatching(message) });
}

/** The error of class `type` that `fn` throws; anything else thrown is rethrown, nothing thrown fails. */
export function thrownAs<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`);
}
