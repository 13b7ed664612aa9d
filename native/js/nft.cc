#include "nft.h"

#include <cstring>
#include <map>

#include "../nft/batch.h"
#include "../vrrp/netns.h"
#include "fields.h"

namespace js {
namespace {

Napi::Error contractError(Napi::Env env, const std::string& what) { return Napi::TypeError::New(env, "native contract: " + what); }

std::vector<uint8_t> bytesField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw contractError(o.Env(), std::string(name) + " must be a Uint8Array");
  }
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  return std::vector<uint8_t>(a.Data(), a.Data() + a.ElementLength());
}

uint32_t u32(const Napi::Object& o, const char* name, int64_t fallback = -1) {
  int64_t v = u32Field(o, name, fallback);
  if (v < 0) throw contractError(o.Env(), std::string(name) + " is required");
  return static_cast<uint32_t>(v);
}

template <typename Kind>
Kind kindOf(const Napi::Object& o, const char* field, const std::map<std::string, Kind>& kinds) {
  auto it = kinds.find(stringField(o, field));
  if (it == kinds.end()) throw contractError(o.Env(), std::string("unknown ") + field);
  return it->second;
}

nft::Expr exprOf(const Napi::Object& o) {
  static const std::map<std::string, nft::Expr::Kind> kinds = {{"payload", nft::Expr::Payload},    {"cmp", nft::Expr::Cmp},
                                                               {"bitwise", nft::Expr::Bitwise},    {"lookup", nft::Expr::Lookup},
                                                               {"meta", nft::Expr::Meta},          {"counter", nft::Expr::Counter},
                                                               {"immediate", nft::Expr::Immediate}};
  nft::Expr e;
  e.kind = kindOf(o, "expr", kinds);
  switch (e.kind) {
    case nft::Expr::Payload:
      e.base = u32(o, "base"), e.offset = u32(o, "offset"), e.len = u32(o, "len"), e.dreg = u32(o, "dreg");
      break;
    case nft::Expr::Cmp: e.sreg = u32(o, "sreg"), e.op = u32(o, "op"), e.data = bytesField(o, "data"); break;
    case nft::Expr::Bitwise:
      e.sreg = u32(o, "sreg"), e.dreg = u32(o, "dreg"), e.len = u32(o, "len");
      e.mask = bytesField(o, "mask"), e.xorBits = bytesField(o, "xor");
      break;
    case nft::Expr::Lookup:
      e.sreg = u32(o, "sreg"), e.set = stringField(o, "set"), e.setId = u32(o, "setId", 0);
      e.lookupDreg = !o.Get("dreg").IsUndefined();
      if (e.lookupDreg) e.dreg = u32(o, "dreg");
      break;
    case nft::Expr::Meta:
      e.key = u32(o, "key");
      e.metaSet = !o.Get("sreg").IsUndefined();
      if (e.metaSet) {
        e.sreg = u32(o, "sreg");
      } else {
        e.dreg = u32(o, "dreg");
      }
      break;
    case nft::Expr::Counter: break;
    case nft::Expr::Immediate: e.verdict = intField(o, "verdict", 0, true), e.chain = stringField(o, "chain", false); break;
  }
  return e;
}

