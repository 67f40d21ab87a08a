// Mocha's spec reporter, plus one closing line in the plain form CI reads: "N passed, N failed, N skipped".
// CommonJS because mocha loads reporters with require().
'use strict';
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\n${passes} passed, ${failures} failed, ${pending} skipped\n`);
      // scripts/test.ts runs several suites and prints one combined line at the very end.
      const statsFile = process.env.PUENTE_TEST_STATS_FILE;
      if (statsFile) require('node:fs').writeFileSync(statsFile, JSON.stringify({ passes, failures, pending }));
    });
  }
}

module.exports = SummaryReporter;
