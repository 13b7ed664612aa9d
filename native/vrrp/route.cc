#include "route.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/vrf.h>
#include <netlink/route/route.h>

#include <cerrno>

namespace vrrp {
namespace {

// libnl folds kernel errnos into its own codes; map back the ones address
// and link changes produce so TypeScript can name them.
int errnoOf(int nle) {
  switch (nle < 0 ? -nle : nle) {
    case 0: return 0;
    case NLE_EXIST: return EEXIST;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    case NLE_NODEV: return ENODEV;
    case NLE_INVAL: return EINVAL;
    case NLE_BUSY: return EBUSY;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_PERM: return EPERM;
    case NLE_NOMEM: return ENOMEM;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_RANGE: return ERANGE;
    default: return EIO;
  }
}

std::string textOf(nl_addr* addr) {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(nl_addr_get_family(addr), nl_addr_get_binary_addr(addr), buf, sizeof buf);
  return buf;
}

struct AddrGuard {
  rtnl_addr* addr = rtnl_addr_alloc();
  ~AddrGuard() {
    if (addr) rtnl_addr_put(addr);
  }
};

// Fills an rtnl_addr from the spec; returns an errno.
int build(const AddressSpec& spec, rtnl_addr* addr) {
  nl_addr* local = nullptr;
  int rc = nl_addr_parse(spec.address.c_str(), spec.family, &local);
  if (rc < 0) return EINVAL;
  nl_addr_set_prefixlen(local, spec.prefix);
  rtnl_addr_set_ifindex(addr, spec.ifindex);
  rtnl_addr_set_family(addr, spec.family);
  rc = rtnl_addr_set_local(addr, local);
  nl_addr_put(local);
  if (rc < 0) return errnoOf(rc);
  rtnl_addr_set_prefixlen(addr, spec.prefix);
  if (!spec.label.empty() && rtnl_addr_set_label(addr, spec.label.c_str()) < 0) return EINVAL;
  if (spec.scope >= 0) rtnl_addr_set_scope(addr, spec.scope);
  const uint32_t flags = spec.flags | (spec.nodad ? IFA_F_NODAD : 0);
  if (flags) rtnl_addr_set_flags(addr, flags);
  if (spec.preferredLifetime >= 0) {
    rtnl_addr_set_preferred_lifetime(addr, static_cast<uint32_t>(spec.preferredLifetime));
    rtnl_addr_set_valid_lifetime(addr, 0xffffffffU);  // forever
  }
  // libnl sets an IPv4 peer only; an IPv6 one is added to the request by sendAddress.
  if (!spec.peer.empty() && spec.family == AF_INET) {
    nl_addr* peer = nullptr;
    if (nl_addr_parse(spec.peer.c_str(), spec.family, &peer) < 0) return EINVAL;
    rc = rtnl_addr_set_peer(addr, peer);
    nl_addr_put(peer);
    if (rc < 0) return errnoOf(rc);
  }
  if (!spec.broadcast.empty()) {
    nl_addr* brd = nullptr;
    if (nl_addr_parse(spec.broadcast.c_str(), AF_INET, &brd) < 0) return EINVAL;
    rc = rtnl_addr_set_broadcast(addr, brd);
    nl_addr_put(brd);
    if (rc < 0) return errnoOf(rc);
  }
  return 0;
}

}  // namespace

int Route::open() {
  sock_ = nl_socket_alloc();
  if (!sock_) return ENOMEM;
  int rc = nl_connect(sock_, NETLINK_ROUTE);
  return rc < 0 ? errnoOf(rc) : 0;
}

Route::~Route() {
  if (sock_) nl_socket_free(sock_);
}

int Route::interfaceInfo(const std::string& name, InterfaceInfo& out) {
  rtnl_link* link = nullptr;
  int rc = rtnl_link_get_kernel(sock_, 0, name.c_str(), &link);
  if (rc < 0) return errnoOf(rc);
  out.ifindex = rtnl_link_get_ifindex(link);
  out.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  out.running = (rtnl_link_get_flags(link) & IFF_RUNNING) != 0;
  out.multicast = (rtnl_link_get_flags(link) & IFF_MULTICAST) != 0;
  if (nl_addr* mac = rtnl_link_get_addr(link)) {
    auto* bytes = static_cast<const uint8_t*>(nl_addr_get_binary_addr(mac));
    out.mac.assign(bytes, bytes + nl_addr_get_len(mac));
  }
  uint32_t table = 0;
  if (rtnl_link_is_vrf(link) && rtnl_link_vrf_get_tableid(link, &table) < 0) table = 0;
  out.vrfTable = table;
  rtnl_link_put(link);
  nl_cache* cache = nullptr;
  rc = rtnl_addr_alloc_cache(sock_, &cache);
  if (rc < 0) return errnoOf(rc);
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(addr) != out.ifindex) continue;
    nl_addr* local = rtnl_addr_get_local(addr);
    if (!local) continue;
    out.addresses.push_back({rtnl_addr_get_family(addr), textOf(local), rtnl_addr_get_prefixlen(addr), rtnl_addr_get_scope(addr)});
  }
  nl_cache_free(cache);
  return 0;
}

