// Tests are compiled by tsc (scripts/setup.sh) and run as plain JavaScript:
// no transform, and only dist/ is crawled, so the same files start fast on
// the host and in the kernel lab VM (where JavaScript runs ~25x slower).
const layer = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform: {},
  roots: ['<rootDir>/dist'],
  testMatch: [`<rootDir>/dist/test/${name}/**/*.test.js`],
  ...extra,
});
// The layers the arm64 package stage runs under qemu-user, where IPVS_TEST_RETRIES asks for retries.
const emulable = { setupFilesAfterEnv: ['<rootDir>/dist/test/support/emulation-retries.js'] };

module.exports = {
  watchman: false,
  // netns: VRRP against real keepalived in network namespaces on the host (root).
  // parity: the table-parity harness (keepalived 2.2.7 against ipvs keepalived on the corpus of
  // test/fixtures/parity/) in the kernel lab; npm test runs it in the kernel layer's VM boot.
  // scale: issue #15's scale-out proof in the kernel lab (npm run test:scale), outside npm test
  // (about 9 minutes of VM; see docs/testing.md).
  projects: [layer('unit', emulable), layer('native', emulable), layer('kernel'), layer('netns'), layer('parity'), layer('scale')],
};
