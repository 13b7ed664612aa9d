// nf_tables over netlink: the messages of one transaction (a batch between
// NFNL_MSG_BATCH_BEGIN and NFNL_MSG_BATCH_END), encoded here byte by byte,
// and sent on a NETLINK_NETFILTER socket. Meaning (which table, chains,
// sets, rules) comes from the caller; numbers are the kernel's own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nft {

// One expression of a rule (the kernel's nft_expr_type by name).
struct Expr {
  enum Kind { Payload, Cmp, Bitwise, Lookup, Meta, Counter, Immediate } kind = Counter;
  uint32_t base = 0, offset = 0, len = 0;  // payload (len also bitwise)
  uint32_t sreg = 0, dreg = 0;             // payload dreg; cmp/lookup/bitwise sreg; meta/bitwise dreg
  bool lookupDreg = false;                 // a map lookup: its value goes to dreg
  bool metaSet = false;                    // meta sets `key` from sreg (else loads it into dreg)
  uint32_t op = 0;                         // cmp
  uint32_t key = 0;                        // meta
  std::vector<uint8_t> data, mask, xorBits;
  std::string set;      // lookup
  uint32_t setId = 0;   // lookup (0: none)
  int32_t verdict = 0;  // immediate
  std::string chain;    // immediate goto/jump target
};

// One message of the batch.
struct Message {
  enum Kind { NewTable, DelTable, NewChain, NewSet, NewSetElem, DelSetElem, NewRule } kind = NewTable;
  uint8_t family = 0;
  std::string table, chain, set;
  bool base = false;  // a base chain: hook, priority, policy, type below
  uint32_t hook = 0;
  int32_t priority = 0;
  uint32_t policy = 0;
  std::string chainType;
  uint32_t setId = 0, keyType = 0, keyLen = 0, setFlags = 0;
  uint32_t dataType = 0, dataLen = 0;         // a map's values (dataLen 0: a plain set)
  std::vector<uint32_t> fields;               // a concatenation's field lengths (the set's description)
  bool setCounter = false;                    // a counter in the set and in each element (nft's `counter` flag)
  std::vector<uint8_t> userdata;              // the set's user data (nft's TLVs), as given
  std::vector<std::vector<uint8_t>> keys;     // set elements
  std::vector<std::vector<uint8_t>> keyEnds;  // each element's interval end (empty: none)
  std::vector<std::vector<uint8_t>> data;     // each element's map value (empty: none)
  std::vector<Expr> exprs;                    // rule
};

// The batch as bytes, sequence numbers from `seq` (begin, each message, end).
std::vector<uint8_t> encode(const std::vector<Message>& messages, uint32_t seq);

// What the kernel said: errno 0 when every message was acknowledged, else the
// first error and the index of the message it answers (-1: the socket or the batch).
struct Outcome {
  int error = 0;
  int index = -1;
};

// Sends the batch (every message asks for an acknowledgement) and reads the answers.
Outcome send(const std::vector<Message>& messages);

}  // namespace nft
