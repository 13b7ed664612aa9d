// Link (interface) state changes from rtnetlink (RTMGRP_LINK) and, when
// asked, address additions and deletions (RTMGRP_IPV4_IFADDR /
// RTMGRP_IPV6_IFADDR) and route and rule deletions (the IPv4/IPv6 route and
// rule groups, joined and left one by one with watch()), read by
// one thread that blocks in poll(): nothing to do while links are quiet. The
// first link reports are a dump of every link, so the caller learns the
// initial state through the same path as later changes. Interfaces given to
// poll() are also read by ioctl (linkbeat) on the same thread at a fixed
// interval; a reading is reported when it differs from the last.
#pragma once

#include <linux/netlink.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "../netlink/reader.h"
#include "linkbeat.h"

namespace vrrp {

struct LinkEvent {
  int ifindex = 0;
  std::string name;
  unsigned flags = 0;  // IFF_* of the link
  bool deleted = false;
  // A linkbeat reading (flags are then IFF_UP | IFF_RUNNING or 0), by
  // `linkbeat` (Auto: the interface does not exist).
  bool polled = false;
  LinkbeatMethod linkbeat = LinkbeatMethod::Auto;
};

// An interface to read by linkbeat, with the method asked for (Auto: the first that works).
struct LinkbeatSpec {
  std::string name;
  LinkbeatMethod method = LinkbeatMethod::Auto;
};

// An address added to (RTM_NEWADDR) or removed from (RTM_DELADDR) an interface.
struct AddressEvent {
  bool added = false;
  int ifindex = 0;
  int family = 0;  // AF_INET / AF_INET6
  std::string address;
  int prefix = 0;
};

// A route (RTM_DELROUTE) or policy rule (RTM_DELRULE) removed; the fields
// that say which one it was, so the caller can match it to its own.
struct RouteEvent {
  bool rule = false;
  int family = 0;           // AF_INET / AF_INET6
  std::string destination;  // route: RTA_DST; rule: FRA_SRC (its `from`); empty: none
  int prefix = 0;           // rtm_dst_len / the rule's src_len
  unsigned table = 0;       // RTA_TABLE / FRA_TABLE, else the header's table
  int protocol = 0;         // rtm_protocol / FRA_PROTOCOL (0: absent)
  unsigned priority = 0;    // route: RTA_PRIORITY (metric); rule: FRA_PRIORITY (preference)
  // Rule only: the header's tos and action, and the selectors keepalived matches besides (-1: absent).
  int tos = 0, action = 0;
  int64_t gotoTarget = -1, flow = -1, suppressPrefixlen = -1, suppressIfgroup = -1, ipProto = -1, l3mdev = -1;
  double tunnelId = -1;
  int64_t uidRange[2] = {-1, 0}, sportRange[2] = {-1, 0}, dportRange[2] = {-1, 0};
};

class LinkMonitor {
 public:
  using Handler = std::function<void(LinkEvent&&)>;
  using AddressHandler = std::function<void(AddressEvent&&)>;
  using RouteHandler = std::function<void(RouteEvent&&)>;
  ~LinkMonitor();
  // Opens the socket in the calling thread's namespace and asks for the dump;
  // `addresses`: also join the address groups. errno on failure.
  int open(bool addresses = false);
  // Joins (true) or leaves (false) each route and rule group: IPv4 routes,
  // IPv6 routes, IPv4 rules, IPv6 rules. Callable from any thread; errno of
  // the first failure.
  int watch(bool route4, bool route6, bool rule4, bool rule6);
  // Starts the reading thread; the handlers run on it (`onAddress`, `onRoute` may be empty).
  void start(Handler handler, AddressHandler onAddress = nullptr, RouteHandler onRoute = nullptr);
  // Wakes and joins the thread, closes the socket; idempotent.
  void stop();
  // The interfaces read by linkbeat from now on, every `intervalMs`; the
  // first reading of each comes at once. Callable from any thread.
  void poll(std::vector<LinkbeatSpec> specs, int intervalMs);

 private:
  // On the reading thread: reads the interfaces that are due; the next wait in ms.
  int idle();
  void parse(const char* data, size_t length);
  void parseAddress(const nlmsghdr* h);
  void parseRoute(const nlmsghdr* h);
  void parseRule(const nlmsghdr* h);
  int sock_ = -1;
  Handler handler_;
  AddressHandler onAddress_;
  RouteHandler onRoute_;
  netlink::Reader reader_;
  Linkbeat linkbeat_;
  std::mutex pollMutex_;
  std::vector<LinkbeatSpec> polled_;
  std::chrono::milliseconds interval_{0};
  std::chrono::steady_clock::time_point due_;
  // The last reading reported, by name (the method found is kept for the next read).
  std::map<std::string, LinkbeatReading> readings_;
};

}  // namespace vrrp
