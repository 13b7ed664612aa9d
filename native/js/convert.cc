#include "convert.h"

#include <arpa/inet.h>

#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "packed.h"

namespace js {
namespace {

using ipvs::Destination;
using ipvs::Request;
using ipvs::Result;
using ipvs::Service;
using ipvs::Stats;
namespace pk = packed;

[[noreturn]] void fail(Napi::Env env, size_t index, const char* what) {
  throw Napi::TypeError::New(env, "native contract: request " + std::to_string(index) + ": " + what);
}

// Reads one packed request, checking every value against its wire type.
class Reader {
 public:
  Reader(Napi::Env env, const uint32_t* words, const std::vector<std::string>& strings, size_t index)
      : env_(env), w_(words), strings_(strings), index_(index) {}

  uint32_t u32(uint32_t at) const { return w_[at]; }
  template <typename T>
  T narrow(uint32_t at, const char* what) const {
    if (w_[at] > std::numeric_limits<T>::max()) fail(env_, index_, what);
    return static_cast<T>(w_[at]);
  }
  uint16_t family(uint32_t at) const {
    if (w_[at] != AF_INET && w_[at] != AF_INET6) fail(env_, index_, "address family must be AF_INET or AF_INET6");
    return static_cast<uint16_t>(w_[at]);
  }
  ipvs::Address address(uint32_t at) const {
    ipvs::Address a;
    std::memcpy(a.data(), &w_[at], a.size());
    return a;
  }
  const std::string& string(uint32_t at) const {
    if (w_[at] >= strings_.size()) fail(env_, index_, "string index out of range");
    return strings_[w_[at]];
  }

 private:
  Napi::Env env_;
  const uint32_t* w_;
  const std::vector<std::string>& strings_;
  size_t index_;
};

Service serviceFrom(const Reader& r) {
  Service s;
  s.af = r.family(pk::S_AF);
  s.fwmark = r.u32(pk::S_FWMARK);
  s.protocol = r.narrow<uint16_t>(pk::S_PROTOCOL, "service protocol must fit 16 bits");
  s.port = r.narrow<uint16_t>(pk::S_PORT, "service port must fit 16 bits");
  s.address = r.address(pk::S_ADDR);
  uint32_t opt = r.u32(pk::S_OPT);
  if (opt & pk::SO_SCHED) s.scheduler = r.string(pk::S_SCHED);
  if (opt & pk::SO_FLAGS) s.flags = r.u32(pk::S_FLAGS);
  if (opt & pk::SO_MASK) s.flagsMask = r.u32(pk::S_MASK);
  if (opt & pk::SO_TIMEOUT) s.timeout = r.u32(pk::S_TIMEOUT);
  if (opt & pk::SO_NETMASK) s.netmask = r.u32(pk::S_NETMASK);
  if (opt & pk::SO_PE) s.pe = r.string(pk::S_PE);
  return s;
}

Destination destFrom(const Reader& r) {
  Destination d;
  uint32_t opt = r.u32(pk::D_OPT);
  if (opt & pk::DO_AF) d.af = r.family(pk::D_AF);
  d.port = r.narrow<uint16_t>(pk::D_PORT, "destination port must fit 16 bits");
  d.address = r.address(pk::D_ADDR);
  if (opt & pk::DO_FWD) d.forwarding = r.u32(pk::D_FWD);
  if (opt & pk::DO_WEIGHT) d.weight = r.u32(pk::D_WEIGHT);
  if (opt & pk::DO_UPPER) d.upperThreshold = r.u32(pk::D_UPPER);
  if (opt & pk::DO_LOWER) d.lowerThreshold = r.u32(pk::D_LOWER);
  if (opt & pk::DO_TUN_TYPE) d.tunnelType = r.narrow<uint8_t>(pk::D_TUN_TYPE, "tunnel type must fit 8 bits");
  if (opt & pk::DO_TUN_PORT) d.tunnelPort = r.narrow<uint16_t>(pk::D_TUN_PORT, "tunnel port must fit 16 bits");
  if (opt & pk::DO_TUN_FLAGS) d.tunnelFlags = r.narrow<uint16_t>(pk::D_TUN_FLAGS, "tunnel flags must fit 16 bits");
  return d;
}

ipvs::Daemon daemonFrom(const Reader& r) {
  ipvs::Daemon d;
  uint32_t opt = r.u32(pk::M_OPT);
  d.state = r.u32(pk::M_STATE);
  if (opt & pk::MO_IFNAME) d.interface = r.string(pk::M_IFNAME);
  if (opt & pk::MO_SYNC_ID) d.syncId = r.u32(pk::M_SYNC_ID);
  if (opt & pk::MO_MAXLEN) d.maxLength = r.narrow<uint16_t>(pk::M_MAXLEN, "sync max length must fit 16 bits");
  if (opt & pk::MO_GROUP) {
    d.groupFamily = r.family(pk::M_GROUP_AF);
    d.group = r.address(pk::M_GROUP);
  }
  if (opt & pk::MO_PORT) d.port = r.narrow<uint16_t>(pk::M_PORT, "sync port must fit 16 bits");
  if (opt & pk::MO_TTL) d.ttl = r.narrow<uint8_t>(pk::M_TTL, "sync TTL must fit 8 bits");
  return d;
}

std::string textOf(const ipvs::Address& a, uint16_t af) {
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a.data(), text, sizeof text)) return {};
  return text;
}

