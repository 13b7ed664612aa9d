// One echo request and its reply. The kernel fills in the ICMP identifier
// (the socket's "port") and checksum and delivers only this socket's
// replies, so the code here only matches the sequence number.
#include "ping.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace health {
namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0, kEchoRequest6 = 128, kEchoReply6 = 129;
constexpr size_t kPayload = 56;

int64_t nowMicros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

class EchoWorker : public Napi::AsyncWorker {
 public:
  EchoWorker(Napi::Env env, std::string address, bool v6, uint16_t sequence, int timeoutMs)
      : Napi::AsyncWorker(env, "ipvs:icmpEcho"), deferred_(Napi::Promise::Deferred::New(env)),
        address_(std::move(address)), v6_(v6), sequence_(sequence), timeoutMs_(timeoutMs) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    sockaddr_storage to{};
    socklen_t toLength;
    if (v6_) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&to);
      sa->sin6_family = AF_INET6;
      if (inet_pton(AF_INET6, address_.c_str(), &sa->sin6_addr) != 1) return fail(EINVAL);
      toLength = sizeof(*sa);
    } else {
      auto* sa = reinterpret_cast<sockaddr_in*>(&to);
      sa->sin_family = AF_INET;
      if (inet_pton(AF_INET, address_.c_str(), &sa->sin_addr) != 1) return fail(EINVAL);
      toLength = sizeof(*sa);
    }
    int fd = socket(v6_ ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, v6_ ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
    if (fd < 0) return fail(errno);
    uint8_t packet[8 + kPayload] = {};
    packet[0] = v6_ ? kEchoRequest6 : kEchoRequest4;
    packet[6] = static_cast<uint8_t>(sequence_ >> 8);
    packet[7] = static_cast<uint8_t>(sequence_ & 0xff);
    const int64_t start = nowMicros();
    if (sendto(fd, packet, sizeof(packet), 0, reinterpret_cast<sockaddr*>(&to), toLength) < 0) {
      int error = errno;
      close(fd);
      return fail(error);
    }
    const int64_t deadline = start + static_cast<int64_t>(timeoutMs_) * 1000;
    for (;;) {
      int64_t left = deadline - nowMicros();
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      int ready = poll(&p, 1, static_cast<int>((left + 999) / 1000));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) break;
      uint8_t reply[1500];
      ssize_t n = recv(fd, reply, sizeof(reply), 0);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        int error = errno;
        close(fd);
        return fail(error);
      }
      if (n < 8 || reply[0] != (v6_ ? kEchoReply6 : kEchoReply4)) continue;
      if (static_cast<uint16_t>((reply[6] << 8) | reply[7]) == sequence_) {
        rttMicros_ = nowMicros() - start;
        close(fd);
        return;
      }
    }
    close(fd);
    fail(ETIMEDOUT);
  }

  void OnOK() override {
    Napi::Object out = Napi::Object::New(Env());
    out.Set("errno", error_);
    out.Set("rttMicros", static_cast<double>(rttMicros_));
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void fail(int error) { error_ = error; }

  Napi::Promise::Deferred deferred_;
  std::string address_;
  bool v6_;
  uint16_t sequence_;
  int timeoutMs_;
  int error_ = 0;
  int64_t rttMicros_ = 0;
};

// icmpEcho(address: string, v6: boolean, sequence: number, timeoutMs: number).
// TypeScript validates the arguments; this only guards the types.
Napi::Value IcmpEcho(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsBoolean() || !info[2].IsNumber() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "icmpEcho(address, v6, sequence, timeoutMs)");
  }
  auto* worker = new EchoWorker(env, info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Boolean>().Value(),
                                static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value()),
                                static_cast<int>(info[3].As<Napi::Number>().Int32Value()));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace

void registerPing(Napi::Env env, Napi::Object exports) {
  exports.Set("icmpEcho", Napi::Function::New<IcmpEcho>(env, "icmpEcho"));
}

}  // namespace health
