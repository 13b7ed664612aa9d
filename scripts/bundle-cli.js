// Bundles what `bin/ipvs` runs into one file per entry (issue #18, fast
// commands): ipvsadm's command lines into dist/lib/cli/ipvs.bundle.js
// (entry the compiled dist/lib/cli/fast-bin.js), and `ipvs keepalived`
// into dist/lib/cli/keepalived.bundle.js (entry keepalived-bin.js). Each
// bundle holds exactly the code tsc emitted, and its modules keep their
// lazy require()s (esbuild wraps each CommonJS module and runs it at its
// first require, as Node would).
// Left out: the package's dependencies (node-gyp-build, when the addon is
// not where the package puts it, comes from node_modules as before).
// Whitespace and syntax are minified (a third less to read and parse at
// every start), names are kept.
//
// Run after tsc by every build: `npm run build:ts`, scripts/setup.sh and
// so `npm test`, `npm pack` (prepack). `node scripts/bundle-cli.js`;
// require()d, bundle({ write: false, entry }) returns esbuild's result for
// one entry of BUNDLES with its metafile (the startup test reads which
// modules the bundle holds).
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** Each bundle: its entry (compiled by tsc) and its file, beside the compiled modules. */
const BUNDLES = {
  ipvsadm: { entry: path.join(root, 'dist/lib/cli/fast-bin.js'), outfile: path.join(root, 'dist/lib/cli/ipvs.bundle.js') },
  keepalived: { entry: path.join(root, 'dist/lib/cli/keepalived-bin.js'), outfile: path.join(root, 'dist/lib/cli/keepalived.bundle.js') },
};
const ENTRY = BUNDLES.ipvsadm.entry;
const OUTFILE = BUNDLES.ipvsadm.outfile;

/** esbuild's options for one of BUNDLES; `write: false` keeps the output in memory. */
function options(write, { entry, outfile }) {
  const pkg = require(path.join(root, 'package.json'));
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
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

/** Builds one bundle, ipvsadm's by default (into memory with `write: false`); resolves to esbuild's result. */
async function bundle({ write = true, entry = 'ipvsadm' } = {}) {
  return require('esbuild').build(options(write, BUNDLES[entry]));
}

module.exports = { bundle, BUNDLES, ENTRY, OUTFILE };

if (require.main === module) {
  Promise.all(Object.keys(BUNDLES).map((entry) => bundle({ entry }).then((result) => [entry, result]))).then(
    (results) => {
      for (const [entry, result] of results) {
        const outfile = path.relative(root, BUNDLES[entry].outfile);
        const bytes = result.metafile.outputs[outfile].bytes;
        const inputs = Object.keys(result.metafile.inputs).length;
        console.log(`bundle-cli: ${outfile}, ${inputs} modules, ${bytes} bytes`);
      }
    },
    (e) => {
      console.error(`bundle-cli: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
