// Shared by esm.mjs and cjs.cjs: uses the installed package as a user would
// and reports which compiled addon the process loaded. On a machine without
// IPVS, open fails with 'ipvs-unavailable', which still proves the addon
// loaded (only the addon can ask the kernel).
'use strict';
const path = require('node:path');

module.exports = async function loadedAddon({ Ipvs, IpvsError, IpvsArgumentError }) {
  // Validation answers before the addon is needed.
  const refused = await Ipvs.open({ netns: '' }).then(() => null, (error) => error);
  if (!(refused instanceof IpvsArgumentError) || refused.field !== 'options.netns') {
    throw new Error(`expected an IpvsArgumentError for options.netns, got ${refused}`);
  }
  try {
    const ipvs = await Ipvs.open();
    await ipvs.close();
  } catch (error) {
    if (!(error instanceof IpvsError) || error.reason === 'native-unavailable') throw error;
  }
  const addons = Object.keys(require.cache).filter((file) => file.endsWith('.node'));
  if (addons.length !== 1) throw new Error(`expected one loaded addon, found ${JSON.stringify(addons)}`);
  return path.relative(process.cwd(), addons[0]);
};
