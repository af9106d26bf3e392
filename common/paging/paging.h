// One paging rule for every List RPC: page_size <= 0 means the RPC's default, above its maximum
// means the maximum; a page token is the decimal position this service issued (an offset or the
// last sequence number seen), and anything else is InvalidArgument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lifeline::common {

struct PageLimits {
  int default_size;
  int max_size;
};

// Returns the page size to use for `requested`.
int PageSize(int32_t requested, PageLimits limits);

// Returns the position `token` stands for: 0 for "", else the non-negative decimal it holds.
// Errors: InvalidArgument ("page_token is not valid") for anything else.
absl::StatusOr<int64_t> ParsePageToken(std::string_view token);

// Returns the token of the page that starts after `position`, or "" when there is no next page
// (position <= 0).
std::string NextPageToken(int64_t position);

}  // namespace lifeline::common
