// Module entry: open/openAsync create handles; encodeRequest/decodeMessages
// expose the codec without a socket, for golden-byte tests; the VRRP,
// ICMP echo and BFD parts register themselves. The whole contract is typed in
// lib/native/contract.ts.
#include <napi.h>

#include "ipvs/codec.h"
#include "js/addon_data.h"
#include "js/bfd_engine.h"
#include "js/children.h"
#include "js/convert.h"
#include "js/handle.h"
#include "js/icmp_echo.h"
#include "js/netns_exec.h"
#include "js/netns_file.h"
#include "js/nft.h"
#include "js/notify.h"
#include "js/proc_monitor.h"
#include "js/rtnl.h"
#include "js/tcp_check_engine.h"
#include "js/tcp_reach.h"
#include "js/vrrp_link.h"

namespace {

ipvs::SessionOptions optionsFromJs(const Napi::Value& value) {
  ipvs::SessionOptions options;
  if (value.IsUndefined()) return options;
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "native contract: options must be an object");
  Napi::Object o = value.As<Napi::Object>();
  Napi::Value netns = o.Get("netns");
  if (!netns.IsUndefined() && !netns.IsNull()) {
    if (!netns.IsString()) throw Napi::TypeError::New(value.Env(), "native contract: options.netns must be a string");
    options.netns = netns.As<Napi::String>().Utf8Value();
  }
  return options;
}

Napi::Object openOutcome(Napi::Env env, std::unique_ptr<ipvs::Session> session, const ipvs::OpenFailure& failure) {
  Napi::Object out = Napi::Object::New(env);
  if (session) {
    out.Set("handle", js::Handle::New(env, std::move(session)));
  } else {
    Napi::Object f = Napi::Object::New(env);
    f.Set("errno", failure.error);
    f.Set("stage", failure.stage);
    f.Set("detail", failure.detail);
    out.Set("failure", f);
  }
  return out;
}

Napi::Value Open(const Napi::CallbackInfo& info) {
  ipvs::OpenFailure failure;
  auto session = ipvs::Session::open(optionsFromJs(info[0]), failure);
  return openOutcome(info.Env(), std::move(session), failure);
}

class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, ipvs::SessionOptions options)
      : Napi::AsyncWorker(env, "ipvs:open"), deferred_(Napi::Promise::Deferred::New(env)), options_(std::move(options)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { session_ = ipvs::Session::open(options_, failure_); }
  void OnOK() override { deferred_.Resolve(openOutcome(Env(), std::move(session_), failure_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  ipvs::SessionOptions options_;
  std::unique_ptr<ipvs::Session> session_;
  ipvs::OpenFailure failure_;
};

Napi::Value OpenAsync(const Napi::CallbackInfo& info) {
  auto* worker = new OpenWorker(info.Env(), optionsFromJs(info[0]));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

// encodeRequest(words, strings, familyId, seq, flags) -> Uint8Array: the
// netlink message of one packed request.
Napi::Value EncodeRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> names;
  js::PackedRequests requests = js::acceptRequests(info[0], info[1], names);
  if (requests.size() != 1) throw Napi::TypeError::New(env, "encodeRequest takes exactly one request");
  auto number = [&](size_t i, const char* name) {
    if (!info[i].IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
    return info[i].As<Napi::Number>().Uint32Value();
  };
  ipvs::Request request;
  requests.read(0, request);
  netlink::Writer out;
  ipvs::encodeRequest(out, request, static_cast<uint16_t>(number(2, "family")), number(3, "seq"),
                      static_cast<uint16_t>(number(4, "flags")));
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, out.size());
  std::memcpy(bytes.Data(), out.data(), out.size());
  return bytes;
}

// decodeMessages(bytes, familyId, serviceAf) -> Result: every message of a
// captured reply folded into one result, as the session would.
Napi::Value DecodeMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "bytes must be a Uint8Array");
  }
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw Napi::TypeError::New(env, "family and serviceAf must be numbers");
  auto bytes = info[0].As<Napi::Uint8Array>();
  auto family = static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value());
  auto serviceAf = static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value());
  // Copy into aligned storage: netlink headers are read in place.
  std::vector<uint32_t> aligned((bytes.ByteLength() + 3) / 4 + 1);
  if (bytes.ByteLength()) std::memcpy(aligned.data(), bytes.Data(), bytes.ByteLength());
  ipvs::Result result;
  auto* msg = reinterpret_cast<const nlmsghdr*>(aligned.data());
  for (int len = static_cast<int>(bytes.ByteLength()); NLMSG_OK(msg, len); msg = NLMSG_NEXT(msg, len)) {
    if (msg->nlmsg_type == NLMSG_ERROR && msg->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
      auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(msg));
      if (err->error) {
        result.error = -err->error;
        result.extack = ipvs::decodeExtack(msg);
      }
    } else if (msg->nlmsg_type == family) {
      ipvs::decodeReply(msg, serviceAf, result);
    }
  }
  return js::resultToJs(env, result);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new js::AddonData());
  js::Handle::Define(env);
  exports.Set("open", Napi::Function::New<Open>(env, "open"));
  exports.Set("openAsync", Napi::Function::New<OpenAsync>(env, "openAsync"));
  exports.Set("encodeRequest", Napi::Function::New<EncodeRequest>(env, "encodeRequest"));
  exports.Set("decodeMessages", Napi::Function::New<DecodeMessages>(env, "decodeMessages"));
  js::defineVrrp(env, exports);
  js::defineRtnl(env, exports);
  js::defineNft(env, exports);
  js::defineBfd(env, exports);
  js::defineIcmpEcho(env, exports);
  js::defineTcpReach(env, exports);
  js::defineTcpCheckEngine(env, exports);
  js::defineNetnsFile(env, exports);
  js::defineProc(env, exports);
  js::registerNotify(env, exports);
  js::registerChildren(env, exports);
  js::registerNetnsExec(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ipvs, Init)
