#include "tools/partner-sim/received_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"

#include <fcntl.h>
#include <unistd.h>

namespace lifeline::partner_sim {
namespace {

absl::Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("received_file: write failed: ", std::strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReceivedLog>> ReceivedLog::Open(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  std::set<std::string> keys;
  {
    std::ifstream in(path);
    std::string line;
    int line_number = 0;
    while (std::getline(in, line)) {
      ++line_number;
      if (line.empty()) continue;
      // Unknown fields are skipped so that a line of the other kind (and of a newer partner-sim)
      // still parses; which kind it is shows in the top-level object it carries.
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      lifeline::partner::v1::DeliverReferralRequest referral;
      lifeline::partner::v1::DeliverVerificationRequest verification;
      if (!google::protobuf::util::JsonStringToMessage(line, &referral, options).ok() ||
          !google::protobuf::util::JsonStringToMessage(line, &verification, options).ok()) {
        return absl::DataLossError(
            absl::StrCat("received_file: line ", line_number, " is not a delivery"));
      }
      if (referral.has_referral() && verification.has_verification()) {
        return absl::DataLossError(absl::StrCat("received_file: line ", line_number,
                                                " is both a referral and a verification"));
      }
      // A line without either object was written by an Append that was given no notice; it
      // counts as a referral, as it always has.
      keys.insert(verification.has_verification() ? verification.idempotency_key()
                                                  : referral.idempotency_key());
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("received_file: cannot open: ", std::strerror(errno)));
  }
  return std::unique_ptr<ReceivedLog>(new ReceivedLog(path, fd, std::move(keys)));
}

ReceivedLog::~ReceivedLog() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<bool> ReceivedLog::Append(
    const lifeline::partner::v1::DeliverReferralRequest& request) {
  return AppendLine(request.idempotency_key(), request);
}

absl::StatusOr<bool> ReceivedLog::AppendVerification(
    const lifeline::partner::v1::DeliverVerificationRequest& request) {
  return AppendLine(request.idempotency_key(), request);
}

absl::StatusOr<bool> ReceivedLog::AppendLine(const std::string& key,
                                             const google::protobuf::Message& message) {
  if (key.empty()) return absl::InvalidArgumentError("idempotency_key: required");
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json).ok()) {
    return absl::InternalError("delivery: cannot be printed as JSON");
  }
  json.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_.contains(key)) return false;
  if (absl::Status status = WriteAll(fd_, json); !status.ok()) return status;
  if (::fsync(fd_) != 0) {
    return absl::UnavailableError(
        absl::StrCat("received_file: fsync failed: ", std::strerror(errno)));
  }
  keys_.insert(key);
  return true;
}

size_t ReceivedLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

}  // namespace lifeline::partner_sim
