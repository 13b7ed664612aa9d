// A user's CommonJS module: require() of the installed package.
'use strict';
const path = require('node:path');
const ipvs = require('ipvs');
const loadedAddon = require('./loaded-addon.cjs');

const entry = path.relative(process.cwd(), require.resolve('ipvs'));
loadedAddon(ipvs).then(
  (addon) => console.log(`cjs: ${entry} [${Object.keys(ipvs).sort()}] loaded ${addon}`),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
