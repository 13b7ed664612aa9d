#include "link_monitor.h"

#include <arpa/inet.h>
#include <endian.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace vrrp {

LinkMonitor::~LinkMonitor() { stop(); }

int LinkMonitor::open(bool addresses) {
  sock_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock_ < 0) return errno;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = RTMGRP_LINK | (addresses ? RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR : 0);
  if (::bind(sock_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return errno;
  if (int error = reader_.open()) return error;
  if (int error = linkbeat_.open()) return error;
  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_UNSPEC;
  if (::send(sock_, &request, sizeof(request), 0) < 0) return errno;
  return 0;
}

int LinkMonitor::watch(bool route4, bool route6, bool rule4, bool rule6) {
  const std::pair<unsigned, bool> groups[] = {
      {RTNLGRP_IPV4_ROUTE, route4}, {RTNLGRP_IPV6_ROUTE, route6}, {RTNLGRP_IPV4_RULE, rule4}, {RTNLGRP_IPV6_RULE, rule6}};
  for (const auto& [group, join] : groups) {
    // Leaving a group not joined is no error; so is joining one twice.
    unsigned number = group;
    int option = join ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP;
    if (::setsockopt(sock_, SOL_NETLINK, option, &number, sizeof number) != 0) return errno;
  }
  return 0;
}

void LinkMonitor::start(Handler handler, AddressHandler onAddress, RouteHandler onRoute) {
  handler_ = std::move(handler);
  onAddress_ = std::move(onAddress);
  onRoute_ = std::move(onRoute);
  // A failed read (ENOBUFS: the kernel dropped notifications) is skipped; later ones still come.
  reader_.start(
      sock_,
      [this](const char* data, size_t length, int error) {
        if (!error && length > 0) parse(data, length);
      },
      [this] { return idle(); });
}

void LinkMonitor::poll(std::vector<LinkbeatSpec> specs, int intervalMs) {
  {
    std::lock_guard<std::mutex> lock(pollMutex_);
    polled_ = std::move(specs);
    interval_ = std::chrono::milliseconds(intervalMs);
    due_ = std::chrono::steady_clock::now();
    readings_.clear();
  }
  reader_.wake();
}

int LinkMonitor::idle() {
  std::vector<LinkEvent> changed;
  int wait;
  {
    std::lock_guard<std::mutex> lock(pollMutex_);
    if (polled_.empty()) return -1;
    auto now = std::chrono::steady_clock::now();
    if (now >= due_) {
      for (const auto& spec : polled_) {
        auto last = readings_.find(spec.name);
        // A method found once is the one read from then on, as keepalived's.
        bool known = last != readings_.end() && last->second.method != LinkbeatMethod::Auto;
        LinkbeatReading reading = linkbeat_.read(spec.name, known ? last->second.method : spec.method);
        if (last != readings_.end() && last->second.up == reading.up && last->second.method == reading.method) continue;
        readings_[spec.name] = reading;
        LinkEvent event;
        event.name = spec.name;
        event.flags = reading.up ? IFF_UP | IFF_RUNNING : 0;
        event.polled = true;
        event.linkbeat = reading.method;
        changed.push_back(std::move(event));
      }
      due_ = now + interval_;
    }
    wait = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(due_ - now).count()) + 1;
  }
  for (auto& event : changed) handler_(std::move(event));
  return wait;
}

void LinkMonitor::stop() {
  reader_.stop();
  if (sock_ >= 0) ::close(sock_);
  sock_ = -1;
}

void LinkMonitor::parse(const char* data, size_t length) {
  auto remaining = static_cast<int>(length);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(h, remaining); h = NLMSG_NEXT(h, remaining)) {
    if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
      if (onAddress_) parseAddress(h);
      continue;
    }
    if (h->nlmsg_type == RTM_DELROUTE || h->nlmsg_type == RTM_DELRULE) {
      if (onRoute_ && h->nlmsg_type == RTM_DELROUTE) parseRoute(h);
      if (onRoute_ && h->nlmsg_type == RTM_DELRULE) parseRule(h);
      continue;
    }
    if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
    const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    LinkEvent event;
    event.ifindex = info->ifi_index;
    event.flags = info->ifi_flags;
    event.deleted = h->nlmsg_type == RTM_DELLINK;
    int attrLength = static_cast<int>(IFLA_PAYLOAD(h));
    for (auto* a = IFLA_RTA(info); RTA_OK(a, attrLength); a = RTA_NEXT(a, attrLength)) {
      if (a->rta_type != IFLA_IFNAME) continue;
      const auto* name = static_cast<const char*>(RTA_DATA(a));
      event.name.assign(name, strnlen(name, RTA_PAYLOAD(a)));
    }
    handler_(std::move(event));
  }
}

void LinkMonitor::parseAddress(const nlmsghdr* h) {
  const auto* info = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
  if (info->ifa_family != AF_INET && info->ifa_family != AF_INET6) return;
  AddressEvent event;
  event.added = h->nlmsg_type == RTM_NEWADDR;
  event.ifindex = static_cast<int>(info->ifa_index);
  event.family = info->ifa_family;
  event.prefix = info->ifa_prefixlen;
  // IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on a
  // point-to-point link); IPv6 only sends IFA_ADDRESS.
  const void* local = nullptr;
  const void* address = nullptr;
  int attrLength = static_cast<int>(IFA_PAYLOAD(h));
  for (auto* a = IFA_RTA(info); RTA_OK(a, attrLength); a = RTA_NEXT(a, attrLength)) {
    size_t need = info->ifa_family == AF_INET ? 4 : 16;
    if (RTA_PAYLOAD(a) < need) continue;
    if (a->rta_type == IFA_LOCAL) local = RTA_DATA(a);
    if (a->rta_type == IFA_ADDRESS) address = RTA_DATA(a);
  }
  const void* chosen = local ? local : address;
  if (!chosen) return;
  char text[INET6_ADDRSTRLEN] = {0};
  if (!inet_ntop(info->ifa_family, chosen, text, sizeof text)) return;
  event.address = text;
  onAddress_(std::move(event));
}

