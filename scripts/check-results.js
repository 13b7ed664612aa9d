// Reads jest's JSON reports and fails unless every layer ran tests, none
// failed and none was skipped; prints one summary line per layer and a
// closing "N passed, N failed" line. `REPORT:a,b` is a report of several
// jest projects (one VM boot): each of them must have run a test too.
'use strict';
const fs = require('node:fs');

let passed = 0;
let failed = 0;
let ok = true;
for (const arg of process.argv.slice(2)) {
  const [file, projects] = arg.split(':');
  if (!fs.existsSync(file)) {
    console.error(`${file}: no report (that layer did not run)`);
    ok = false;
    continue;
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const layer = file.replace(/.*\//, '').replace('.json', '');
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`${layer}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped in ${report.numTotalTestSuites} files`);
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numTotalTests === 0) {
    console.error(`${layer}: ran no test`);
    ok = false;
  }
  if (skipped > 0) {
    console.error(`${layer}: ${skipped} skipped test(s) — a skipped test is a defect`);
    ok = false;
  }
  if (!report.success) ok = false;
  for (const project of projects ? projects.split(',') : []) {
    const own = report.testResults.filter((r) => r.name.includes(`/dist/test/${project}/`));
    const ran = own.flatMap((r) => r.assertionResults).filter((a) => a.status === 'passed' || a.status === 'failed').length;
    console.log(`  ${project}: ${ran} run in ${own.length} files`);
    if (ran === 0) {
      console.error(`${layer}: project ${project} ran no test`);
      ok = false;
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
