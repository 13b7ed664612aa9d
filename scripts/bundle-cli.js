// Bundles what `bin/ipvs` runs for ipvsadm's command lines into one file,
// dist/lib/cli/ipvs.bundle.js (issue #18, fast commands): its entry is the
// compiled dist/lib/cli/fast-bin.js, so the bundle holds exactly the code
// tsc emitted, and its modules keep their lazy require()s (esbuild wraps
// each CommonJS module and runs it at its first require, as Node would).
// Left out: the package's dependencies (node-gyp-build, when the addon is
// not where the package puts it, comes from node_modules as before).
// Whitespace and syntax are minified (a third less to read and parse at
// every start), names are kept.
//
// Run after tsc by every build: `npm run build:ts`, scripts/setup.sh and
// so `npm test`, `npm pack` (prepack). `node scripts/bundle-cli.js`;
// require()d, bundle({ write: false }) returns esbuild's result with its
// metafile (the startup test reads which modules the bundle holds).
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const ENTRY = path.join(root, 'dist/lib/cli/fast-bin.js');
const OUTFILE = path.join(root, 'dist/lib/cli/ipvs.bundle.js');

/** esbuild's options; `write: false` keeps the output in memory. */
function options(write) {
  const pkg = require(path.join(root, 'package.json'));
  return {
    absWorkingDir: root,
    entryPoints: [ENTRY],
    outfile: OUTFILE,
    write,
    metafile: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${pkg.engines.node.replace(/^>=/, '')}`,
    external: Object.keys(pkg.dependencies),
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/** Builds the bundle (into memory with `write: false`); resolves to esbuild's result. */
async function bundle({ write = true } = {}) {
  return require('esbuild').build(options(write));
}

module.exports = { bundle, ENTRY, OUTFILE };

if (require.main === module) {
  bundle().then(
    (result) => {
      const bytes = result.metafile.outputs[path.relative(root, OUTFILE)].bytes;
      const inputs = Object.keys(result.metafile.inputs).length;
      console.log(`bundle-cli: ${path.relative(root, OUTFILE)}, ${inputs} modules, ${bytes} bytes`);
    },
    (e) => {
      console.error(`bundle-cli: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
