#include "vrrp_link.h"

#include <arpa/inet.h>
#include <linux/if_link.h>

#include <memory>
#include <vector>

#include "../vrrp/auth_header.h"
#include "../vrrp/channel.h"
#include "../vrrp/link_monitor.h"
#include "../vrrp/md5.h"
#include "../vrrp/netns.h"
#include "../vrrp/route.h"
#include "errors.h"
#include "fields.h"

namespace js {
namespace {

// A deleted rule's tos, action and the selectors it has beyond every rule's (absent ones left out).
void ruleSelectors(Napi::Env env, Napi::Object& o, const vrrp::RouteEvent& p) {
  o.Set("tos", p.tos);
  o.Set("action", p.action);
  const std::pair<const char*, int64_t> scalars[] = {{"goto", p.gotoTarget},
                                                     {"flow", p.flow},
                                                     {"suppressPrefixLength", p.suppressPrefixlen},
                                                     {"suppressIfgroup", p.suppressIfgroup},
                                                     {"ipProto", p.ipProto}};
  for (const auto& [name, value] : scalars)
    if (value >= 0) o.Set(name, Napi::Number::New(env, static_cast<double>(value)));
  if (p.l3mdev > 0) o.Set("l3mdev", true);
  if (p.tunnelId >= 0) o.Set("tunnelId", p.tunnelId);
  const std::pair<const char*, const int64_t*> ranges[] = {
      {"uidRange", p.uidRange}, {"sportRange", p.sportRange}, {"dportRange", p.dportRange}};
  for (const auto& [name, range] : ranges) {
    if (range[0] < 0) continue;
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, Napi::Number::New(env, static_cast<double>(range[0])));
    a.Set(1u, Napi::Number::New(env, static_cast<double>(range[1])));
    o.Set(name, a);
  }
}

std::vector<uint8_t> bytesOf(Napi::Value v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(v.Env(), "native contract: bytes must be a Uint8Array");
  }
  auto a = v.As<Napi::Uint8Array>();
  return std::vector<uint8_t>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<vrrp::Outgoing> packetsOf(Napi::Value v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "native contract: packets must be an array");
  auto a = v.As<Napi::Array>();
  std::vector<vrrp::Outgoing> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value item = a.Get(i);
    if (!item.IsObject()) throw Napi::TypeError::New(v.Env(), "native contract: packet must be an object");
    auto o = item.As<Napi::Object>();
    out.push_back({stringField(o, "destination"), bytesOf(o.Get("bytes"))});
  }
  return out;
}

vrrp::AddressSpec addressSpecOf(const Napi::Object& o) {
  vrrp::AddressSpec s;
  s.ifindex = intField(o, "ifindex", 0, true);
  s.family = intField(o, "family", 0, true);
  s.address = stringField(o, "address");
  s.prefix = intField(o, "prefix", 0, true);
  s.label = stringField(o, "label", false);
  s.scope = intField(o, "scope", -1);
  s.broadcast = stringField(o, "broadcast", false);
  s.peer = stringField(o, "peer", false);
  s.nodad = o.Get("nodad").ToBoolean().Value();
  s.flags = static_cast<uint32_t>(u32Field(o, "flags", 0));
  s.preferredLifetime = u32Field(o, "preferredLifetime", -1);
  return s;
}

// Runs `work` with an rtnetlink handle inside `netns`; returns the first errno.
template <typename Work>
int withRoute(const std::string& netns, Work&& work) {
  int error = 0;
  int nsError = vrrp::inNetns(netns, [&] {
    vrrp::Route route;
    error = route.open();
    if (!error) error = work(route);
  });
  return nsError ? nsError : error;
}

