#include "convert.h"

#include <arpa/inet.h>

#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
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

// Reads one packed request into a reused Request. The batch was checked
// word by word first (checkRequest, on the JavaScript thread), so reading
// cannot fail and narrowing casts are exact. Fields are assigned in place,
// never rebuilt: names fit the strings' inline storage, so a warm Request
// is refilled without allocating.
class Reader {
 public:
  Reader(const uint32_t* words, const std::vector<std::string>& strings) : w_(words), strings_(strings) {}

  uint32_t u32(uint32_t at) const { return w_[at]; }
  template <typename T>
  T narrow(uint32_t at) const {
    return static_cast<T>(w_[at]);
  }
  void address(uint32_t at, ipvs::Address& a) const { std::memcpy(a.data(), &w_[at], sizeof a); }
  // An optional field: word `at` when `present`, otherwise absent.
  template <typename T>
  void optional(std::optional<T>& field, bool present, uint32_t at) const {
    if (present) {
      field = static_cast<T>(w_[at]);
    } else {
      field.reset();
    }
  }
  void optionalName(std::optional<std::string>& field, bool present, uint32_t at) const {
    if (present) {
      field = strings_[w_[at]];
    } else {
      field.reset();
    }
  }

 private:
  const uint32_t* w_;
  const std::vector<std::string>& strings_;
};

void readService(const Reader& r, Service& s) {
  s.af = r.narrow<uint16_t>(pk::S_AF);
  s.fwmark = r.u32(pk::S_FWMARK);
  s.protocol = r.narrow<uint16_t>(pk::S_PROTOCOL);
  s.port = r.narrow<uint16_t>(pk::S_PORT);
  r.address(pk::S_ADDR, s.address);
  const uint32_t opt = r.u32(pk::S_OPT);
  r.optionalName(s.scheduler, opt & pk::SO_SCHED, pk::S_SCHED);
  r.optional(s.flags, opt & pk::SO_FLAGS, pk::S_FLAGS);
  r.optional(s.flagsMask, opt & pk::SO_MASK, pk::S_MASK);
  r.optional(s.timeout, opt & pk::SO_TIMEOUT, pk::S_TIMEOUT);
  r.optional(s.netmask, opt & pk::SO_NETMASK, pk::S_NETMASK);
  r.optionalName(s.pe, opt & pk::SO_PE, pk::S_PE);
}

void readDest(const Reader& r, Destination& d) {
  const uint32_t opt = r.u32(pk::D_OPT);
  r.optional(d.af, opt & pk::DO_AF, pk::D_AF);
  d.port = r.narrow<uint16_t>(pk::D_PORT);
  r.address(pk::D_ADDR, d.address);
  r.optional(d.forwarding, opt & pk::DO_FWD, pk::D_FWD);
  r.optional(d.weight, opt & pk::DO_WEIGHT, pk::D_WEIGHT);
  r.optional(d.upperThreshold, opt & pk::DO_UPPER, pk::D_UPPER);
  r.optional(d.lowerThreshold, opt & pk::DO_LOWER, pk::D_LOWER);
  r.optional(d.tunnelType, opt & pk::DO_TUN_TYPE, pk::D_TUN_TYPE);
  r.optional(d.tunnelPort, opt & pk::DO_TUN_PORT, pk::D_TUN_PORT);
  r.optional(d.tunnelFlags, opt & pk::DO_TUN_FLAGS, pk::D_TUN_FLAGS);
}

void readDaemon(const Reader& r, ipvs::Daemon& d) {
  const uint32_t opt = r.u32(pk::M_OPT);
  d.state = r.u32(pk::M_STATE);
  r.optionalName(d.interface, opt & pk::MO_IFNAME, pk::M_IFNAME);
  r.optional(d.syncId, opt & pk::MO_SYNC_ID, pk::M_SYNC_ID);
  r.optional(d.maxLength, opt & pk::MO_MAXLEN, pk::M_MAXLEN);
  if (opt & pk::MO_GROUP) {
    d.groupFamily = r.narrow<uint16_t>(pk::M_GROUP_AF);
    r.address(pk::M_GROUP, d.group ? *d.group : d.group.emplace());
  } else {
    d.group.reset();
    d.groupFamily = 0;
  }
  r.optional(d.port, opt & pk::MO_PORT, pk::M_PORT);
  r.optional(d.ttl, opt & pk::MO_TTL, pk::M_TTL);
}

