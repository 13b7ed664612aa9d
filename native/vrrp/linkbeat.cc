#include "linkbeat.h"

#include <linux/ethtool.h>
#include <linux/mii.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vrrp {
namespace {

// Answers of one probe: the link, or that this method does not work here.
constexpr int kDown = 0;
constexpr int kUp = 1;
constexpr int kUnsupported = -1;
constexpr int kNoDevice = -2;

ifreq request(const std::string& name) {
  ifreq r{};
  std::strncpy(r.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return r;
}

}  // namespace

Linkbeat::~Linkbeat() {
  if (fd_ >= 0) ::close(fd_);
}

int Linkbeat::open() {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  return fd_ < 0 ? errno : 0;
}

int Linkbeat::mii(const std::string& name) const {
  ifreq r = request(name);
  auto* data = reinterpret_cast<mii_ioctl_data*>(&r.ifr_data);
  if (::ioctl(fd_, SIOCGMIIPHY, &r) < 0) return kUnsupported;
  // The link bit of BMSR latches a loss until read: read twice, either read up counts.
  data->reg_num = MII_BMSR;
  if (::ioctl(fd_, SIOCGMIIREG, &r) < 0) return kUnsupported;
  uint16_t first = data->val_out;
  if (::ioctl(fd_, SIOCGMIIREG, &r) < 0) return kUnsupported;
  return ((first | data->val_out) & BMSR_LSTATUS) ? kUp : kDown;
}

int Linkbeat::ethtool(const std::string& name) const {
  ifreq r = request(name);
  ethtool_value value{};
  value.cmd = ETHTOOL_GLINK;
  r.ifr_data = reinterpret_cast<char*>(&value);
  if (::ioctl(fd_, SIOCETHTOOL, &r) < 0) return kUnsupported;
  return value.data ? kUp : kDown;
}

int Linkbeat::flags(const std::string& name) const {
  ifreq r = request(name);
  if (::ioctl(fd_, SIOCGIFFLAGS, &r) < 0) return errno == ENODEV ? kNoDevice : kUp;
  return (r.ifr_flags & IFF_UP) && (r.ifr_flags & IFF_RUNNING) ? kUp : kDown;
}

LinkbeatReading Linkbeat::read(const std::string& name, LinkbeatMethod method) const {
  LinkbeatReading out;
  int flagged = flags(name);
  if (flagged == kNoDevice) return out;
  int link = kUnsupported;
  if (method == LinkbeatMethod::Auto || method == LinkbeatMethod::Mii) {
    link = mii(name);
    if (link != kUnsupported) out.method = LinkbeatMethod::Mii;
  }
  if (link == kUnsupported && method != LinkbeatMethod::Ioctl) {
    link = ethtool(name);
    if (link != kUnsupported) out.method = LinkbeatMethod::Ethtool;
    // ETHTOOL asked for and refused: MII is tried before falling back to flags.
    if (link == kUnsupported && method == LinkbeatMethod::Ethtool) {
      link = mii(name);
      if (link != kUnsupported) out.method = LinkbeatMethod::Mii;
    }
  }
  if (link == kUnsupported) {
    out.method = LinkbeatMethod::Ioctl;
    link = kUp;
  }
  out.up = link == kUp && flagged == kUp;
  return out;
}

const char* linkbeatName(LinkbeatMethod method) {
  switch (method) {
    case LinkbeatMethod::Mii: return "MII";
    case LinkbeatMethod::Ethtool: return "ETHTOOL";
    case LinkbeatMethod::Ioctl: return "IOCTL";
    default: return "";
  }
}

}  // namespace vrrp