class VrrpLink : public Napi::ObjectWrap<VrrpLink> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VrrpLink",
                       {InstanceMethod<&VrrpLink::Schedule>("schedule"), InstanceMethod<&VrrpLink::SendNow>("sendNow"),
                        InstanceMethod<&VrrpLink::QueueFrames>("queueFrames"), InstanceMethod<&VrrpLink::AddAddress>("addAddress"),
                        InstanceMethod<&VrrpLink::DeleteAddress>("deleteAddress"), InstanceMethod<&VrrpLink::Counters>("counters"),
                        InstanceMethod<&VrrpLink::Heartbeat>("heartbeat"), InstanceMethod<&VrrpLink::Close>("close")});
  }

  // new VrrpLink(options, onPacket): opens everything inside options.netns.
  explicit VrrpLink(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VrrpLink>(info) {
    Napi::Env env = info.Env();
    Napi::Object o = objectArg(info, 0);
    if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "native contract: onPacket must be a function");
    vrrp::ChannelOptions options;
    options.family = intField(o, "family", 0, true);
    options.ifname = stringField(o, "interface");
    options.ifindex = intField(o, "ifindex", 0, true);
    options.sendIfname = stringField(o, "sendInterface", false);
    options.sendIfindex = intField(o, "sendIfindex", 0);
    if (!o.Get("sendMac").IsUndefined()) options.sendMac = bytesOf(o.Get("sendMac"));
    options.multicast = o.Get("multicast").ToBoolean().Value();
    options.group = stringField(o, "group", false);
    options.source = stringField(o, "source");
    options.ttl = intField(o, "ttl", 255);
    options.rtPriority = intField(o, "rtPriority", 0);
    options.watchdog = std::chrono::microseconds(intField(o, "watchdogUs", 0));
    options.receiveBuffer = intField(o, "receiveBuffer", 0);
    if (!o.Get("ahKey").IsUndefined()) {
      options.ahKey = bytesOf(o.Get("ahKey"));
      if (options.ahKey.empty()) throw Napi::TypeError::New(env, "native contract: ahKey must not be empty");
      options.virtualRouterId = intField(o, "virtualRouterId", 0, true);
    }
    std::string netns = stringField(o, "netns", false);
    channel_ = std::make_unique<vrrp::Channel>();
    route_ = std::make_unique<vrrp::Route>();
    vrrp::ChannelFailure failed;
    int routeError = 0;
    int nsError = vrrp::inNetns(netns, [&] {
      failed = channel_->open(options);
      if (!failed.error) routeError = route_->open();
    });
    if (nsError) throw syscallError(env, nsError, "netns");
    if (failed.error) throw syscallError(env, failed.error, failed.stage);
    if (routeError) throw syscallError(env, routeError, "rtnetlink");
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "vrrp:receive", kQueueLimit, 1);
    open_ = true;
    int rtError = channel_->start([this](vrrp::Received&& r) {
      auto* packet = new vrrp::Received(std::move(r));
      // A full queue means JavaScript is stalled: drop, as a congested link would.
      napi_status status = tsfn_.NonBlockingCall(packet, [](Napi::Env env, Napi::Function callback, vrrp::Received* p) {
        std::unique_ptr<vrrp::Received> owned(p);
        if (!env) return;
        Napi::Uint8Array data = Napi::Uint8Array::New(env, p->data.size());
        std::memcpy(data.Data(), p->data.data(), p->data.size());
        callback.Call({data, Napi::String::New(env, p->source), Napi::String::New(env, p->destination),
                       Napi::Number::New(env, p->hopLimit), Napi::Number::New(env, static_cast<int>(p->ah))});
      });
      if (status != napi_ok) {
        delete packet;
        ++dropped_;
      }
    });
    if (rtError) {
      shutdown();
      throw syscallError(env, rtError, "rt-priority");
    }
  }

  ~VrrpLink() override { shutdown(); }

 private:
  static constexpr size_t kQueueLimit = 1024;

  void ensureOpen(Napi::Env env) {
    if (!open_) throw closedError(env, "the VRRP link is closed");
  }

  void shutdown() {
    if (!open_) return;
    open_ = false;
    channel_->stop();
    tsfn_.Release();
  }

  Napi::Value Schedule(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    if (!info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "native contract: intervalUs must be a number");
    channel_->schedule(packetsOf(info[0]), std::chrono::microseconds(info[1].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  }

  Napi::Value SendNow(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    return Napi::Number::New(info.Env(), channel_->sendNow(packetsOf(info[0])));
  }

  Napi::Value QueueFrames(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    if (!info[0].IsNumber() || !info[1].IsArray() || !info[2].IsNumber()) {
      throw Napi::TypeError::New(info.Env(), "native contract: queueFrames(ifindex, frames, gapUs)");
    }
    auto a = info[1].As<Napi::Array>();
    std::vector<std::vector<uint8_t>> frames;
    for (uint32_t i = 0; i < a.Length(); ++i) frames.push_back(bytesOf(a.Get(i)));
    channel_->queueFrames(info[0].As<Napi::Number>().Int32Value(), std::move(frames),
                          std::chrono::microseconds(info[2].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  }

  Napi::Value AddAddress(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    return Napi::Number::New(info.Env(), route_->addAddress(addressSpecOf(objectArg(info, 0))));
  }

  Napi::Value DeleteAddress(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    return Napi::Number::New(info.Env(), route_->deleteAddress(addressSpecOf(objectArg(info, 0))));
  }

  // heartbeat() -> adverts the watchdog withheld since the previous call.
  Napi::Value Heartbeat(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    return Napi::Number::New(info.Env(), static_cast<double>(channel_->heartbeat()));
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("sent", Napi::Number::New(info.Env(), static_cast<double>(channel_->sent())));
    out.Set("sendErrors", Napi::Number::New(info.Env(), static_cast<double>(channel_->sendErrors())));
    out.Set("framesSent", Napi::Number::New(info.Env(), static_cast<double>(channel_->framesSent())));
    out.Set("receiveDropped", Napi::Number::New(info.Env(), static_cast<double>(dropped_.load())));
    out.Set("withheld", Napi::Number::New(info.Env(), static_cast<double>(channel_->withheld())));
    out.Set("lastError", Napi::Number::New(info.Env(), channel_->lastError()));
    out.Set("receiveBuffer", Napi::Number::New(info.Env(), channel_->receiveBuffer()));
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }

  std::unique_ptr<vrrp::Channel> channel_;
  std::unique_ptr<vrrp::Route> route_;
  Napi::ThreadSafeFunction tsfn_;
  std::atomic<uint64_t> dropped_{0};
  bool open_ = false;
};

// Hands one report from the monitor's thread to `tsfn`'s callback, with the
// arguments `build` makes on the JS thread. Unbounded queue (BlockingCall):
// reports are rare and none may be lost.
template <typename Event, typename Build>
void relay(Napi::ThreadSafeFunction& tsfn, Event&& e, Build build) {
  auto* event = new Event(std::move(e));
  napi_status status = tsfn.BlockingCall(event, [build](Napi::Env env, Napi::Function callback, Event* p) {
    std::unique_ptr<Event> owned(p);
    if (env) callback.Call(build(env, *p));
  });
  if (status != napi_ok) delete event;
}

// new VrrpLinkMonitor({netns}, onLink[, onAddress[, onRouteDeleted]]):
// link state reports (first a dump of every link, then changes) delivered to
// onLink(ifindex, name, flags, deleted); with onAddress, every address
// addition and removal to onAddress(ifindex, family, address, prefix, added);
// with onRouteDeleted, every route and rule removal of the groups joined by
// watchRoutes({route4, route6, rule4, rule6}) (none at first) to
// onRouteDeleted({kind, family, destination, prefix, table, protocol,
// priority}). poll([{name,
// method}], intervalMs) reads those interfaces by ioctl too (linkbeat), each
// changed reading delivered as onLink(0, name, flags, false, method) with the
// method that answered ('' while the interface does not exist).
class VrrpLinkMonitor : public Napi::ObjectWrap<VrrpLinkMonitor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VrrpLinkMonitor",
                       {InstanceMethod<&VrrpLinkMonitor::Close>("close"), InstanceMethod<&VrrpLinkMonitor::Poll>("poll"),
                        InstanceMethod<&VrrpLinkMonitor::WatchRoutes>("watchRoutes")});
  }

  explicit VrrpLinkMonitor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VrrpLinkMonitor>(info) {
    Napi::Env env = info.Env();
    Napi::Object o = objectArg(info, 0);
    if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "native contract: onLink must be a function");
    bool addresses = !info[2].IsUndefined();
    if (addresses && !info[2].IsFunction()) throw Napi::TypeError::New(env, "native contract: onAddress must be a function");
    bool routes = !info[3].IsUndefined();
    if (routes && !info[3].IsFunction()) throw Napi::TypeError::New(env, "native contract: onRouteDeleted must be a function");
    monitor_ = std::make_unique<vrrp::LinkMonitor>();
    int error = 0;
    int nsError = vrrp::inNetns(stringField(o, "netns", false), [&] { error = monitor_->open(addresses); });
    if (nsError) throw syscallError(env, nsError, "netns");
    if (error) throw syscallError(env, error, "rtnetlink");
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "vrrp:link", 0, 1);
    if (addresses) addressTsfn_ = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "vrrp:address", 0, 1);
    if (routes) routeTsfn_ = Napi::ThreadSafeFunction::New(env, info[3].As<Napi::Function>(), "vrrp:route", 0, 1);
    open_ = true;
    vrrp::LinkMonitor::AddressHandler onAddress;
    if (addresses) {
      onAddress = [this](vrrp::AddressEvent&& e) {
        relay(addressTsfn_, std::move(e), [](Napi::Env env, const vrrp::AddressEvent& p) {
          return std::vector<napi_value>{Napi::Number::New(env, p.ifindex), Napi::Number::New(env, p.family),
                                         Napi::String::New(env, p.address), Napi::Number::New(env, p.prefix),
                                         Napi::Boolean::New(env, p.added)};
        });
      };
    }
    vrrp::LinkMonitor::RouteHandler onRoute;
    if (routes) {
      onRoute = [this](vrrp::RouteEvent&& e) {
        relay(routeTsfn_, std::move(e), [](Napi::Env env, const vrrp::RouteEvent& p) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("kind", p.rule ? "rule" : "route");
          o.Set("family", p.family);
          o.Set("destination", p.destination);
          o.Set("prefix", p.prefix);
          o.Set("table", p.table);
          o.Set("protocol", p.protocol);
          o.Set("priority", p.priority);
          if (p.rule) ruleSelectors(env, o, p);
          return std::vector<napi_value>{o};
        });
      };
    }
    monitor_->start(
        [this](vrrp::LinkEvent&& e) {
          relay(tsfn_, std::move(e), [](Napi::Env env, const vrrp::LinkEvent& p) {
            std::vector<napi_value> args{Napi::Number::New(env, p.ifindex), Napi::String::New(env, p.name),
                                         Napi::Number::New(env, p.flags), Napi::Boolean::New(env, p.deleted)};
            if (p.polled) args.push_back(Napi::String::New(env, vrrp::linkbeatName(p.linkbeat)));
            return args;
          });
        },
        std::move(onAddress), std::move(onRoute));
  }

  ~VrrpLinkMonitor() override { shutdown(); }

 private:
  void shutdown() {
    if (!open_) return;
    open_ = false;
    monitor_->stop();
    tsfn_.Release();
    if (addressTsfn_) addressTsfn_.Release();
    if (routeTsfn_) routeTsfn_.Release();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }

  Napi::Value Poll(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "native contract: poll takes an array of {name, method}");
    auto list = info[0].As<Napi::Array>();
    std::vector<vrrp::LinkbeatSpec> specs;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value item = list.Get(i);
      if (!item.IsObject()) throw Napi::TypeError::New(env, "native contract: poll entry must be an object");
      auto o = item.As<Napi::Object>();
      specs.push_back({stringField(o, "name"), linkbeatMethod(env, stringField(o, "method", false))});
    }
    int intervalMs = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
    if (intervalMs < 1) throw Napi::TypeError::New(env, "native contract: poll interval must be a positive number of ms");
    if (open_) monitor_->poll(std::move(specs), intervalMs);
    return env.Undefined();
  }

  Napi::Value WatchRoutes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = objectArg(info, 0);
    auto flag = [&](const char* name) { return o.Get(name).ToBoolean().Value(); };
    if (!routeTsfn_) throw Napi::TypeError::New(env, "native contract: watchRoutes needs onRouteDeleted");
    int error = open_ ? monitor_->watch(flag("route4"), flag("route6"), flag("rule4"), flag("rule6")) : 0;
    if (error) throw syscallError(env, error, "rtnetlink");
    return env.Undefined();
  }

  static vrrp::LinkbeatMethod linkbeatMethod(Napi::Env env, const std::string& word) {
    if (word.empty()) return vrrp::LinkbeatMethod::Auto;
    if (word == "MII") return vrrp::LinkbeatMethod::Mii;
    if (word == "ETHTOOL") return vrrp::LinkbeatMethod::Ethtool;
    if (word == "IOCTL") return vrrp::LinkbeatMethod::Ioctl;
    throw Napi::TypeError::New(env, "native contract: linkbeat method must be MII, ETHTOOL or IOCTL");
  }

  std::unique_ptr<vrrp::LinkMonitor> monitor_;
  Napi::ThreadSafeFunction tsfn_;
  Napi::ThreadSafeFunction addressTsfn_;
  Napi::ThreadSafeFunction routeTsfn_;
  bool open_ = false;
};