void readTimeouts(const Reader& r, ipvs::Timeouts& t) {
  const uint32_t opt = r.u32(pk::T_OPT);
  r.optional(t.tcp, opt & pk::TO_TCP, pk::T_TCP);
  r.optional(t.tcpFin, opt & pk::TO_TCP_FIN, pk::T_TCP_FIN);
  r.optional(t.udp, opt & pk::TO_UDP, pk::T_UDP);
}

// Reads part `present` of a request with `read`, into the optional's
// existing value when there is one.
template <typename T, typename Read>
void readPart(const Reader& r, std::optional<T>& part, bool present, Read read) {
  if (present) {
    read(r, part ? *part : part.emplace());
  } else {
    part.reset();
  }
}

// The contract of one packed request, checked without building it: the
// first violation's description, or nullptr. Every constraint the reading
// above relies on is here, and only here.
const char* checkRequest(const uint32_t* w, size_t names) {
  auto fits = [&](uint32_t at, uint32_t max) { return w[at] <= max; };
  auto family = [&](uint32_t at) { return w[at] == AF_INET || w[at] == AF_INET6; };
  auto name = [&](uint32_t at) { return w[at] < names; };
  if (w[pk::CMD] < ipvs::CMD_NEW_SERVICE || w[pk::CMD] > ipvs::CMD_MAX) return "cmd must be an IPVS command";
  const uint32_t flags = w[pk::FLAGS];
  if (flags & pk::F_SERVICE) {
    if (!family(pk::S_AF)) return "address family must be AF_INET or AF_INET6";
    if (!fits(pk::S_PROTOCOL, 0xffff)) return "service protocol must fit 16 bits";
    if (!fits(pk::S_PORT, 0xffff)) return "service port must fit 16 bits";
    const uint32_t opt = w[pk::S_OPT];
    if (((opt & pk::SO_SCHED) && !name(pk::S_SCHED)) || ((opt & pk::SO_PE) && !name(pk::S_PE))) {
      return "string index out of range";
    }
  }
  if (flags & pk::F_DEST) {
    if (!(flags & pk::F_SERVICE)) return "a destination needs its service";
    const uint32_t opt = w[pk::D_OPT];
    if ((opt & pk::DO_AF) && !family(pk::D_AF)) return "address family must be AF_INET or AF_INET6";
    if (!fits(pk::D_PORT, 0xffff)) return "destination port must fit 16 bits";
    if ((opt & pk::DO_TUN_TYPE) && !fits(pk::D_TUN_TYPE, 0xff)) return "tunnel type must fit 8 bits";
    if ((opt & pk::DO_TUN_PORT) && !fits(pk::D_TUN_PORT, 0xffff)) return "tunnel port must fit 16 bits";
    if ((opt & pk::DO_TUN_FLAGS) && !fits(pk::D_TUN_FLAGS, 0xffff)) return "tunnel flags must fit 16 bits";
  }
  if (flags & pk::F_DAEMON) {
    const uint32_t opt = w[pk::M_OPT];
    if ((opt & pk::MO_IFNAME) && !name(pk::M_IFNAME)) return "string index out of range";
    if ((opt & pk::MO_MAXLEN) && !fits(pk::M_MAXLEN, 0xffff)) return "sync max length must fit 16 bits";
    if ((opt & pk::MO_GROUP) && !family(pk::M_GROUP_AF)) return "address family must be AF_INET or AF_INET6";
    if ((opt & pk::MO_PORT) && !fits(pk::M_PORT, 0xffff)) return "sync port must fit 16 bits";
    if ((opt & pk::MO_TTL) && !fits(pk::M_TTL, 0xff)) return "sync TTL must fit 8 bits";
  }
  return nullptr;
}

std::string textOf(const ipvs::Address& a, uint16_t af) {
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a.data(), text, sizeof text)) return {};
  return text;
}

// Services and destinations come back packed (layout in packed.h): one
// Uint32Array of fixed-stride records, one BigUint64Array of their ten
// counters each, and the names they use; TypeScript builds the objects,
// which the JIT does far faster than property-by-property N-API calls.
Napi::Object packedTable(Napi::Env env, size_t count, uint32_t stride) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", Napi::Number::New(env, static_cast<double>(count)));
  o.Set("words", Napi::Uint32Array::New(env, count * stride));
  o.Set("stats", Napi::BigUint64Array::New(env, count * pk::STATS));
  return o;
}

void putStats(uint64_t* out, const Stats& s) {
  const uint64_t values[pk::STATS] = {s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes,
                                      s.cps,   s.inpps,  s.outpps,  s.inbps,   s.outbps};
  std::memcpy(out, values, sizeof values);
}

