#include "rtnl.h"

#include <cstring>

#include "../rtnl/request.h"
#include "../vrrp/netns.h"
#include "fields.h"

namespace js {
namespace {

rtnl::Prefix prefixField(const Napi::Object& o, const char* address, const char* length) {
  return {stringField(o, address, false), intField(o, length, 0)};
}

// A [start, end] field into `out`; left as is (start -1) when absent.
void rangeField(const Napi::Object& o, const char* name, int64_t (&out)[2]) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return;
  if (!v.IsArray()) throw Napi::TypeError::New(o.Env(), std::string("native contract: ") + name + " must be [start, end]");
  Napi::Object pair = v.As<Napi::Object>();
  out[0] = u32Field(pair, "0", 0);
  out[1] = u32Field(pair, "1", 0);
}

rtnl::Request requestOf(const Napi::Object& o) {
  rtnl::Request r;
  std::string operation = stringField(o, "operation");
  if (operation != "add" && operation != "delete")
    throw Napi::TypeError::New(o.Env(), "native contract: operation must be add or delete");
  r.add = operation == "add";
  r.exclusive = o.Get("exclusive").ToBoolean().Value();
  Napi::Value route = o.Get("route");
  Napi::Value rule = o.Get("rule");
  if (route.IsObject() == rule.IsObject()) throw Napi::TypeError::New(o.Env(), "native contract: exactly one of route and rule");
  r.rule = rule.IsObject();
  if (!r.rule) {
    Napi::Object f = route.As<Napi::Object>();
    rtnl::RouteFields& out = r.route;
    out.family = intField(f, "family", 0, true);
    out.destination = prefixField(f, "destination", "prefix");
    out.table = static_cast<uint32_t>(u32Field(f, "table", 254));
    out.protocol = intField(f, "protocol", 0, true);
    out.scope = intField(f, "scope", 0, true);
    out.type = intField(f, "type", 0, true);
    out.gateway = stringField(f, "gateway", false);
    out.preferredSource = stringField(f, "preferredSource", false);
    out.ifindex = intField(f, "ifindex", 0);
    out.metric = u32Field(f, "metric", -1);
    out.mtu = u32Field(f, "mtu", -1);
    out.onlink = f.Get("onlink").ToBoolean().Value();
  } else {
    Napi::Object f = rule.As<Napi::Object>();
    rtnl::RuleFields& out = r.ruleFields;
    out.family = intField(f, "family", 0, true);
    out.from = prefixField(f, "from", "fromPrefix");
    out.to = prefixField(f, "to", "toPrefix");
    out.table = static_cast<uint32_t>(u32Field(f, "table", 0));
    out.protocol = intField(f, "protocol", 0);
    out.action = intField(f, "action", 0, true);
    out.priority = u32Field(f, "priority", -1);
    out.iif = stringField(f, "iif", false);
    out.oif = stringField(f, "oif", false);
    out.fwmark = u32Field(f, "fwmark", -1);
    out.fwmask = u32Field(f, "fwmask", -1);
    out.invert = f.Get("invert").ToBoolean().Value();
    out.tos = intField(f, "tos", 0);
    out.gotoTarget = u32Field(f, "goto", -1);
    out.flow = u32Field(f, "flow", -1);
    out.suppressPrefixlen = u32Field(f, "suppressPrefixLength", -1);
    out.suppressIfgroup = u32Field(f, "suppressIfgroup", -1);
    out.tunnelId = u32Field(f, "tunnelId", -1);
    out.l3mdev = f.Get("l3mdev").ToBoolean().Value();
    out.ipProto = intField(f, "ipProto", 0);
    rangeField(f, "uidRange", out.uidRange);
    rangeField(f, "sportRange", out.sportRange);
    rangeField(f, "dportRange", out.dportRange);
  }
  return r;
}

std::vector<uint8_t> encoded(Napi::Env env, const rtnl::Request& r) {
  std::vector<uint8_t> bytes;
  if (rtnl::encode(r, bytes)) throw Napi::TypeError::New(env, "native contract: an address is not of the request's family");
  return bytes;
}

// rtnlChange({netns, operation, exclusive, route | rule}) -> errno
Napi::Value Change(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  std::vector<uint8_t> bytes = encoded(info.Env(), requestOf(o));
  int error = 0;
  int nsError = vrrp::inNetns(stringField(o, "netns", false), [&] { error = rtnl::send(bytes); });
  return Napi::Number::New(info.Env(), nsError ? nsError : error);
}

// rtnlEncode(request) -> the message rtnlChange would send (tests compare bytes).
Napi::Value Encode(const Napi::CallbackInfo& info) {
  return bytesValue(info.Env(), encoded(info.Env(), requestOf(objectArg(info, 0))));
}

}  // namespace

void defineRtnl(Napi::Env env, Napi::Object exports) {
  exports.Set("rtnlChange", Napi::Function::New<Change>(env, "rtnlChange"));
  exports.Set("rtnlEncode", Napi::Function::New<Encode>(env, "rtnlEncode"));
}

}  // namespace js
