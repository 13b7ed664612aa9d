#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "codec.h"

namespace ipvs {
namespace {

constexpr size_t kReceiveBytes = 256 * 1024;

// libnl reports its own failures as NLE_* codes; this is the one place they
// become errnos (kernel errors never pass through here: we read them raw).
int errnoFromLibnl(int nle) {
  switch (nle < 0 ? -nle : nle) {
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_PERM: return EPERM;
    case NLE_NOMEM: return ENOMEM;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
    default: return EIO;
  }
}

void setBuffer(int fd, int forced, int plain, uint32_t bytes) {
  int size = static_cast<int>(bytes);
  // FORCE needs CAP_NET_ADMIN, which IPVS needs anyway; without it the
  // plain option still raises the buffer up to the sysctl limit.
  if (setsockopt(fd, SOL_SOCKET, forced, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, plain, &size, sizeof size);
  }
}

// Creates and resolves the socket in the calling thread's network namespace.
nl_sock* connectSocket(const SessionOptions& options, uint16_t& family, OpenFailure& failure) {
  nl_sock* sock = nl_socket_alloc();
  if (!sock) {
    failure = {ENOMEM, "socket", "nl_socket_alloc failed"};
    return nullptr;
  }
  if (int rc = genl_connect(sock); rc < 0) {
    failure = {errnoFromLibnl(rc), "connect", nl_geterror(rc)};
    nl_socket_free(sock);
    return nullptr;
  }
  int fd = nl_socket_get_fd(sock);
  setBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, options.sendBuffer);
  setBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, options.receiveBuffer);
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  // The kernel answers inside sendmsg, so a reply never takes long; the
  // timeout only guards against a lost reply hanging a thread forever.
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int id = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
  if (id < 0) {
    failure = {errnoFromLibnl(id), "resolve", nl_geterror(id)};
    nl_socket_free(sock);
    return nullptr;
  }
  family = static_cast<uint16_t>(id);
  return sock;
}

}  // namespace

std::unique_ptr<Session> Session::open(const SessionOptions& options, OpenFailure& failure) {
  uint16_t family = 0;
  nl_sock* sock = nullptr;
  if (options.netns.empty()) {
    sock = connectSocket(options, family, failure);
  } else {
    // A socket belongs to the namespace it was created in. Enter the
    // namespace on a short-lived thread so no other thread ever moves.
    std::thread([&] {
      int ns = ::open(options.netns.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0) {
        failure = {errno, "netns", options.netns};
        return;
      }
      if (setns(ns, CLONE_NEWNET) != 0) {
        failure = {errno, "netns", options.netns};
        close(ns);
        return;
      }
      close(ns);
      sock = connectSocket(options, family, failure);
    }).join();
  }
  if (!sock) return nullptr;
  return std::unique_ptr<Session>(new Session(sock, family));
}

Session::Session(nl_sock* sock, uint16_t family)
    : sock_(sock), fd_(nl_socket_get_fd(sock)), family_(family), seq_(1), in_(kReceiveBytes) {}

Session::~Session() { nl_socket_free(sock_); }

namespace {

// An errno slot whose request has had no answer yet (errnos are >= 0).
constexpr int32_t kPending = -1;

bool hasDetail(const Result& r) {
  return !r.extack.empty() || !r.services.empty() || !r.dests.empty() || !r.daemons.empty() || r.timeouts || r.info;
}

// The detail of request `index`, created on first use. Answers arrive in
// request order, so an existing one is always the last.
Result& detailFor(Details& details, size_t index) {
  if (details.empty() || details.back().first != index) details.emplace_back(index, Result{});
  return details.back().second;
}

}  // namespace

namespace {

// What a request sent to a family id that is no longer IPVS's gets back:
// ENOENT when no family has the id (the module was unloaded), EOPNOTSUPP
// when another family took it over. IPVS itself answers ENOENT too (no such
// destination, no such scheduler), so these only count as a stale family
// once the family id, resolved again, turns out to have changed.
bool mayBeStaleFamily(int32_t error) { return error == ENOENT || error == EOPNOTSUPP; }

// The requests of a batch that are sent again, read from the batch.
class Subset : public RequestSource {
 public:
  Subset(const RequestSource& all, const std::vector<size_t>& indexes) : all_(all), indexes_(indexes) {}
  size_t size() const override { return indexes_.size(); }
  void read(size_t index, Request& into) const override { all_.read(indexes_[index], into); }