namespace {

// The text of an address attribute of `family`, or empty when it is short.
std::string addressText(int family, const rtattr* a) {
  size_t need = family == AF_INET ? 4 : 16;
  char text[INET6_ADDRSTRLEN] = {0};
  if (RTA_PAYLOAD(a) < need || !inet_ntop(family, RTA_DATA(a), text, sizeof text)) return {};
  return text;
}

unsigned u32(const rtattr* a) {
  uint32_t v = 0;
  if (RTA_PAYLOAD(a) >= sizeof v) std::memcpy(&v, RTA_DATA(a), sizeof v);
  return v;
}

}  // namespace

void LinkMonitor::parseRoute(const nlmsghdr* h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return;
  const auto* rt = static_cast<const rtmsg*>(NLMSG_DATA(h));
  if (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6) return;
  RouteEvent event;
  event.family = rt->rtm_family;
  event.prefix = rt->rtm_dst_len;
  event.table = rt->rtm_table;
  event.protocol = rt->rtm_protocol;
  int attrLength = static_cast<int>(RTM_PAYLOAD(h));
  for (auto* a = RTM_RTA(rt); RTA_OK(a, attrLength); a = RTA_NEXT(a, attrLength)) {
    if (a->rta_type == RTA_DST) event.destination = addressText(rt->rtm_family, a);
    if (a->rta_type == RTA_TABLE) event.table = u32(a);
    if (a->rta_type == RTA_PRIORITY) event.priority = u32(a);
  }
  onRoute_(std::move(event));
}

// The rule attributes besides those every rule has (goto, realms, suppressors, tunnel id, ranges...).
static void ruleSelector(const rtattr* a, RouteEvent& e) {
  const auto* data = static_cast<const uint8_t*>(RTA_DATA(a));
  size_t size = RTA_PAYLOAD(a);
  // fib_rule_uid_range (two u32) / fib_rule_port_range (two u16), host order.
  auto pair = [&](int64_t(&out)[2], bool ports) {
    if (ports && size >= 4) {
      uint16_t v[2];
      std::memcpy(v, data, sizeof v);
      out[0] = v[0], out[1] = v[1];
    } else if (!ports && size >= 8) {
      uint32_t v[2];
      std::memcpy(v, data, sizeof v);
      out[0] = v[0], out[1] = v[1];
    }
  };
  switch (a->rta_type) {
    case FRA_GOTO: e.gotoTarget = u32(a); break;
    case FRA_FLOW: e.flow = u32(a); break;
    // The kernel reports an unset suppressor as -1.
    case FRA_SUPPRESS_PREFIXLEN: e.suppressPrefixlen = u32(a) == UINT32_MAX ? -1 : int64_t{u32(a)}; break;
    case FRA_SUPPRESS_IFGROUP: e.suppressIfgroup = u32(a) == UINT32_MAX ? -1 : int64_t{u32(a)}; break;
    case FRA_IP_PROTO:
      if (size >= 1) e.ipProto = data[0];
      break;
    case FRA_L3MDEV:
      if (size >= 1) e.l3mdev = data[0];
      break;
    case FRA_TUN_ID:
      if (size >= 8) {
        uint64_t id;
        std::memcpy(&id, data, 8);
        e.tunnelId = static_cast<double>(be64toh(id));
      }
      break;
    case FRA_UID_RANGE: pair(e.uidRange, false); break;
    case FRA_SPORT_RANGE: pair(e.sportRange, true); break;
    case FRA_DPORT_RANGE: pair(e.dportRange, true); break;
    default: break;
  }
}

void LinkMonitor::parseRule(const nlmsghdr* h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(fib_rule_hdr))) return;
  const auto* frh = static_cast<const fib_rule_hdr*>(NLMSG_DATA(h));
  if (frh->family != AF_INET && frh->family != AF_INET6) return;
  RouteEvent event;
  event.rule = true;
  event.family = frh->family;
  event.prefix = frh->src_len;
  event.table = frh->table;
  event.tos = frh->tos;
  event.action = frh->action;
  // The attributes follow the header at its aligned length.
  const auto* first = reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(frh) + NLMSG_ALIGN(sizeof(fib_rule_hdr)));
  int attrLength = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(fib_rule_hdr)));
  for (auto* a = first; RTA_OK(a, attrLength); a = RTA_NEXT(a, attrLength)) {
    if (a->rta_type == FRA_SRC) event.destination = addressText(frh->family, a);
    if (a->rta_type == FRA_TABLE) event.table = u32(a);
    if (a->rta_type == FRA_PRIORITY) event.priority = u32(a);
    if (a->rta_type == FRA_PROTOCOL && RTA_PAYLOAD(a) >= 1) event.protocol = *static_cast<const uint8_t*>(RTA_DATA(a));
    ruleSelector(a, event);
  }
  onRoute_(std::move(event));
}

}  // namespace vrrp