template <typename T, typename F>
std::vector<T> arrayField(const Napi::Object& o, const char* name, F each) {
  Napi::Value v = o.Get(name);
  if (!v.IsArray()) throw contractError(o.Env(), std::string(name) + " must be an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<T> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(each(a.Get(i)));
  return out;
}

// An array of Uint8Array (a bad entry is named by the array's field).
std::vector<std::vector<uint8_t>> byteList(const Napi::Object& o, const char* name) {
  return arrayField<std::vector<uint8_t>>(o, name, [&](Napi::Value k) {
    Napi::Object holder = Napi::Object::New(o.Env());
    holder.Set(name, k);
    return bytesField(holder, name);
  });
}

Napi::Object asObject(Napi::Value v) {
  if (!v.IsObject()) throw contractError(v.Env(), "expected an object");
  return v.As<Napi::Object>();
}

nft::Message messageOf(const Napi::Object& o) {
  static const std::map<std::string, nft::Message::Kind> kinds = {
      {"newtable", nft::Message::NewTable}, {"deltable", nft::Message::DelTable},     {"newchain", nft::Message::NewChain},
      {"newset", nft::Message::NewSet},     {"newsetelem", nft::Message::NewSetElem}, {"delsetelem", nft::Message::DelSetElem},
      {"newrule", nft::Message::NewRule}};
  nft::Message m;
  m.kind = kindOf(o, "type", kinds);
  m.family = static_cast<uint8_t>(u32(o, "family"));
  m.table = stringField(o, "table");
  switch (m.kind) {
    case nft::Message::NewTable:
    case nft::Message::DelTable: break;
    case nft::Message::NewChain:
      m.chain = stringField(o, "chain");
      m.base = !o.Get("hook").IsUndefined();
      if (m.base) {
        m.hook = u32(o, "hook"), m.priority = intField(o, "priority", 0, true), m.policy = u32(o, "policy");
        m.chainType = stringField(o, "chainType");
      }
      break;
    case nft::Message::NewSet:
      m.set = stringField(o, "set"), m.setId = u32(o, "setId"), m.keyType = u32(o, "keyType"), m.keyLen = u32(o, "keyLen");
      m.setFlags = u32(o, "flags", 0);
      m.dataLen = u32(o, "dataLen", 0);
      if (m.dataLen) m.dataType = u32(o, "dataType");
      if (!o.Get("userdata").IsUndefined()) m.userdata = bytesField(o, "userdata");
      m.setCounter = o.Get("counter").ToBoolean();
      if (!o.Get("fields").IsUndefined()) {
        m.fields = arrayField<uint32_t>(o, "fields", [&](Napi::Value f) {
          Napi::Object holder = Napi::Object::New(o.Env());
          holder.Set("field", f);
          return u32(holder, "field");
        });
      }
      break;
    case nft::Message::NewSetElem:
    case nft::Message::DelSetElem:
      m.set = stringField(o, "set"), m.setId = u32(o, "setId", 0);
      m.keys = byteList(o, "keys");
      if (!o.Get("keyEnds").IsUndefined()) m.keyEnds = byteList(o, "keyEnds");
      if (!o.Get("data").IsUndefined()) m.data = byteList(o, "data");
      if ((!m.keyEnds.empty() && m.keyEnds.size() != m.keys.size()) || (!m.data.empty() && m.data.size() != m.keys.size())) {
        throw contractError(o.Env(), "keyEnds and data must have one entry per key");
      }
      break;
    case nft::Message::NewRule:
      m.chain = stringField(o, "chain");
      m.exprs = arrayField<nft::Expr>(o, "exprs", [](Napi::Value e) { return exprOf(asObject(e)); });
      break;
  }
  return m;
}

std::vector<nft::Message> messagesOf(const Napi::Object& o) {
  return arrayField<nft::Message>(o, "messages", [](Napi::Value m) { return messageOf(asObject(m)); });
}

// nftBatch({netns, messages}) -> {errno, index}
Napi::Value Batch(const Napi::CallbackInfo& info) {
  Napi::Object o = objectArg(info, 0);
  std::vector<nft::Message> messages = messagesOf(o);
  nft::Outcome out;
  int nsError = vrrp::inNetns(stringField(o, "netns", false), [&] { out = nft::send(messages); });
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("errno", Napi::Number::New(info.Env(), nsError ? nsError : out.error));
  result.Set("index", Napi::Number::New(info.Env(), nsError ? -1 : out.index));
  return result;
}

// nftEncode({messages}) -> the bytes nftBatch would send, sequence numbers from 1 (tests compare bytes).
Napi::Value Encode(const Napi::CallbackInfo& info) {
  return bytesValue(info.Env(), nft::encode(messagesOf(objectArg(info, 0)), 1));
}

}  // namespace

void defineNft(Napi::Env env, Napi::Object exports) {
  exports.Set("nftBatch", Napi::Function::New<Batch>(env, "nftBatch"));
  exports.Set("nftEncode", Napi::Function::New<Encode>(env, "nftEncode"));
}

}  // namespace js