// Sends the RTM_NEWADDR (add) or RTM_DELADDR of `spec`; an IPv6 peer goes in as a second IFA_ADDRESS, which the kernel
// takes over the first (the address itself, as libnl writes it without a peer).
int Route::sendAddress(const AddressSpec& spec, bool add) {
  AddrGuard g;
  if (!g.addr) return ENOMEM;
  int error = build(spec, g.addr);
  if (error) return error;
  nl_msg* msg = nullptr;
  int rc = add ? rtnl_addr_build_add_request(g.addr, NLM_F_EXCL, &msg) : rtnl_addr_build_delete_request(g.addr, 0, &msg);
  if (rc < 0) return errnoOf(rc);
  if (!spec.peer.empty() && spec.family == AF_INET6) {
    in6_addr peer{};
    if (inet_pton(AF_INET6, spec.peer.c_str(), &peer) != 1 || nla_put(msg, IFA_ADDRESS, sizeof peer, &peer) < 0) {
      nlmsg_free(msg);
      return EINVAL;
    }
  }
  rc = nl_send_sync(sock_, msg);  // frees msg
  return rc < 0 ? errnoOf(rc) : 0;
}

int Route::addAddress(const AddressSpec& spec) { return sendAddress(spec, true); }

int Route::deleteAddress(const AddressSpec& spec) { return sendAddress(spec, false); }

int Route::createMacvlan(const MacvlanSpec& spec) {
  rtnl_link* link = rtnl_link_macvlan_alloc();
  if (!link) return ENOMEM;
  rtnl_link_set_name(link, spec.name.c_str());
  rtnl_link_set_link(link, spec.parentIfindex);
  // Private mode: the VRRP virtual MAC must not talk to sibling macvlans.
  rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_PRIVATE);
  nl_addr* mac = nl_addr_build(AF_LLC, spec.mac.data(), spec.mac.size());
  rtnl_link_set_addr(link, mac);
  nl_addr_put(mac);
  int rc = errnoOf(rtnl_link_add(sock_, link, NLM_F_CREATE | NLM_F_EXCL));
  rtnl_link_put(link);
  if (rc) return rc;
  // addrgenmode none (keepalived's) in a change of its own before the link
  // goes up: the kernel applies flags first, and up would generate a
  // link-local from the virtual MAC.
  rc = changeLink(spec.name, [](rtnl_link* change) { return rtnl_link_inet6_set_addr_gen_mode(change, IN6_ADDR_GEN_MODE_NONE); });
  if (!rc)
    rc = changeLink(spec.name, [](rtnl_link* change) {
      rtnl_link_set_flags(change, IFF_UP);
      return 0;
    });
  // Made but not set up: not left behind (the caller knows only the failure, and the next open would meet EEXIST).
  if (rc) deleteLink(spec.name);
  return rc;
}

