#include "common/paging/paging.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lifeline::common {

int PageSize(int32_t requested, PageLimits limits) {
  if (requested <= 0) return limits.default_size;
  return std::min<int>(requested, limits.max_size);
}

absl::StatusOr<int64_t> ParsePageToken(std::string_view token) {
  if (token.empty()) return 0;
  int64_t position = 0;
  const bool digits = std::all_of(token.begin(), token.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  if (!digits || !absl::SimpleAtoi(absl::string_view(token.data(), token.size()), &position)) {
    return absl::InvalidArgumentError("page_token is not valid");
  }
  return position;
}

std::string NextPageToken(int64_t position) {
  return position > 0 ? absl::StrCat(position) : std::string();
}

}  // namespace lifeline::common