Napi::Object servicesToJs(Napi::Env env, const std::vector<Service>& services) {
  Napi::Object table = packedTable(env, services.size(), pk::SR_STRIDE);
  uint32_t* w = table.Get("words").As<Napi::Uint32Array>().Data();
  uint64_t* st = table.Get("stats").As<Napi::BigUint64Array>().Data();
  std::vector<std::string> names;
  auto nameIndex = [&](const std::string& n) {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return static_cast<uint32_t>(i);
    names.push_back(n);
    return static_cast<uint32_t>(names.size() - 1);
  };
  for (size_t i = 0; i < services.size(); ++i, w += pk::SR_STRIDE, st += pk::STATS) {
    const Service& s = services[i];
    w[pk::SR_AF] = s.af;
    w[pk::SR_PROTOCOL] = s.protocol;
    w[pk::SR_PORT] = s.port;
    w[pk::SR_FWMARK] = s.fwmark;
    std::memcpy(&w[pk::SR_ADDR], s.address.data(), s.address.size());
    w[pk::SR_FLAGS] = s.flags.value_or(0);
    w[pk::SR_TIMEOUT] = s.timeout.value_or(0);
    w[pk::SR_NETMASK] = s.netmask.value_or(0);
    w[pk::SR_SCHED] = nameIndex(s.scheduler.value_or(""));
    w[pk::SR_PE] = s.pe ? nameIndex(*s.pe) + 1 : 0;
    putStats(st, s.stats.value_or(Stats{}));
  }
  Napi::Array list = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) list.Set(static_cast<uint32_t>(i), names[i]);
  table.Set("names", list);
  return table;
}

Napi::Object destsToJs(Napi::Env env, const std::vector<Destination>& dests) {
  Napi::Object table = packedTable(env, dests.size(), pk::DR_STRIDE);
  uint32_t* w = table.Get("words").As<Napi::Uint32Array>().Data();
  uint64_t* st = table.Get("stats").As<Napi::BigUint64Array>().Data();
  for (size_t i = 0; i < dests.size(); ++i, w += pk::DR_STRIDE, st += pk::STATS) {
    const Destination& d = dests[i];
    w[pk::DR_AF] = d.af.value_or(AF_INET);
    w[pk::DR_PORT] = d.port;
    w[pk::DR_FWD] = d.forwarding.value_or(0);
    w[pk::DR_WEIGHT] = d.weight.value_or(0);
    w[pk::DR_UPPER] = d.upperThreshold.value_or(0);
    w[pk::DR_LOWER] = d.lowerThreshold.value_or(0);
    w[pk::DR_ACTIVE] = d.activeConns;
    w[pk::DR_INACTIVE] = d.inactiveConns;
    w[pk::DR_PERSIST] = d.persistentConns;
    w[pk::DR_TUN_TYPE] = d.tunnelType.value_or(0);
    w[pk::DR_TUN_PORT] = d.tunnelPort.value_or(0);
    w[pk::DR_TUN_FLAGS] = d.tunnelFlags.value_or(0);
    std::memcpy(&w[pk::DR_ADDR], d.address.data(), d.address.size());
    putStats(st, d.stats.value_or(Stats{}));
  }
  table.Set("names", Napi::Array::New(env));
  return table;
}

Napi::Object daemonToJs(Napi::Env env, const ipvs::Daemon& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("state", d.state);
  o.Set("interface", d.interface.value_or(""));
  o.Set("syncId", d.syncId.value_or(0));
  o.Set("maxLength", d.maxLength.value_or(0));
  o.Set("group", d.group ? textOf(*d.group, d.groupFamily) : std::string());
  o.Set("port", d.port.value_or(0));
  o.Set("ttl", d.ttl.value_or(0));
  return o;
}

Napi::Object detailToJs(Napi::Env env, const Result& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("error", r.error);
  if (!r.extack.empty()) o.Set("extack", r.extack);
  if (!r.services.empty()) o.Set("services", servicesToJs(env, r.services));
  if (!r.dests.empty()) o.Set("dests", destsToJs(env, r.dests));
  if (!r.daemons.empty()) {
    Napi::Array a = Napi::Array::New(env, r.daemons.size());
    for (size_t i = 0; i < r.daemons.size(); ++i) a.Set(static_cast<uint32_t>(i), daemonToJs(env, r.daemons[i]));
    o.Set("daemons", a);
  }
  if (r.timeouts) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("tcp", r.timeouts->tcp.value_or(0));
    t.Set("tcpFin", r.timeouts->tcpFin.value_or(0));
    t.Set("udp", r.timeouts->udp.value_or(0));
    o.Set("timeouts", t);
  }
  if (r.info) {
    Napi::Object i = Napi::Object::New(env);
    i.Set("version", r.info->version);
    i.Set("connTableSize", r.info->connTableSize);
    o.Set("info", i);
  }
  return o;
}

}  // namespace

