#!/bin/sh
# The real-server side of tunnelling (docs/forwarding.md), on each real
# server, as root. VIP is the service's virtual IP. `sh real-server-tun.sh`
# sets up IP-in-IP; `sh real-server-tun.sh gue` also takes GUE on port 6080.
set -eu
VIP=192.0.2.53

# #region tun
# Decapsulate IP-in-IP, hold the VIP on the tunnel device (no ARP there),
# and let the inner packet in although it arrived on another interface.
modprobe ipip
ip link set tunl0 up
ip addr add $VIP/32 dev tunl0
sysctl -w net.ipv4.conf.tunl0.rp_filter=0
sysctl -w net.ipv4.conf.all.rp_filter=0
# #endregion

if [ "${1:-}" = gue ]; then
  # #region gue
  # GUE (tunnel: { type: 'gue', port: 6080 }): strip the UDP and GUE
  # headers of what arrives on that port; the inner packet then reaches
  # tunl0 as above.
  modprobe fou
  ip fou add port 6080 gue
  # #endregion
fi
