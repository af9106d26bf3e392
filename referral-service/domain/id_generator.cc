#include "referral-service/domain/id_generator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lifeline::referral {

std::string RandomIdGenerator::NewId(std::string_view prefix) {
  uint64_t value;
  {
    std::lock_guard<std::mutex> lock(mu_);
    value = absl::Uniform<uint64_t>(gen_);
  }
  return absl::StrCat(std::string(prefix), "_", absl::StrFormat("%016x", value));
}

std::string SequentialIdGenerator::NewId(std::string_view prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  return absl::StrCat(std::string(prefix), "_", next_++);
}

}  // namespace lifeline::referral
