#include "connector.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace proc {

Connector::~Connector() { stop(); }

int Connector::open() {
  sock_ = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (sock_ < 0) return errno;
  // Every fork and exit of the host arrives here: a large buffer keeps bursts from overflowing.
  int size = 1 << 20;
  ::setsockopt(sock_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = CN_IDX_PROC;
  if (::bind(sock_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return errno;
  if (int error = reader_.open()) return error;
  // nlmsghdr, cn_msg, then the operation: cn_msg ends in a flexible array, so laid out by hand.
  alignas(nlmsghdr) char request[NLMSG_SPACE(sizeof(cn_msg) + sizeof(uint32_t))] = {};
  auto* header = reinterpret_cast<nlmsghdr*>(request);
  header->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(uint32_t));
  header->nlmsg_type = NLMSG_DONE;
  auto* message = static_cast<cn_msg*>(NLMSG_DATA(header));
  message->id.idx = CN_IDX_PROC;
  message->id.val = CN_VAL_PROC;
  message->len = sizeof(uint32_t);
  uint32_t op = PROC_CN_MCAST_LISTEN;
  std::memcpy(message->data, &op, sizeof(op));
  if (::send(sock_, request, header->nlmsg_len, 0) < 0) return errno;
  return 0;
}

void Connector::start(Handler handler) {
  handler_ = std::move(handler);
  reader_.start(sock_, [this](const char* data, size_t length, int error) {
    // ENOBUFS: the kernel dropped events; the next batch says so.
    if (error) {
      if (error == ENOBUFS) overflowed_ = true;
      return;
    }
    std::vector<Event> events;
    if (overflowed_) events.push_back({EventKind::Overflow, 0, 0});
    overflowed_ = false;
    parse(data, length, events);
    if (!events.empty()) handler_(std::move(events));
  });
}

void Connector::stop() {
  reader_.stop();
  if (sock_ >= 0) ::close(sock_);
  sock_ = -1;
}

void Connector::parse(const char* data, size_t length, std::vector<Event>& out) const {
  auto remaining = static_cast<int>(length);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(h, remaining); h = NLMSG_NEXT(h, remaining)) {
    if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP) continue;
    size_t payload = NLMSG_PAYLOAD(h, 0);
    if (payload < sizeof(cn_msg)) continue;
    const auto* message = static_cast<const cn_msg*>(NLMSG_DATA(h));
    if (message->id.idx != CN_IDX_PROC || message->id.val != CN_VAL_PROC) continue;
    if (payload - sizeof(cn_msg) < message->len || message->len < offsetof(proc_event, event_data)) continue;
    proc_event event;
    std::memset(&event, 0, sizeof(event));
    std::memcpy(&event, message->data, std::min<size_t>(message->len, sizeof(event)));
    switch (event.what) {
      case proc_event::PROC_EVENT_FORK:
        // A new thread is not a new process.
        if (event.event_data.fork.child_pid != event.event_data.fork.child_tgid) break;
        out.push_back({EventKind::Fork, event.event_data.fork.child_tgid, event.event_data.fork.parent_tgid});
        break;
      case proc_event::PROC_EVENT_EXEC: out.push_back({EventKind::Exec, event.event_data.exec.process_tgid, 0}); break;
      case proc_event::PROC_EVENT_COMM:
        if (event.event_data.comm.process_pid != event.event_data.comm.process_tgid) break;
        out.push_back({EventKind::Comm, event.event_data.comm.process_tgid, 0});
        break;
      case proc_event::PROC_EVENT_EXIT:
        if (event.event_data.exit.process_pid != event.event_data.exit.process_tgid) break;
        out.push_back({EventKind::Exit, event.event_data.exit.process_tgid, 0});
        break;
      default: break;
    }
  }
}

}  // namespace proc