 private:
  const RequestSource& all_;
  const std::vector<size_t>& indexes_;
};

}  // namespace

bool Session::resolveAgain() {
  int id = genl_ctrl_resolve(sock_, IPVS_GENL_NAME);
  if (id <= 0 || static_cast<uint16_t>(id) == family_) return false;
  family_ = static_cast<uint16_t>(id);
  return true;
}

// The IPVS module can be unloaded and loaded again under a running handle;
// the new module registers the family under a new id. The requests whose
// answer says the family is unknown, and only those (a request that was
// answered otherwise is never sent twice), go out once more under the id
// resolved again.
void Session::execute(const RequestSource& requests, int32_t* errors, Details& details) {
  runBatch(requests, errors, details);
  const size_t count = requests.size();
  std::vector<size_t> stale;
  for (size_t i = 0; i < count; ++i) {
    if (mayBeStaleFamily(errors[i])) stale.push_back(i);
  }
  if (stale.empty() || !resolveAgain()) return;
  const Subset again(requests, stale);
  std::vector<int32_t> againErrors(stale.size(), 0);
  Details againDetails;
  runBatch(again, againErrors.data(), againDetails);
  // The first answers of the requests sent again give way to the new ones.
  details.erase(std::remove_if(details.begin(), details.end(),
                               [&](const auto& d) { return std::binary_search(stale.begin(), stale.end(), d.first); }),
                details.end());
  for (size_t k = 0; k < stale.size(); ++k) errors[stale[k]] = againErrors[k];
  for (auto& [k, result] : againDetails) details.emplace_back(stale[k], std::move(result));
  std::stable_sort(details.begin(), details.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

void Session::runBatch(const RequestSource& requests, int32_t* errors, Details& details) {
  const Batch batch{requests, errors, details};
  // A batch cut short by an exception leaves nothing behind for the next.
  chunk_.count = 0;
  const size_t count = requests.size();
  for (size_t i = 0; i < count; ++i) {
    requests.read(i, scratch_);
    if (!scratch_.dump) {
      append(batch, i);
      continue;
    }
    // One dump at a time, after everything before it.
    sendChunk(batch);
    Result result;
    runDump(scratch_, result);
    errors[i] = result.error;
    if (hasDetail(result)) details.emplace_back(i, std::move(result));
  }
  sendChunk(batch);
}

void Session::append(const Batch& batch, size_t index) {
  if (chunk_.count == kChunkMessages) sendChunk(batch);
  // A chunk starts on an empty buffer (the chunk sent before it, a dump
  // or an overrun fence left their messages there).
  if (chunk_.count == 0) out_.clear();
  size_t mark = out_.size();
  encodeRequest(out_, scratch_, family_, seq_, 0);
  if (out_.size() > kChunkBytes && chunk_.count > 0) {
    // It does not fit: send the others; it starts the next chunk, encoded
    // again (sending may have used a sequence number).
    out_.truncate(mark);
    sendChunk(batch);
    append(batch, index);
    return;
  }
  if (chunk_.count == 0) {
    chunk_.first = index;
    chunk_.seq = seq_;
  }
  chunk_.lastMessage = mark;
  ++chunk_.count;
  ++seq_;
}

bool Session::sendBuffered(int& error) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd_, out_.data(), out_.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n >= 0) return true;
    if (errno == EINTR) continue;
    error = errno;
    return false;
  }
}

