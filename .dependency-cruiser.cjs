// The dependency rules of lib/ (`npm run lint` runs them with dependency-cruiser).
// A layer may import the layers before it in LAYERS, never one after it;
// folders in one entry are siblings and import neither each other.

/** lib/ folders, lowest first. */
const LAYERS = [
  ['model'],
  ['native'],
  ['core'],
  ['listing'],
  ['apply'],
  ['handle'],
  ['scripts', 'track'],
  ['bfd'],
  ['health', 'vrrp', 'announce'],
  ['keepalived'],
  ['cli'],
];

// The package's entry points gather every layer, so they may import anything.
const ENTRY_POINTS = '^lib/index\\.m?ts$|^lib/[a-z-]+/index\\.mts$';
const anyOf = (folders) => `^lib/(${folders.join('|')})/`;

/** One rule per folder: it imports neither its siblings nor any later layer. */
function layerRules() {
  return LAYERS.flatMap((rank, i) =>
    rank.flatMap((folder) => {
      const forbidden = [...rank.filter((f) => f !== folder), ...LAYERS.slice(i + 1).flat()];
      if (forbidden.length === 0) return [];
      return [{
        name: 'layer-order',
        comment: `lib/${folder} imports none of ${forbidden.join(', ')}`,
        severity: 'error',
        from: { path: anyOf([folder]), pathNot: ENTRY_POINTS },
        to: { path: anyOf(forbidden) },
      }];
    }),
  );
}

module.exports = {
  forbidden: [
    ...layerRules(),
    {
      name: 'layer-unknown',
      comment: 'a lib/ file outside every layer folder has no place in the order: add its folder to LAYERS',
      severity: 'error',
      from: { path: '^lib/', pathNot: `${anyOf(LAYERS.flat())}|${ENTRY_POINTS}` },
      to: {},
    },
    {
      name: 'lib-imports-outside',
      comment: 'tests, benchmarks, the demo and the guides use lib/, never the other way round',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|bench|demo|docs)/' },
    },
    {
      name: 'no-cycle',
      comment: 'an import cycle, type-only imports included (tsPreCompilationDeps below keeps them in the graph)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'a relative import the rules cannot follow would slip past them (`ipvs` itself is the guides\' installed package)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^[.]' },
    },
  ],
  options: {
    // `import type` and type-only re-exports are edges too: they still tie the layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // test/package/ holds consumers of the installed package, compiled there.
    exclude: { path: '^(dist|build|node_modules|test/package)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.d.ts', '.js'] },
  },
};
