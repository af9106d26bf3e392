// Makes identifiers for plans and referrals.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/random/random.h"

namespace lifeline::referral {

// A source of new ids. Implementations are thread-safe.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // Returns a new id starting with `prefix`, e.g. "ref_3f2a9c0d1e4b5a6c".
  virtual std::string NewId(std::string_view prefix) = 0;
};

// Random 64-bit ids in hex. Thread-safe.
class RandomIdGenerator : public IdGenerator {
 public:
  std::string NewId(std::string_view prefix) override;

 private:
  std::mutex mu_;
  absl::BitGen gen_;
};

// Sequential ids ("ref_1", "ref_2", ...) for tests. Thread-safe.
class SequentialIdGenerator : public IdGenerator {
 public:
  std::string NewId(std::string_view prefix) override;

 private:
  std::mutex mu_;
  int64_t next_ = 1;
};

}  // namespace lifeline::referral
