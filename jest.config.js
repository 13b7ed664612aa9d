// Tests are compiled by tsc (npm run build:ts) and run as plain JavaScript:
// no transform, so the same files run fast on the host and in the kernel VM.
const layer = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  transform: {},
  testMatch: [`<rootDir>/dist/test/${name}/**/*.test.js`],
});

module.exports = {
  projects: [layer('unit'), layer('native'), layer('kernel')],
};
