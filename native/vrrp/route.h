// Interface facts, addresses and macvlan links over rtnetlink (libnl-route-3).
// Callers validate everything first; these only report the kernel's errno.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct nl_sock;
struct rtnl_link;

namespace vrrp {

struct InterfaceAddress {
  int family;  // AF_INET / AF_INET6
  std::string address;
  int prefix;
  int scope;
};

struct InterfaceInfo {
  int ifindex = 0;
  std::vector<uint8_t> mac;
  bool up = false;         // IFF_UP
  bool running = false;    // IFF_RUNNING: carrier (operationally up)
  bool multicast = false;  // IFF_MULTICAST
  uint32_t vrfTable = 0;   // IFLA_VRF_TABLE of a VRF device; 0 for any other link
  std::vector<InterfaceAddress> addresses;
};

struct AddressSpec {
  int ifindex = 0;
  int family = 0;
  std::string address;
  int prefix = 0;
  std::string label;      // empty: none
  int scope = -1;         // -1: kernel default
  std::string broadcast;  // empty: none
  std::string peer;       // empty: none (IFA_ADDRESS is then the address itself)
  bool nodad = false;
  uint32_t flags = 0;  // further IFA_F_* flags (home, mngtmpaddr, noprefixroute, autojoin)
  // Seconds the kernel may pick the address as a source (0: deprecated), valid forever; -1: the kernel's default.
  int64_t preferredLifetime = -1;
};

struct MacvlanSpec {
  std::string name;
  int parentIfindex = 0;
  std::vector<uint8_t> mac;
};

// An ipvlan in mode l2 with one of the l2 flags (IPVLAN_F_*: 0 bridge, private, vepa).
struct IpvlanSpec {
  std::string name;
  int parentIfindex = 0;
  uint16_t flags = 0;
};

// A route of the director's own table (see docs/scale-out.md); added and
// deleted through native/rtnl, listed here.
struct HostRoute {
  std::string destination;
  int prefix;
};

class Route {
 public:
  // errno (positive) on failure, 0 on success.
  int open();
  ~Route();
  int interfaceInfo(const std::string& name, InterfaceInfo& out);
  int addAddress(const AddressSpec& spec);
  int deleteAddress(const AddressSpec& spec);
  int createMacvlan(const MacvlanSpec& spec);
  // Made and set up; it shares the parent's MAC, and keeps the kernel's addrgenmode.
  int createIpvlan(const IpvlanSpec& spec);
  int deleteLink(const std::string& name);
  // Sets one IPv4 devconf setting (by its sysctl name, e.g. "arp_ignore")
  // and reports the value it replaced.
  int setIpv4Conf(int ifindex, const std::string& name, uint32_t value, uint32_t& previous);
  // The routes of `family` in `table` whose protocol is `protocol`.
  int listHostRoutes(int family, uint32_t table, int protocol, std::vector<HostRoute>& out);

 private:
  int sendAddress(const AddressSpec& spec, bool add);
  // One RTM_NEWLINK change of link `name`, described by `describe` (libnl's return convention).
  int changeLink(const std::string& name, const std::function<int(rtnl_link*)>& describe);

  nl_sock* sock_ = nullptr;
};

}  // namespace vrrp