// The raw typed-array query: one N-API call for type, length and data
// (each call is costly under emulation, so the hot path counts them).
uint32_t* uint32Data(Napi::Env env, napi_value value, size_t& length, const char* what) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  napi_typedarray_type type;
  void* data = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint32_array) {
    throw Napi::TypeError::New(env, std::string("native contract: ") + what + " must be a Uint32Array");
  }
  return static_cast<uint32_t*>(data);
}

void PackedRequests::read(size_t index, Request& into) const {
  Reader r(words_ + index * pk::STRIDE, *strings_);
  into.cmd = static_cast<ipvs::Command>(r.u32(pk::CMD));
  const uint32_t flags = r.u32(pk::FLAGS);
  into.dump = flags & pk::F_DUMP;
  readPart(r, into.service, flags & pk::F_SERVICE, readService);
  readPart(r, into.dest, flags & pk::F_DEST, readDest);
  readPart(r, into.daemon, flags & pk::F_DAEMON, readDaemon);
  readPart(r, into.timeouts, flags & pk::F_TIMEOUTS, readTimeouts);
}

void checkRequests(Napi::Env env, const uint32_t* words, size_t count, size_t names) {
  // Every request is checked here, so a bad one is refused before any is
  // sent; the reads that build them for sending cannot fail after this.
  for (size_t i = 0; i < count; ++i) {
    if (const char* violation = checkRequest(words + i * pk::STRIDE, names)) {
      throw Napi::TypeError::New(env, "native contract: request " + std::to_string(i) + ": " + violation);
    }
  }
}

void acceptNames(const Napi::Value& stringsValue, std::vector<std::string>& names) {
  Napi::Env env = stringsValue.Env();
  if (!stringsValue.IsArray()) throw Napi::TypeError::New(env, "native contract: strings must be an array");
  auto stringArray = stringsValue.As<Napi::Array>();
  uint32_t stringCount = stringArray.Length();
  names.resize(stringCount);
  for (uint32_t i = 0; i < stringCount; ++i) {
    Napi::Value v = stringArray.Get(i);
    if (!v.IsString()) throw Napi::TypeError::New(env, "native contract: strings must hold strings");
    // Read into a stack buffer: names are at most 15 bytes, so the short
    // string the vector slot keeps needs no allocation. The buffer is far
    // larger than a name, so a cut-off long name still reads as too long.
    char buffer[64];
    size_t length = 0;
    napi_get_value_string_utf8(env, v, buffer, sizeof buffer, &length);
    if (length == 0 || length > 15 || std::memchr(buffer, 0, length) != nullptr) {
      throw Napi::TypeError::New(env, "native contract: names must be 1 to 15 bytes without NUL");
    }
    names[i].assign(buffer, length);
  }
}

PackedRequests acceptRequests(const Napi::Value& wordsValue, const Napi::Value& stringsValue, std::vector<std::string>& names) {
  Napi::Env env = wordsValue.Env();
  size_t length = 0;
  const uint32_t* data = uint32Data(env, wordsValue, length, "requests");
  if (length % pk::STRIDE != 0) {
    throw Napi::TypeError::New(env, "native contract: requests length must be a multiple of the stride");
  }
  acceptNames(stringsValue, names);
  size_t count = length / pk::STRIDE;
  checkRequests(env, data, count, names.size());
  return PackedRequests(data, count, names);
}

int32_t* errorSlots(Napi::Env env, napi_value errorsArray, size_t count) {
  bool isTyped = false;
  napi_is_typedarray(env, errorsArray, &isTyped);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, errorsArray, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array || length != count) {
    throw Napi::TypeError::New(env, "native contract: errors must be an Int32Array with one slot per request");
  }
  return static_cast<int32_t*>(data);
}

Napi::Value detailsToJs(Napi::Env env, const ipvs::Details& details) {
  // Only results that carry more than an errno (data or an extended-ack
  // text) become objects. With none, the answer is undefined: a write
  // batch costs no allocation here at all.
  if (details.empty()) return env.Undefined();
  Napi::Array out = Napi::Array::New(env, details.size());
  uint32_t n = 0;
  for (const auto& [index, result] : details) {
    Napi::Object detail = detailToJs(env, result);
    detail.Set("index", Napi::Number::New(env, static_cast<double>(index)));
    out.Set(n++, detail);
  }
  return out;
}

Napi::Object resultToJs(Napi::Env env, const Result& result) { return detailToJs(env, result); }

}  // namespace js
