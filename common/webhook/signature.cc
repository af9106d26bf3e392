#include "common/webhook/signature.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

#include "common/status/status_macros.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lifeline::common {
namespace {

using Digest = std::array<unsigned char, 32>;

constexpr char kSignatureVersion[] = "v1";
// A rotation needs two values; the cap bounds the work a forged header can cause.
constexpr size_t kMaxSignatureValues = 8;
// A Unix time in seconds needs 10 digits until the year 2286; 18 digits always fit in int64_t.
constexpr size_t kMaxTimestampDigits = 18;
constexpr size_t kMinSecretLength = 32;
constexpr off_t kMaxSecretsFileBytes = 1 << 20;

Digest HmacSha256(std::string_view key, std::string_view message) {
  // OpenSSL may refuse a null key pointer even with length 0, and string_view::data() of an empty
  // view may be null.
  static constexpr unsigned char kEmpty = 0;
  const void* key_data = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  const auto* message_data =
      message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  Digest digest;
  size_t length = 0;
  // EVP_Q_mac takes size_t lengths, unlike HMAC(), whose key length is an int.
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_data, key.size(), message_data,
                message.size(), digest.data(), digest.size(), &length) == nullptr ||
      length != digest.size()) {
    // HMAC-SHA256 cannot fail on valid arguments; failing means a broken OpenSSL installation,
    // and continuing would send or accept unsigned requests.
    std::fputs("lifeline: OpenSSL failed to compute HMAC-SHA256\n", stderr);
    std::abort();
  }
  return digest;
}

std::string ToHex(const Digest& digest) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

// Debian's Abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0); the public API
// takes std::string_view, converted here for Abseil's string functions.
absl::string_view AsAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes 64 hex digits; false for any other input.
bool DecodeDigest(absl::string_view hex, Digest* digest) {
  if (hex.size() != 2 * digest->size()) return false;
  for (size_t i = 0; i < digest->size(); ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*digest)[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return true;
}

// Returns the decoded `v1=` values of an X-Lifeline-Signature header, ignoring values of other
// versions. Errors: Unauthenticated when the header is empty, malformed or has no `v1=` value.
absl::StatusOr<std::vector<Digest>> ParseSignatureHeader(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  if (header.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(kWebhookSignatureHeader, ": missing"));
  }
  const std::vector<absl::string_view> items = absl::StrSplit(header, ',');
  if (items.size() > kMaxSignatureValues) {
    return absl::UnauthenticatedError(
        absl::StrCat(kWebhookSignatureHeader, ": more than ", kMaxSignatureValues, " values"));
  }
  std::vector<Digest> digests;
  for (absl::string_view item : items) {
    item = absl::StripAsciiWhitespace(item);
    const size_t equals = item.find('=');
    if (equals == 0 || equals == absl::string_view::npos) {
      return absl::UnauthenticatedError(absl::StrCat(
          kWebhookSignatureHeader, ": malformed, expected comma-separated <version>=<hex>"));
    }
    if (item.substr(0, equals) != kSignatureVersion) continue;
    Digest digest;
    if (!DecodeDigest(item.substr(equals + 1), &digest)) {
      return absl::UnauthenticatedError(
          absl::StrCat(kWebhookSignatureHeader, ": a v1 value is not 64 hex digits"));
    }
    digests.push_back(digest);
  }
  if (digests.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(kWebhookSignatureHeader, ": no v1 value"));
  }
  return digests;
}

// Returns the Unix time of an X-Lifeline-Timestamp header. Errors: Unauthenticated when it is
// missing or not a non-negative decimal number.
absl::StatusOr<int64_t> ParseTimestampHeader(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  if (header.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(kWebhookTimestampHeader, ": missing"));
  }
  int64_t timestamp = 0;
  // SimpleAtoi alone would also accept a sign and surrounding spaces.
  if (header.size() > kMaxTimestampDigits ||
      !std::all_of(header.begin(), header.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(header, &timestamp)) {
    return absl::UnauthenticatedError(
        absl::StrCat(kWebhookTimestampHeader, ": not a decimal Unix time in seconds"));
  }
  return timestamp;
}

// Whether `timestamp` is at most `tolerance` seconds from `now`. The distance is computed in
// unsigned arithmetic, where it cannot overflow whatever the inputs.
bool WithinTolerance(int64_t timestamp, int64_t now, int64_t tolerance) {
  const uint64_t distance = timestamp >= now
                                ? static_cast<uint64_t>(timestamp) - static_cast<uint64_t>(now)
                                : static_cast<uint64_t>(now) - static_cast<uint64_t>(timestamp);
  return distance <= static_cast<uint64_t>(tolerance);
}

absl::Status OutsideTolerance(int64_t timestamp, int64_t now, int64_t tolerance) {
  return absl::UnauthenticatedError(absl::StrCat(kWebhookTimestampHeader, ": ", timestamp,
                                                 " is more than ", tolerance,
                                                 " s away from the receiver's clock (", now, ")"));
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads the whole secrets file after checking that only its owner may access it. The mode is
// checked on the opened descriptor, so the file checked is the file read.
absl::StatusOr<std::string> ReadPrivateFile(const std::string& path) {
  // O_NONBLOCK keeps a FIFO planted at `path` from blocking open(); it does not affect reads of a
  // regular file.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", path));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
  }
  if ((info.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: mode %04o lets the group or others access the webhook secrets; "
                        "make it readable by its owner only (chmod 600)",
                        path, info.st_mode & 07777));
  }
  if (info.st_size > kMaxSecretsFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", kMaxSecretsFileBytes, " bytes"));
  }
  std::string content;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > static_cast<size_t>(kMaxSecretsFileBytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", kMaxSecretsFileBytes, " bytes"));
    }
  }
  return content;
}