long Session::receive() {
  for (;;) {
    iovec iov{in_.data(), in_.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = recvmsg(fd_, &msg, 0);
    if (n >= 0) return (msg.msg_flags & MSG_TRUNC) ? -EMSGSIZE : n;
    if (errno == EINTR) continue;
    return -errno;
  }
}

uint32_t Session::sendFence() {
  out_.clear();
  Request info;
  info.cmd = CMD_GET_INFO;
  uint32_t seq = seq_++;
  encodeRequest(out_, info, family_, seq, NLM_F_ACK);
  int error = 0;
  sendBuffered(error);
  return seq;
}

// Only the last message of a chunk asks for an ACK: the kernel handles the
// messages in order inside sendmsg and reports each failure with the
// failing message's sequence number, so when the last ACK arrives every
// earlier message without an error reply has succeeded.
void Session::sendChunk(const Batch& batch) {
  if (chunk_.count == 0) return;
  const Chunk chunk = chunk_;
  chunk_.count = 0;
  out_.addMessageFlags(chunk.lastMessage, NLM_F_ACK);
  int32_t* errors = batch.errors + chunk.first;
  const uint32_t lastSeq = chunk.seq + static_cast<uint32_t>(chunk.count) - 1;
  int error = 0;
  const bool sent = sendBuffered(error);
  if (!sent) {
    std::fill(errors, errors + chunk.count, error);
    return;
  }
  std::fill(errors, errors + chunk.count, kPending);
  // What a request without an answer gets once the chunk is over: success
  // after the last ACK, otherwise the receive failure.
  int unanswered = 0;
  bool overrun = false;
  uint32_t doneSeq = lastSeq;
  for (bool done = false; !done;) {
    long n = receive();
    if (n < 0) {
      if (n == -ENOBUFS && !overrun) {
        // Replies were dropped: fence the chunk so we know when the kernel
        // is finished with it, and mark unanswered requests as unknown.
        overrun = true;
        doneSeq = sendFence();
        continue;
      }
      unanswered = static_cast<int>(-n);
      break;
    }
    auto* msg = reinterpret_cast<const nlmsghdr*>(in_.data());
    for (int len = static_cast<int>(n); NLMSG_OK(msg, len); msg = NLMSG_NEXT(msg, len)) {
      uint32_t seq = msg->nlmsg_seq;
      if (seq == doneSeq && overrun) {
        if (msg->nlmsg_type == NLMSG_ERROR) done = true;
        continue;
      }
      uint32_t index = seq - chunk.seq;
      if (index >= chunk.count) continue;  // stale reply from an earlier, failed exchange
      const size_t request = chunk.first + index;
      if (msg->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(msg));
        errors[index] = -err->error;
        std::string extack = err->error ? decodeExtack(msg) : std::string();
        Details& details = batch.details;
        if (!extack.empty()) {
          detailFor(details, request).extack = std::move(extack);
        }
        if (!details.empty() && details.back().first == request) details.back().second.error = -err->error;
        if (seq == lastSeq && !overrun) done = true;
      } else if (msg->nlmsg_type == family_) {
        // Data for a plain request is rare (a single GET): read the
        // request again for the service family the decoder needs.
        Request asked;
        batch.requests.read(request, asked);
        decodeReply(msg, asked.service ? asked.service->af : 0, detailFor(batch.details, request));
        if (errors[index] == kPending) errors[index] = 0;
      }
    }
  }
  if (overrun) unanswered = ENOBUFS;
  for (size_t i = 0; i < chunk.count; ++i) {
    if (errors[i] == kPending) errors[i] = unanswered;
  }
}

void Session::runDump(const Request& request, Result& result) {
  out_.clear();
  uint32_t seq = seq_++;
  encodeRequest(out_, request, family_, seq, 0);
  int error = 0;
  if (!sendBuffered(error)) {
    result.error = error;
    return;
  }
  uint16_t serviceAf = request.service ? request.service->af : 0;
  for (;;) {
    long n = receive();
    if (n < 0) {
      result.error = static_cast<int>(-n);
      return;
    }
    auto* msg = reinterpret_cast<const nlmsghdr*>(in_.data());
    for (int len = static_cast<int>(n); NLMSG_OK(msg, len); msg = NLMSG_NEXT(msg, len)) {
      if (msg->nlmsg_seq != seq) continue;
      if (msg->nlmsg_type == NLMSG_DONE) {
        // A dump that fails part-way puts the error in the DONE payload.
        if (msg->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
          int status = *static_cast<const int*>(NLMSG_DATA(msg));
          if (status < 0) result.error = -status;
        }
        return;
      }
      if (msg->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(msg));
        result.error = -err->error;
        if (err->error) result.extack = decodeExtack(msg);
        return;
      }
      if (msg->nlmsg_type == family_) decodeReply(msg, serviceAf, result);
    }
  }
}

}  // namespace ipvs