// vrrpInterface({netns, interface}) -> {ifindex, mac, up, running, multicast, vrfTable, addresses[]}
Napi::Value InterfaceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = objectArg(info, 0);
  std::string name = stringField(o, "interface");
  vrrp::InterfaceInfo out;
  int error = withRoute(stringField(o, "netns", false), [&](vrrp::Route& route) { return route.interfaceInfo(name, out); });
  if (error) throw syscallError(env, error, "interface");
  Napi::Object r = Napi::Object::New(env);
  r.Set("ifindex", out.ifindex);
  r.Set("up", out.up);
  r.Set("running", out.running);
  r.Set("multicast", out.multicast);
  r.Set("vrfTable", out.vrfTable);
  Napi::Uint8Array mac = Napi::Uint8Array::New(env, out.mac.size());
  if (!out.mac.empty()) std::memcpy(mac.Data(), out.mac.data(), out.mac.size());
  r.Set("mac", mac);
  Napi::Array addresses = Napi::Array::New(env, out.addresses.size());
  for (size_t i = 0; i < out.addresses.size(); ++i) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("family", out.addresses[i].family);
    a.Set("address", out.addresses[i].address);
    a.Set("prefix", out.addresses[i].prefix);
    a.Set("scope", out.addresses[i].scope);
    addresses.Set(static_cast<uint32_t>(i), a);
  }
  r.Set("addresses", addresses);
  return r;
}

