#!/bin/sh
# The real-server side of IP-in-IP tunnelling (docs/forwarding.md), on each
# real server, as root. VIP is the service's virtual IP.
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