// Property names are created once per conversion, not once per object.
struct Keys {
  explicit Keys(Napi::Env env) : env(env) {}
  Napi::Env env;
  Napi::String k(const char* name) { return Napi::String::New(env, name); }
  Napi::String index = k("index"), errors = k("errors"), details = k("details"), error = k("error"), extack = k("extack"), services = k("services"), dests = k("dests"),
               daemons = k("daemons"), timeouts = k("timeouts"), info = k("info");
  Napi::String af = k("af"), protocol = k("protocol"), address = k("address"), port = k("port"),
               fwmark = k("fwmark"), scheduler = k("scheduler"), flags = k("flags"), timeout = k("timeout"),
               netmask = k("netmask"), pe = k("pe"), stats = k("stats");
  Napi::String forwarding = k("forwarding"), weight = k("weight"), upperThreshold = k("upperThreshold"),
               lowerThreshold = k("lowerThreshold"), activeConns = k("activeConns"),
               inactiveConns = k("inactiveConns"), persistentConns = k("persistentConns"),
               tunnelType = k("tunnelType"), tunnelPort = k("tunnelPort"), tunnelFlags = k("tunnelFlags");
  Napi::String conns = k("conns"), inpkts = k("inpkts"), outpkts = k("outpkts"), inbytes = k("inbytes"),
               outbytes = k("outbytes"), cps = k("cps"), inpps = k("inpps"), outpps = k("outpps"),
               inbps = k("inbps"), outbps = k("outbps");
  Napi::String state = k("state"), interface = k("interface"), syncId = k("syncId"),
               maxLength = k("maxLength"), group = k("group"), ttl = k("ttl");
  Napi::String tcp = k("tcp"), tcpFin = k("tcpFin"), udp = k("udp"), version = k("version"),
               connTableSize = k("connTableSize");
};

Napi::Number num(Napi::Env env, double v) { return Napi::Number::New(env, v); }

Napi::Object statsToJs(Keys& k, const Stats& s) {
  Napi::Env env = k.env;
  Napi::Object o = Napi::Object::New(env);
  o.Set(k.conns, Napi::BigInt::New(env, s.conns));
  o.Set(k.inpkts, Napi::BigInt::New(env, s.inpkts));
  o.Set(k.outpkts, Napi::BigInt::New(env, s.outpkts));
  o.Set(k.inbytes, Napi::BigInt::New(env, s.inbytes));
  o.Set(k.outbytes, Napi::BigInt::New(env, s.outbytes));
  o.Set(k.cps, Napi::BigInt::New(env, s.cps));
  o.Set(k.inpps, Napi::BigInt::New(env, s.inpps));
  o.Set(k.outpps, Napi::BigInt::New(env, s.outpps));
  o.Set(k.inbps, Napi::BigInt::New(env, s.inbps));
  o.Set(k.outbps, Napi::BigInt::New(env, s.outbps));
  return o;
}