// vrrpCreateMacvlan({netns, name, parentIfindex, mac}) / vrrpDeleteLink({netns, name}) -> errno
Napi::Value CreateMacvlan(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  vrrp::MacvlanSpec spec{stringField(o, "name"), intField(o, "parentIfindex", 0, true), bytesOf(o.Get("mac"))};
  int error = withRoute(stringField(o, "netns", false), [&](vrrp::Route& route) { return route.createMacvlan(spec); });
  return Napi::Number::New(info.Env(), error);
}

// vrrpCreateIpvlan({netns, name, parentIfindex, mode: 'bridge' | 'private' | 'vepa'}) -> errno
Napi::Value CreateIpvlan(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  std::string mode = stringField(o, "mode");
  uint16_t flags = 0;
  if (mode == "private")
    flags = IPVLAN_F_PRIVATE;
  else if (mode == "vepa")
    flags = IPVLAN_F_VEPA;
  else if (mode != "bridge")
    throw Napi::TypeError::New(info.Env(), "native contract: mode must be bridge, private or vepa");
  vrrp::IpvlanSpec spec{stringField(o, "name"), intField(o, "parentIfindex", 0, true), flags};
  int error = withRoute(stringField(o, "netns", false), [&](vrrp::Route& route) { return route.createIpvlan(spec); });
  return Napi::Number::New(info.Env(), error);
}

