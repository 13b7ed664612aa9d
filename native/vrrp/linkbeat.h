// Link state read by ioctl instead of rtnetlink, as keepalived's linkbeat
// (linkbeat_interfaces, linkbeat_use_polling): the MII status register
// (SIOCGMIIPHY / SIOCGMIIREG), else ethtool's link (SIOCETHTOOL
// ETHTOOL_GLINK), else the interface flags alone (SIOCGIFFLAGS); a link read
// up by the first two must also be IFF_UP and IFF_RUNNING.
#pragma once

#include <string>

namespace vrrp {

enum class LinkbeatMethod { Auto = 0, Mii = 1, Ethtool = 2, Ioctl = 3 };

struct LinkbeatReading {
  bool up = false;
  // The method that answered; Auto while the interface does not exist.
  LinkbeatMethod method = LinkbeatMethod::Auto;
};

class Linkbeat {
 public:
  ~Linkbeat();
  // Opens the ioctl socket in the calling thread's namespace; errno on failure.
  int open();
  // Reads `name` with `method`, or finds the first that works (keepalived's
  // order: the configured one, MII, ETHTOOL, then flags only).
  LinkbeatReading read(const std::string& name, LinkbeatMethod method) const;

 private:
  int mii(const std::string& name) const;
  int ethtool(const std::string& name) const;
  int flags(const std::string& name) const;
  int fd_ = -1;
};

const char* linkbeatName(LinkbeatMethod method);

}  // namespace vrrp
