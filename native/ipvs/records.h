// Flat records that cross between TypeScript and the netlink codec.
// They mirror the kernel's IPVS attributes one to one: no defaults, no meaning.
// Fields are std::optional where the attribute is optional on the wire, so the
// encoder writes exactly what TypeScript asked for.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipvs {

// Kernel IPVS generic-netlink commands (include/uapi/linux/ip_vs.h).
enum Command : uint8_t {
  CMD_NEW_SERVICE = 1,
  CMD_SET_SERVICE = 2,
  CMD_DEL_SERVICE = 3,
  CMD_GET_SERVICE = 4,
  CMD_NEW_DEST = 5,
  CMD_SET_DEST = 6,
  CMD_DEL_DEST = 7,
  CMD_GET_DEST = 8,
  CMD_NEW_DAEMON = 9,
  CMD_DEL_DAEMON = 10,
  CMD_GET_DAEMON = 11,
  CMD_SET_CONFIG = 12,
  CMD_GET_CONFIG = 13,
  CMD_SET_INFO = 14,
  CMD_GET_INFO = 15,
  CMD_ZERO = 16,
  CMD_FLUSH = 17,
  CMD_MAX = 17,
};

// An address as the kernel carries it (union nf_inet_addr): IPv4 in the
// first 4 bytes, network order.
using Address = std::array<uint8_t, 16>;

struct Stats {
  // Order of IPVS_STATS_ATTR_* 1..10.
  uint64_t conns = 0, inpkts = 0, outpkts = 0, inbytes = 0, outbytes = 0;
  uint64_t cps = 0, inpps = 0, outpps = 0, inbps = 0, outbps = 0;
};

struct Service {
  uint16_t af = 0;
  uint16_t protocol = 0;
  Address address{};  // unused for fwmark services
  uint16_t port = 0;
  uint32_t fwmark = 0;
  // Present only in "full" service messages (NEW/SET) and in replies.
  std::optional<std::string> scheduler;
  std::optional<uint32_t> flags;
  std::optional<uint32_t> flagsMask;
  std::optional<uint32_t> timeout;
  // IPv4: the mask in host order (0xffffff00); IPv6: the prefix length.
  std::optional<uint32_t> netmask;
  std::optional<std::string> pe;
  // Replies only.
  std::optional<Stats> stats;
};

struct Destination {
  Address address{};
  uint16_t port = 0;
  std::optional<uint16_t> af;  // IPVS_DEST_ATTR_ADDR_FAMILY, absent = service family
  std::optional<uint32_t> forwarding;
  std::optional<uint32_t> weight;
  std::optional<uint32_t> upperThreshold;
  std::optional<uint32_t> lowerThreshold;
  std::optional<uint8_t> tunnelType;
  std::optional<uint16_t> tunnelPort;
  std::optional<uint16_t> tunnelFlags;
  // Replies only.
  uint32_t activeConns = 0, inactiveConns = 0, persistentConns = 0;
  std::optional<Stats> stats;
};

struct Daemon {
  uint32_t state = 0;  // 1 master, 2 backup
  std::optional<std::string> interface;
  std::optional<uint32_t> syncId;
  std::optional<uint16_t> maxLength;
  std::optional<Address> group;
  uint16_t groupFamily = 0;  // AF_INET or AF_INET6 when group is set
  std::optional<uint16_t> port;
  std::optional<uint8_t> ttl;
};

struct Timeouts {
  std::optional<uint32_t> tcp, tcpFin, udp;
};

struct Info {
  uint32_t version = 0;
  uint32_t connTableSize = 0;
};

struct Request {
  Command cmd = CMD_GET_INFO;
  bool dump = false;
  std::optional<Service> service;
  std::optional<Destination> dest;
  std::optional<Daemon> daemon;
  std::optional<Timeouts> timeouts;
};

// What came back for one request. errno is positive (0 = success).
struct Result {
  int error = 0;
  std::string extack;
  std::vector<Service> services;
  std::vector<Destination> dests;
  std::vector<Daemon> daemons;
  std::optional<Timeouts> timeouts;
  std::optional<Info> info;
};

}  // namespace ipvs