Napi::Value DeleteLink(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  std::string name = stringField(o, "name");
  int error = withRoute(stringField(o, "netns", false), [&](vrrp::Route& route) { return route.deleteLink(name); });
  return Napi::Number::New(info.Env(), error);
}

// vrrpSetIpv4Conf({netns, ifindex, name, value}) -> {errno, previous}
Napi::Value SetIpv4Conf(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  int ifindex = intField(o, "ifindex", 0, true);
  std::string name = stringField(o, "name");
  auto value = static_cast<uint32_t>(intField(o, "value", 0, true));
  uint32_t previous = 0;
  int error = withRoute(stringField(o, "netns", false),
                        [&](vrrp::Route& route) { return route.setIpv4Conf(ifindex, name, value, previous); });
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("errno", error);
  out.Set("previous", previous);
  return out;
}

// vrrpChangeAddress({netns, add, ...address spec}) -> errno: an address no
// VRRP link owns (keepalived's static_ipaddress).
Napi::Value ChangeAddress(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  vrrp::AddressSpec spec = addressSpecOf(o);
  bool add = o.Get("add").ToBoolean().Value();
  int error = withRoute(stringField(o, "netns", false),
                        [&](vrrp::Route& route) { return add ? route.addAddress(spec) : route.deleteAddress(spec); });
  return Napi::Number::New(info.Env(), error);
}

