# Sourced by the scripts that run node-gyp: build against the headers
# installed with Node, as there is no network to download them from.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ] && ! grep -qs '^nodedir=' ~/.npmrc; then
  export npm_config_nodedir=/usr
fi
