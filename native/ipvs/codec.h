// IPVS request encoding and reply decoding: the only place that knows the
// attribute numbers, wire types and byte-order traps of the kernel interface.
#pragma once

#include <linux/netlink.h>

#include "../netlink/writer.h"
#include "records.h"

namespace ipvs {

// Appends one request as a generic-netlink message for `family`.
void encodeRequest(netlink::Writer& out, const Request& req, uint16_t family, uint32_t seq, uint16_t extraFlags);

// Decodes one generic-netlink reply message into `result`. `serviceAf` is the
// address family of the service a GET_DEST dump was about (destinations carry
// no family of their own before Linux 3.18).
void decodeReply(const nlmsghdr* msg, uint16_t serviceAf, Result& result);

// Decodes the extended-ack message string of an NLMSG_ERROR, if any.
std::string decodeExtack(const nlmsghdr* msg);

}  // namespace ipvs
