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