// libnl has no setter for IFLA_IPVLAN_FLAGS: the RTM_NEWLINK is written here.
int Route::createIpvlan(const IpvlanSpec& spec) {
  ifinfomsg header{};
  header.ifi_family = AF_UNSPEC;
  nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  if (!msg) return ENOMEM;
  uint16_t mode = IPVLAN_MODE_L2;
  bool built = nlmsg_append(msg, &header, sizeof header, NLMSG_ALIGNTO) == 0 &&
               nla_put_string(msg, IFLA_IFNAME, spec.name.c_str()) == 0 &&
               nla_put_u32(msg, IFLA_LINK, static_cast<uint32_t>(spec.parentIfindex)) == 0;
  nlattr* linkInfo = built ? nla_nest_start(msg, IFLA_LINKINFO) : nullptr;
  built = linkInfo && nla_put_string(msg, IFLA_INFO_KIND, "ipvlan") == 0;
  nlattr* data = built ? nla_nest_start(msg, IFLA_INFO_DATA) : nullptr;
  built = data && nla_put_u16(msg, IFLA_IPVLAN_MODE, mode) == 0 && nla_put_u16(msg, IFLA_IPVLAN_FLAGS, spec.flags) == 0;
  if (!built) {
    nlmsg_free(msg);
    return ENOMEM;
  }
  nla_nest_end(msg, data);
  nla_nest_end(msg, linkInfo);
  int rc = errnoOf(nl_send_sync(sock_, msg));  // frees msg
  if (rc) return rc;
  rc = changeLink(spec.name, [](rtnl_link* change) {
    rtnl_link_set_flags(change, IFF_UP);
    return 0;
  });
  if (rc) deleteLink(spec.name);
  return rc;
}

int Route::changeLink(const std::string& name, const std::function<int(rtnl_link*)>& describe) {
  rtnl_link* link = nullptr;
  int rc = rtnl_link_get_kernel(sock_, 0, name.c_str(), &link);
  if (rc < 0) return errnoOf(rc);
  rtnl_link* change = rtnl_link_alloc();
  rc = change ? describe(change) : -NLE_NOMEM;
  if (rc >= 0) rc = rtnl_link_change(sock_, link, change, 0);
  if (change) rtnl_link_put(change);
  rtnl_link_put(link);
  return errnoOf(rc);
}

int Route::deleteLink(const std::string& name) {
  rtnl_link* link = rtnl_link_alloc();
  if (!link) return ENOMEM;
  rtnl_link_set_name(link, name.c_str());
  int rc = rtnl_link_delete(sock_, link);
  rtnl_link_put(link);
  return errnoOf(rc);
}

int Route::setIpv4Conf(int ifindex, const std::string& name, uint32_t value, uint32_t& previous) {
  int id = rtnl_link_inet_str2devconf(name.c_str());
  if (id < 0) return EINVAL;
  rtnl_link* link = nullptr;
  int rc = rtnl_link_get_kernel(sock_, ifindex, nullptr, &link);
  if (rc < 0) return errnoOf(rc);
  rc = rtnl_link_inet_get_conf(link, id, &previous);
  rtnl_link* change = rc < 0 ? nullptr : rtnl_link_alloc();
  if (change) {
    rc = rtnl_link_inet_set_conf(change, id, value);
    if (rc >= 0) rc = rtnl_link_change(sock_, link, change, 0);
    rtnl_link_put(change);
  } else if (rc >= 0) {
    rc = -NLE_NOMEM;
  }
  rtnl_link_put(link);
  return errnoOf(rc);
}

int Route::listHostRoutes(int family, uint32_t table, int protocol, std::vector<HostRoute>& out) {
  nl_cache* cache = nullptr;
  // ROUTE_CACHE_CONTENT: every table, not only main.
  int rc = rtnl_route_alloc_cache(sock_, family, ROUTE_CACHE_CONTENT, &cache);
  if (rc < 0) return errnoOf(rc);
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(route) != table || rtnl_route_get_protocol(route) != protocol) continue;
    nl_addr* dst = rtnl_route_get_dst(route);
    if (!dst) continue;
    out.push_back({textOf(dst), static_cast<int>(nl_addr_get_prefixlen(dst))});
  }
  nl_cache_free(cache);
  return 0;
}

}  // namespace vrrp
