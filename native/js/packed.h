// The packed request layout shared with lib/native/pack.ts: every request
// is STRIDE 32-bit words in one Uint32Array, strings (scheduler, engine,
// interface names) live in a side array and are referred to by index, and
// addresses are their 16 raw bytes (parsed and validated in TypeScript).
// One typed array crosses into C++ instead of ~30 property reads per
// request. Keep the two files in step.
#pragma once

#include <cstdint>

namespace js::packed {

// Rows of related words, laid out by hand: not for clang-format.
// clang-format off
enum Word : uint32_t {
  CMD = 0,
  FLAGS = 1,  // F_* below
  // service
  S_AF = 2, S_PROTOCOL = 3, S_PORT = 4, S_FWMARK = 5, S_ADDR = 6,  // 6..9
  S_OPT = 10,  // SO_* below
  S_SCHED = 11, S_FLAGS = 12, S_MASK = 13, S_TIMEOUT = 14, S_NETMASK = 15, S_PE = 16,
  // destination
  D_OPT = 17,  // DO_* below
  D_AF = 18, D_PORT = 19, D_ADDR = 20,  // 20..23
  D_FWD = 24, D_WEIGHT = 25, D_UPPER = 26, D_LOWER = 27, D_TUN_TYPE = 28, D_TUN_PORT = 29, D_TUN_FLAGS = 30,
  // sync daemon
  M_OPT = 31,  // MO_* below
  M_STATE = 32, M_IFNAME = 33, M_SYNC_ID = 34, M_MAXLEN = 35, M_GROUP_AF = 36, M_GROUP = 37,  // 37..40
  M_PORT = 41, M_TTL = 42,
  // timeouts
  T_OPT = 43,  // bit per field below
  T_TCP = 44, T_TCP_FIN = 45, T_UDP = 46,
  STRIDE = 47,
};
// clang-format on

// The shared buffer of the one-crossing path (Handle::bindShared): a
// Uint32Array the addon keeps a reference to, written by TypeScript and read
// in place. Word 0 is the request count, the next SHARED_SLOTS words receive
// the errnos (as int32), and the requests follow from SHARED_WORDS on.
constexpr uint32_t SHARED_COUNT = 0;
constexpr uint32_t SHARED_ERRORS = 1;
constexpr uint32_t SHARED_SLOTS = 8;
constexpr uint32_t SHARED_WORDS = SHARED_ERRORS + SHARED_SLOTS;
constexpr uint32_t SHARED_LENGTH = SHARED_WORDS + SHARED_SLOTS * STRIDE;

// Replies: services and destinations as fixed-stride records, with their
// ten 64-bit counters (IPVS_STATS_ATTR_* order) in a separate array.
// clang-format off
enum ServiceReplyWord : uint32_t {
  SR_AF = 0, SR_PROTOCOL = 1, SR_PORT = 2, SR_FWMARK = 3, SR_ADDR = 4,  // 4..7
  SR_FLAGS = 8, SR_TIMEOUT = 9, SR_NETMASK = 10, SR_SCHED = 11, SR_PE = 12,  // SR_PE: name index + 1, 0 = none
  SR_STRIDE = 13,
};
enum DestReplyWord : uint32_t {
  DR_AF = 0, DR_PORT = 1, DR_FWD = 2, DR_WEIGHT = 3, DR_UPPER = 4, DR_LOWER = 5, DR_ACTIVE = 6, DR_INACTIVE = 7,
  DR_PERSIST = 8, DR_TUN_TYPE = 9, DR_TUN_PORT = 10, DR_TUN_FLAGS = 11, DR_ADDR = 12,  // 12..15
  DR_STRIDE = 16,
};
// clang-format on
constexpr uint32_t STATS = 10;

enum Flag : uint32_t { F_DUMP = 1, F_SERVICE = 2, F_DEST = 4, F_DAEMON = 8, F_TIMEOUTS = 16 };
enum ServiceOpt : uint32_t { SO_SCHED = 1, SO_FLAGS = 2, SO_MASK = 4, SO_TIMEOUT = 8, SO_NETMASK = 16, SO_PE = 32 };
enum DestOpt : uint32_t {
  DO_AF = 1,
  DO_FWD = 2,
  DO_WEIGHT = 4,
  DO_UPPER = 8,
  DO_LOWER = 16,
  DO_TUN_TYPE = 32,
  DO_TUN_PORT = 64,
  DO_TUN_FLAGS = 128,
};
enum DaemonOpt : uint32_t { MO_IFNAME = 1, MO_SYNC_ID = 2, MO_MAXLEN = 4, MO_GROUP = 8, MO_PORT = 16, MO_TTL = 32 };
enum TimeoutOpt : uint32_t { TO_TCP = 1, TO_TCP_FIN = 2, TO_UDP = 4 };

}  // namespace js::packed
