// Link (interface) state changes from rtnetlink (RTMGRP_LINK) and, when
// asked, address deletions (RTMGRP_IPV4_IFADDR / RTMGRP_IPV6_IFADDR) and
// route and rule deletions (the IPv4/IPv6 route and rule groups), read by
// one thread that blocks in poll(): no polling timer, nothing to do while
// links are quiet. The first link reports are a dump of every link, so the
// caller learns the initial state through the same path as later changes.
#pragma once

#include <linux/netlink.h>

#include <functional>
#include <string>

#include "../netlink/reader.h"

namespace vrrp {

struct LinkEvent {
  int ifindex = 0;
  std::string name;
  unsigned flags = 0;  // IFF_* of the link
  bool deleted = false;
};

// An address removed from an interface (RTM_DELADDR).
struct AddressEvent {
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
};

class LinkMonitor {
 public:
  using Handler = std::function<void(LinkEvent&&)>;
  using AddressHandler = std::function<void(AddressEvent&&)>;
  using RouteHandler = std::function<void(RouteEvent&&)>;
  ~LinkMonitor();
  // Opens the socket in the calling thread's namespace and asks for the dump;
  // `addresses`: also join the address groups; `routes`: the route and rule
  // groups. errno on failure.
  int open(bool addresses = false, bool routes = false);
  // Starts the reading thread; the handlers run on it (`onAddress`, `onRoute` may be empty).
  void start(Handler handler, AddressHandler onAddress = nullptr, RouteHandler onRoute = nullptr);
  // Wakes and joins the thread, closes the socket; idempotent.
  void stop();

 private:
  void parse(const char* data, size_t length);
  void parseAddress(const nlmsghdr* h);
  void parseRoute(const nlmsghdr* h);
  void parseRule(const nlmsghdr* h);
  int sock_ = -1;
  Handler handler_;
  AddressHandler onAddress_;
  RouteHandler onRoute_;
  netlink::Reader reader_;
};

}  // namespace vrrp
