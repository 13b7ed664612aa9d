#!/bin/sh
# The real-server side of direct routing (docs/forwarding.md), on each real
# server, as root. VIP is the service's virtual IP.
set -eu
VIP=192.0.2.20

# #region dr
# Accept packets for the VIP without answering ARP for it: only the
# director may own the VIP on the shared link.
sysctl -w net.ipv4.conf.all.arp_ignore=1
sysctl -w net.ipv4.conf.all.arp_announce=2
ip addr add $VIP/32 dev lo
# #endregion
