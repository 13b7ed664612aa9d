/**
 * The unit and native layers' setup (jest.config.js). Under qemu-user the
 * package test's arm64 stage sets IPVS_TEST_RETRIES: a test that fails is
 * run again that many times, since emulation stretches every timing the
 * host meets with room to spare (a log line a turn later, a timer late).
 * A test that fails each time still fails, and the stage names every test
 * that passed only on a retry. Elsewhere nothing is retried.
 */
const retries = Number(process.env.IPVS_TEST_RETRIES ?? 0);
if (Number.isInteger(retries) && retries > 0) jest.retryTimes(retries, { logErrorsBeforeRetry: true });