// routeListHost({netns, family, table, protocol}) -> {errno, routes: [{destination, prefix}]}
Napi::Value ListHostRoutes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = objectArg(info, 0);
  int family = intField(o, "family", 0, true);
  auto table = static_cast<uint32_t>(intField(o, "table", 0, true));
  int protocol = intField(o, "protocol", 0, true);
  std::vector<vrrp::HostRoute> routes;
  int error = withRoute(stringField(o, "netns", false),
                        [&](vrrp::Route& route) { return route.listHostRoutes(family, table, protocol, routes); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", error);
  Napi::Array list = Napi::Array::New(env, routes.size());
  for (size_t i = 0; i < routes.size(); ++i) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("destination", routes[i].destination);
    r.Set("prefix", routes[i].prefix);
    list.Set(static_cast<uint32_t>(i), r);
  }
  out.Set("routes", list);
  return out;
}

Napi::Uint8Array bytesValue(Napi::Env env, const uint8_t* data, size_t length) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, length);
  if (length) std::memcpy(out.Data(), data, length);
  return out;
}

// vrrpMd5(data) / vrrpHmacMd5(key, data) -> digest: the AH digests, for their RFC test vectors.
Napi::Value Md5(const Napi::CallbackInfo& info) {
  std::vector<uint8_t> data = bytesOf(info[0]);
  vrrp::Md5Digest d = vrrp::md5(data.data(), data.size());
  return bytesValue(info.Env(), d.data(), d.size());
}

Napi::Value HmacMd5(const Napi::CallbackInfo& info) {
  std::vector<uint8_t> key = bytesOf(info[0]);
  std::vector<uint8_t> data = bytesOf(info[1]);
  vrrp::Span part{data.data(), data.size()};
  vrrp::Md5Digest d = vrrp::hmacMd5(key.data(), key.size(), &part, 1);
  return bytesValue(info.Env(), d.data(), d.size());
}

// vrrpAhIcv({datagram, key, unicast}) -> the 12-byte ICV an AH advert must carry.
Napi::Value AhIcv(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  std::vector<uint8_t> datagram = bytesOf(o.Get("datagram"));
  vrrp::Icv icv =
      vrrp::authHeaderIcv(datagram.data(), datagram.size(), bytesOf(o.Get("key")), o.Get("unicast").ToBoolean().Value());
  return bytesValue(info.Env(), icv.data(), icv.size());
}

}  // namespace

void defineVrrp(Napi::Env env, Napi::Object exports) {
  exports.Set("VrrpLink", VrrpLink::Define(env));
  exports.Set("VrrpLinkMonitor", VrrpLinkMonitor::Define(env));
  exports.Set("vrrpInterface", Napi::Function::New<InterfaceInfo>(env, "vrrpInterface"));
  exports.Set("vrrpCreateMacvlan", Napi::Function::New<CreateMacvlan>(env, "vrrpCreateMacvlan"));
  exports.Set("vrrpCreateIpvlan", Napi::Function::New<CreateIpvlan>(env, "vrrpCreateIpvlan"));
  exports.Set("vrrpDeleteLink", Napi::Function::New<DeleteLink>(env, "vrrpDeleteLink"));
  exports.Set("vrrpSetIpv4Conf", Napi::Function::New<SetIpv4Conf>(env, "vrrpSetIpv4Conf"));
  exports.Set("vrrpChangeAddress", Napi::Function::New<ChangeAddress>(env, "vrrpChangeAddress"));
  exports.Set("routeListHost", Napi::Function::New<ListHostRoutes>(env, "routeListHost"));
  exports.Set("vrrpMd5", Napi::Function::New<Md5>(env, "vrrpMd5"));
  exports.Set("vrrpHmacMd5", Napi::Function::New<HmacMd5>(env, "vrrpHmacMd5"));
  exports.Set("vrrpAhIcv", Napi::Function::New<AhIcv>(env, "vrrpAhIcv"));
}

}  // namespace js