Napi::Object serviceToJs(Keys& k, const Service& s) {
  Napi::Env env = k.env;
  Napi::Object o = Napi::Object::New(env);
  o.Set(k.af, num(env, s.af));
  o.Set(k.protocol, num(env, s.protocol));
  o.Set(k.address, Napi::String::New(env, s.fwmark ? std::string() : textOf(s.address, s.af)));
  o.Set(k.port, num(env, s.port));
  o.Set(k.fwmark, num(env, s.fwmark));
  o.Set(k.scheduler, Napi::String::New(env, s.scheduler.value_or("")));
  o.Set(k.flags, num(env, s.flags.value_or(0)));
  o.Set(k.timeout, num(env, s.timeout.value_or(0)));
  o.Set(k.netmask, num(env, s.netmask.value_or(0)));
  if (s.pe) o.Set(k.pe, Napi::String::New(env, *s.pe));
  o.Set(k.stats, statsToJs(k, s.stats.value_or(Stats{})));
  return o;
}

Napi::Object destToJs(Keys& k, const Destination& d) {
  Napi::Env env = k.env;
  Napi::Object o = Napi::Object::New(env);
  o.Set(k.af, num(env, d.af.value_or(0)));
  o.Set(k.address, Napi::String::New(env, textOf(d.address, d.af.value_or(AF_INET))));
  o.Set(k.port, num(env, d.port));
  o.Set(k.forwarding, num(env, d.forwarding.value_or(0)));
  o.Set(k.weight, num(env, d.weight.value_or(0)));
  o.Set(k.upperThreshold, num(env, d.upperThreshold.value_or(0)));
  o.Set(k.lowerThreshold, num(env, d.lowerThreshold.value_or(0)));
  o.Set(k.activeConns, num(env, d.activeConns));
  o.Set(k.inactiveConns, num(env, d.inactiveConns));
  o.Set(k.persistentConns, num(env, d.persistentConns));
  o.Set(k.tunnelType, num(env, d.tunnelType.value_or(0)));
  o.Set(k.tunnelPort, num(env, d.tunnelPort.value_or(0)));
  o.Set(k.tunnelFlags, num(env, d.tunnelFlags.value_or(0)));
  o.Set(k.stats, statsToJs(k, d.stats.value_or(Stats{})));
  return o;
}

Napi::Object daemonToJs(Keys& k, const ipvs::Daemon& d) {
  Napi::Env env = k.env;
  Napi::Object o = Napi::Object::New(env);
  o.Set(k.state, num(env, d.state));
  o.Set(k.interface, Napi::String::New(env, d.interface.value_or("")));
  o.Set(k.syncId, num(env, d.syncId.value_or(0)));
  o.Set(k.maxLength, num(env, d.maxLength.value_or(0)));
  o.Set(k.group, Napi::String::New(env, d.group ? textOf(*d.group, d.groupFamily) : std::string()));
  o.Set(k.port, num(env, d.port.value_or(0)));
  o.Set(k.ttl, num(env, d.ttl.value_or(0)));
  return o;
}

template <typename T, typename F>
Napi::Array arrayToJs(Keys& k, const std::vector<T>& items, F convert) {
  Napi::Array a = Napi::Array::New(k.env, items.size());
  for (size_t i = 0; i < items.size(); ++i) a.Set(static_cast<uint32_t>(i), convert(k, items[i]));
  return a;
}

Napi::Object resultToJs(Keys& k, const Result& r) {
  Napi::Env env = k.env;
  Napi::Object o = Napi::Object::New(env);
  o.Set(k.error, num(env, r.error));
  if (!r.extack.empty()) o.Set(k.extack, Napi::String::New(env, r.extack));
  if (!r.services.empty()) o.Set(k.services, arrayToJs(k, r.services, serviceToJs));
  if (!r.dests.empty()) o.Set(k.dests, arrayToJs(k, r.dests, destToJs));
  if (!r.daemons.empty()) o.Set(k.daemons, arrayToJs(k, r.daemons, daemonToJs));
  if (r.timeouts) {
    Napi::Object t = Napi::Object::New(env);
    t.Set(k.tcp, num(env, r.timeouts->tcp.value_or(0)));
    t.Set(k.tcpFin, num(env, r.timeouts->tcpFin.value_or(0)));
    t.Set(k.udp, num(env, r.timeouts->udp.value_or(0)));
    o.Set(k.timeouts, t);
  }
  if (r.info) {
    Napi::Object i = Napi::Object::New(env);
    i.Set(k.version, num(env, r.info->version));
    i.Set(k.connTableSize, num(env, r.info->connTableSize));
    o.Set(k.info, i);
  }
  return o;
}