bool IsLowerSnake(absl::string_view name) {
  if (name.empty() || !absl::ascii_islower(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

bool IsPrintableAsciiWithoutSpace(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < '\x7f'; });
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  return ToHex(HmacSha256(key, message));
}

std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body) {
  return absl::StrCat(kSignatureVersion, "=",
                      HmacSha256Hex(secret, absl::StrCat(timestamp, ".", AsAbsl(body))));
}

absl::Status VerifyWebhook(std::string_view secret, std::string_view timestamp_header,
                           std::string_view signature_header, std::string_view body,
                           int64_t now_unix_seconds, int64_t tolerance_seconds) {
  if (secret.empty()) return absl::InvalidArgumentError("secret: must not be empty");
  if (tolerance_seconds < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tolerance_seconds: must not be negative, got ", tolerance_seconds));
  }
  ASSIGN_OR_RETURN(const int64_t timestamp, ParseTimestampHeader(AsAbsl(timestamp_header)));
  if (!WithinTolerance(timestamp, now_unix_seconds, tolerance_seconds)) {
    return OutsideTolerance(timestamp, now_unix_seconds, tolerance_seconds);
  }
  ASSIGN_OR_RETURN(const std::vector<Digest> received,
                   ParseSignatureHeader(AsAbsl(signature_header)));

  const Digest expected = HmacSha256(secret, absl::StrCat(timestamp, ".", AsAbsl(body)));
  // Every value is compared, in constant time, so the time taken reveals neither which value
  // matched nor how much of one did.
  bool matched = false;
  for (const Digest& candidate : received) {
    matched |= CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0;
  }
  if (!matched) {
    return absl::UnauthenticatedError(
        absl::StrCat(kWebhookSignatureHeader, ": no value matches the body and timestamp"));
  }
  return absl::OkStatus();
}

ReplayGuard::ReplayGuard(int64_t tolerance_seconds, size_t max_entries)
    : tolerance_seconds_(std::max<int64_t>(tolerance_seconds, 0)), max_entries_(max_entries) {}

absl::Status ReplayGuard::CheckAndRemember(std::string_view signature_header, int64_t timestamp,
                                           int64_t now) {
  absl::StatusOr<std::vector<Digest>> parsed = ParseSignatureHeader(AsAbsl(signature_header));
  if (!parsed.ok()) return absl::InvalidArgumentError(parsed.status().message());
  std::vector<Digest>& signatures = *parsed;
  // A header that repeats a value would otherwise count as its own replay.
  std::sort(signatures.begin(), signatures.end());
  signatures.erase(std::unique(signatures.begin(), signatures.end()), signatures.end());
  const int64_t expiry = SaturatingAdd(timestamp, tolerance_seconds_);

  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpired(now);
  if (!WithinTolerance(timestamp, now, tolerance_seconds_)) {
    return OutsideTolerance(timestamp, now, tolerance_seconds_);
  }
  for (const Digest& signature : signatures) {
    if (seen_.contains(signature)) {
      return absl::AlreadyExistsError(
          absl::StrCat(kWebhookSignatureHeader, ": this request was already received (replay)"));
    }
  }
  if (seen_.size() + signatures.size() > max_entries_) {
    return absl::ResourceExhaustedError(absl::StrCat("webhook replay guard: already remembers ",
                                                     seen_.size(), " of at most ", max_entries_,
                                                     " signatures"));
  }
  for (const Digest& signature : signatures) {
    seen_.insert(signature);
    expiries_.emplace(expiry, signature);
  }
  return absl::OkStatus();
}

size_t ReplayGuard::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_.size();
}

void ReplayGuard::ForgetExpired(int64_t now) {
  while (!expiries_.empty() && expiries_.top().first < now) {
    seen_.erase(expiries_.top().second);
    expiries_.pop();
  }
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> LoadWebhookSecrets(
    const std::string& path) {
  ASSIGN_OR_RETURN(const std::string content, ReadPrivateFile(path));
  absl::string_view text = content;
  // Editors on some systems start UTF-8 files with a byte order mark.
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);

  absl::flat_hash_map<std::string, std::string> secrets;
  absl::flat_hash_map<std::string, int> first_line;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    // Errors below name the file and line but quote nothing else of it: a line that is not
    // well-formed may hold a secret anywhere.
    const std::string where = absl::StrCat(path, ":", line_number, ": ");
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected 'department secret', found ", fields.size(), " fields"));
    }
    const absl::string_view department = fields[0];
    const absl::string_view secret = fields[1];
    if (!IsLowerSnake(department)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "the department must be lower_snake (a-z, then a-z, 0-9 or _)"));
    }
    if (secret.size() < kMinSecretLength) {
      return absl::InvalidArgumentError(absl::StrCat(where, "the secret of ", department,
                                                     " is shorter than ", kMinSecretLength,
                                                     " characters"));
    }
    if (!IsPrintableAsciiWithoutSpace(secret)) {
      return absl::InvalidArgumentError(absl::StrCat(where, "the secret of ", department,
                                                     " has characters other than printable ASCII"));
    }
    auto [it, inserted] = first_line.emplace(department, line_number);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "department ", department, " is listed again (first on line ", it->second, ")"));
    }
    secrets.emplace(department, secret);
  }
  return secrets;
}

}  // namespace lifeline::common
