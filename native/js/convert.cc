#include "convert.h"

#include <array>

#include <arpa/inet.h>

#include <cmath>
#include <limits>

namespace js {
namespace {

using ipvs::Destination;
using ipvs::Request;
using ipvs::Result;
using ipvs::Service;
using ipvs::Stats;

// Property-name strings for the conversion in progress, found by the
// address of the string literal naming them, so reading a field of the
// 100,000th request of a batch does not create its name again. There are
// fewer than 48 names; a linear scan over pointers beats hashing here.
struct KeyScope {
  struct Slot {
    const char* name;
    napi_value key;
  };
  std::array<Slot, 48> slots;
  size_t used = 0;
  KeyScope* outer;
  KeyScope();
  ~KeyScope();
};
thread_local KeyScope* currentKeys = nullptr;
KeyScope::KeyScope() : outer(currentKeys) {
  if (!outer) currentKeys = this;
}
KeyScope::~KeyScope() {
  if (!outer) currentKeys = nullptr;
}

Napi::Value property(const Napi::Object& o, const char* name) {
  KeyScope* scope = currentKeys;
  if (!scope) return o.Get(name);
  for (size_t i = 0; i < scope->used; ++i) {
    if (scope->slots[i].name == name) return o.Get(Napi::Value(o.Env(), scope->slots[i].key));
  }
  napi_value key = Napi::String::New(o.Env(), name);
  if (scope->used < scope->slots.size()) scope->slots[scope->used++] = {name, key};
  return o.Get(Napi::Value(o.Env(), key));
}

[[noreturn]] void fail(Napi::Env env, const std::string& path, const char* expected) {
  throw Napi::TypeError::New(env, "native contract: " + path + " must be " + expected);
}

Napi::Object objectAt(const Napi::Value& v, const std::string& path) {
  if (!v.IsObject() || v.IsArray()) fail(v.Env(), path, "an object");
  return v.As<Napi::Object>();
}

// Reads an optional unsigned integer no larger than `max`.
template <typename T>
std::optional<T> optUint(const Napi::Object& o, const char* key, const std::string& path) {
  Napi::Value v = property(o, key);
  if (v.IsUndefined()) return std::nullopt;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!v.IsNumber() || !std::isfinite(d) || d < 0 || d != std::floor(d) ||
      d > static_cast<double>(std::numeric_limits<T>::max())) {
    fail(o.Env(), path + "." + key, "an unsigned integer in range");
  }
  return static_cast<T>(d);
}

template <typename T>
T reqUint(const Napi::Object& o, const char* key, const std::string& path) {
  auto v = optUint<T>(o, key, path);
  if (!v) fail(o.Env(), path + "." + key, "present");
  return *v;
}

std::optional<std::string> optString(const Napi::Object& o, const char* key, const std::string& path,
                                     size_t maxLength) {
  Napi::Value v = property(o, key);
  if (v.IsUndefined()) return std::nullopt;
  if (!v.IsString()) fail(o.Env(), path + "." + key, "a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.size() > maxLength || s.find('\0') != std::string::npos) {
    fail(o.Env(), path + "." + key, "a short string without NUL");
  }
  return s;
}

std::string address(const Napi::Object& o, const char* key, uint16_t af, const std::string& path) {
  auto s = optString(o, key, path, 64);
  uint8_t buf[16];
  if (!s || inet_pton(af, s->c_str(), buf) != 1) {
    fail(o.Env(), path + "." + key, af == AF_INET6 ? "an IPv6 address" : "an IPv4 address");
  }
  return *s;
}

uint16_t family(const Napi::Object& o, const char* key, const std::string& path) {
  uint16_t af = reqUint<uint16_t>(o, key, path);
  if (af != AF_INET && af != AF_INET6) fail(o.Env(), path + "." + key, "AF_INET or AF_INET6");
  return af;
}

Service serviceFromJs(const Napi::Value& value) {
  const std::string path = "service";
  Napi::Object o = objectAt(value, path);
  Service s;
  s.af = family(o, "af", path);
  s.fwmark = optUint<uint32_t>(o, "fwmark", path).value_or(0);
  if (!s.fwmark) {
    s.protocol = reqUint<uint16_t>(o, "protocol", path);
    s.address = address(o, "address", s.af, path);
    s.port = reqUint<uint16_t>(o, "port", path);
  }
  s.scheduler = optString(o, "scheduler", path, 15);
  s.flags = optUint<uint32_t>(o, "flags", path);
  s.flagsMask = optUint<uint32_t>(o, "flagsMask", path);
  s.timeout = optUint<uint32_t>(o, "timeout", path);
  s.netmask = optUint<uint32_t>(o, "netmask", path);
  s.pe = optString(o, "pe", path, 15);
  return s;
}

Destination destFromJs(const Napi::Value& value, uint16_t serviceAf) {
  const std::string path = "dest";
  Napi::Object o = objectAt(value, path);
  Destination d;
  d.af = optUint<uint16_t>(o, "af", path);
  if (d.af && *d.af != AF_INET && *d.af != AF_INET6) fail(o.Env(), path + ".af", "AF_INET or AF_INET6");
  d.address = address(o, "address", d.af.value_or(serviceAf), path);
  d.port = reqUint<uint16_t>(o, "port", path);
  d.forwarding = optUint<uint32_t>(o, "forwarding", path);
  d.weight = optUint<uint32_t>(o, "weight", path);
  d.upperThreshold = optUint<uint32_t>(o, "upperThreshold", path);
  d.lowerThreshold = optUint<uint32_t>(o, "lowerThreshold", path);
  d.tunnelType = optUint<uint8_t>(o, "tunnelType", path);
  d.tunnelPort = optUint<uint16_t>(o, "tunnelPort", path);
  d.tunnelFlags = optUint<uint16_t>(o, "tunnelFlags", path);
  return d;
}

ipvs::Daemon daemonFromJs(const Napi::Value& value) {
  const std::string path = "daemon";
  Napi::Object o = objectAt(value, path);
  ipvs::Daemon d;
  d.state = reqUint<uint32_t>(o, "state", path);
  d.interface = optString(o, "interface", path, 15);
  d.syncId = optUint<uint32_t>(o, "syncId", path);
  d.maxLength = optUint<uint16_t>(o, "maxLength", path);
  d.group = optString(o, "group", path, 64);
  if (d.group) {
    uint8_t buf[16];
    if (inet_pton(AF_INET, d.group->c_str(), buf) != 1 && inet_pton(AF_INET6, d.group->c_str(), buf) != 1) {
      fail(o.Env(), path + ".group", "an IP address");
    }
  }
  d.port = optUint<uint16_t>(o, "port", path);
  d.ttl = optUint<uint8_t>(o, "ttl", path);
  return d;
}

// Property names are created once per conversion, not once per object.
struct Keys {
  explicit Keys(Napi::Env env) : env(env) {}
  Napi::Env env;
  Napi::String k(const char* name) { return Napi::String::New(env, name); }
  Napi::String error = k("error"), extack = k("extack"), services = k("services"), dests = k("dests"),
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
  o.Set(k.address, Napi::String::New(env, s.address));
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
  o.Set(k.address, Napi::String::New(env, d.address));
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
  o.Set(k.group, Napi::String::New(env, d.group.value_or("")));
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

}  // namespace

Request requestFromJs(const Napi::Value& value) {
  KeyScope scope;
  Napi::Object o = objectAt(value, "request");
  Request r;
  auto cmd = reqUint<uint8_t>(o, "cmd", "request");
  if (cmd < ipvs::CMD_NEW_SERVICE || cmd > ipvs::CMD_MAX) fail(o.Env(), "request.cmd", "an IPVS command");
  r.cmd = static_cast<ipvs::Command>(cmd);
  Napi::Value dump = property(o, "dump");
  if (!dump.IsUndefined() && !dump.IsBoolean()) fail(o.Env(), "request.dump", "a boolean");
  r.dump = dump.IsBoolean() && dump.As<Napi::Boolean>().Value();
  if (Napi::Value v = property(o, "service"); !v.IsUndefined()) r.service = serviceFromJs(v);
  if (Napi::Value v = property(o, "dest"); !v.IsUndefined()) {
    if (!r.service) fail(o.Env(), "request.service", "present with a dest");
    r.dest = destFromJs(v, r.service->af);
  }
  if (Napi::Value v = property(o, "daemon"); !v.IsUndefined()) r.daemon = daemonFromJs(v);
  if (Napi::Value v = property(o, "timeouts"); !v.IsUndefined()) {
    Napi::Object t = objectAt(v, "timeouts");
    r.timeouts = ipvs::Timeouts{optUint<uint32_t>(t, "tcp", "timeouts"),
                                optUint<uint32_t>(t, "tcpFin", "timeouts"),
                                optUint<uint32_t>(t, "udp", "timeouts")};
  }
  return r;
}

std::vector<Request> requestsFromJs(const Napi::Value& value) {
  if (!value.IsArray()) fail(value.Env(), "requests", "an array");
  Napi::Array a = value.As<Napi::Array>();
  KeyScope scope;
  std::vector<Request> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(requestFromJs(a.Get(i)));
  return out;
}

Napi::Array resultsToJs(Napi::Env env, const std::vector<Result>& results) {
  Keys k(env);
  return arrayToJs(k, results, [](Keys& keys, const Result& r) { return resultToJs(keys, r); });
}

Napi::Object resultToJs(Napi::Env env, const Result& result) {
  Keys k(env);
  return resultToJs(k, result);
}

}  // namespace js