bool hasDetail(const Result& r) {
  return !r.extack.empty() || !r.services.empty() || !r.dests.empty() || !r.daemons.empty() || r.timeouts || r.info;
}

}  // namespace

std::vector<Request> requestsFromJs(const Napi::Value& wordsValue, const Napi::Value& stringsValue) {
  Napi::Env env = wordsValue.Env();
  if (!wordsValue.IsTypedArray() || wordsValue.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw Napi::TypeError::New(env, "native contract: requests must be a Uint32Array");
  }
  if (!stringsValue.IsArray()) throw Napi::TypeError::New(env, "native contract: strings must be an array");
  auto words = wordsValue.As<Napi::Uint32Array>();
  if (words.ElementLength() % pk::STRIDE != 0) {
    throw Napi::TypeError::New(env, "native contract: requests length must be a multiple of the stride");
  }
  auto stringArray = stringsValue.As<Napi::Array>();
  std::vector<std::string> strings;
  strings.reserve(stringArray.Length());
  for (uint32_t i = 0; i < stringArray.Length(); ++i) {
    Napi::Value v = stringArray.Get(i);
    if (!v.IsString()) throw Napi::TypeError::New(env, "native contract: strings must hold strings");
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.empty() || s.size() > 15 || s.find('\0') != std::string::npos) {
      throw Napi::TypeError::New(env, "native contract: names must be 1 to 15 bytes without NUL");
    }
    strings.push_back(std::move(s));
  }
  size_t count = words.ElementLength() / pk::STRIDE;
  std::vector<Request> out(count);
  for (size_t i = 0; i < count; ++i) {
    Reader r(env, words.Data() + i * pk::STRIDE, strings, i);
    Request& req = out[i];
    uint32_t cmd = r.u32(pk::CMD);
    if (cmd < ipvs::CMD_NEW_SERVICE || cmd > ipvs::CMD_MAX) fail(env, i, "cmd must be an IPVS command");
    req.cmd = static_cast<ipvs::Command>(cmd);
    uint32_t flags = r.u32(pk::FLAGS);
    req.dump = flags & pk::F_DUMP;
    if (flags & pk::F_SERVICE) req.service = serviceFrom(r);
    if (flags & pk::F_DEST) {
      if (!req.service) fail(env, i, "a destination needs its service");
      req.dest = destFrom(r);
    }
    if (flags & pk::F_DAEMON) req.daemon = daemonFrom(r);
    if (flags & pk::F_TIMEOUTS) {
      uint32_t opt = r.u32(pk::T_OPT);
      req.timeouts = ipvs::Timeouts{};
      if (opt & pk::TO_TCP) req.timeouts->tcp = r.u32(pk::T_TCP);
      if (opt & pk::TO_TCP_FIN) req.timeouts->tcpFin = r.u32(pk::T_TCP_FIN);
      if (opt & pk::TO_UDP) req.timeouts->udp = r.u32(pk::T_UDP);
    }
  }
  return out;
}

Napi::Object resultsToJs(Napi::Env env, const std::vector<Result>& results) {
  // Errnos go in one typed array; only results that carry more (data or an
  // extended-ack text) become objects, and property names are made only then.
  Napi::Int32Array errors = Napi::Int32Array::New(env, results.size());
  Napi::Array details = Napi::Array::New(env);
  std::optional<Keys> keys;
  uint32_t n = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    errors[i] = results[i].error;
    if (!hasDetail(results[i])) continue;
    if (!keys) keys.emplace(env);
    Napi::Object detail = resultToJs(*keys, results[i]);
    detail.Set(keys->index, Napi::Number::New(env, static_cast<double>(i)));
    details.Set(n++, detail);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("errors", errors);
  out.Set("details", details);
  return out;
}

Napi::Object resultToJs(Napi::Env env, const Result& result) {
  Keys k(env);
  return resultToJs(k, result);
}

}  // namespace js
