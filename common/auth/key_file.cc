#include "common/auth/key_file.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

#include "common/config/flags.h"
#include <sys/stat.h>

namespace lifeline::common {
namespace {

bool StatFile(const std::string& path, int64_t* mtime_ns, int64_t* size) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  *mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  *size = static_cast<int64_t>(st.st_size);
  return true;
}

}  // namespace

absl::StatusOr<std::vector<JwtKey>> ParseKeyFile(const std::string& text, const std::string& dir,
                                                 const std::string& source_name) {
  std::vector<JwtKey> keys;
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string where = absl::StrCat(source_name, " line ", line_number);
    if (fields.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected \"<id> <HS256|RS256> <material>\""));
    }
    for (const JwtKey& other : keys) {
      if (other.id == fields[0]) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": key id ", fields[0], " repeats"));
      }
    }
    if (fields[1] == "HS256") {
      std::string secret;
      if (!absl::StartsWith(fields[2], "hex:")) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": an HS256 secret is hex:<digits>"));
      }
      const std::string hex = fields[2].substr(4);
      if (hex.size() % 2 != 0 ||
          !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(c); })) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": the HS256 secret is not hex"));
      }
      secret = absl::HexStringToBytes(hex);
      if (secret.size() < 32) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": an HS256 secret needs at least 32 bytes (64 hex digits)"));
      }
      JwtKey key;
      key.id = fields[0];
      key.algorithm = JwtAlgorithm::kHs256;
      key.secret = std::move(secret);
      keys.push_back(std::move(key));
    } else if (fields[1] == "RS256") {
      const std::string pem_path = absl::StartsWith(fields[2], "/") || dir.empty()
                                       ? fields[2]
                                       : absl::StrCat(dir, "/", fields[2]);
      auto pem = ReadFile(pem_path);
      if (!pem.ok()) return absl::NotFoundError(absl::StrCat(where, ": ", pem.status().message()));
      auto key = JwtKey::Rs256FromPem(fields[0], *pem);
      if (!key.ok())
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", key.status().message()));
      keys.push_back(*std::move(key));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": the algorithm must be HS256 or RS256"));
    }
  }
  if (keys.empty()) return absl::InvalidArgumentError(absl::StrCat(source_name, " holds no key"));
  return keys;
}

absl::StatusOr<std::vector<JwtKey>> LoadKeyFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const size_t slash = path.rfind('/');
  return ParseKeyFile(*text, slash == std::string::npos ? "" : path.substr(0, slash), path);
}

FileChangeWatch::FileChangeWatch(std::string path, absl::Duration check_every)
    : path_(std::move(path)), check_every_(check_every), next_check_(absl::Now() + check_every) {
  StatFile(path_, &mtime_ns_, &size_);
}

bool FileChangeWatch::Changed(absl::Time now) {
  if (now < next_check_) return false;
  next_check_ = now + check_every_;
  int64_t mtime_ns = 0;
  int64_t size = 0;
  if (!StatFile(path_, &mtime_ns, &size) || (mtime_ns == mtime_ns_ && size == size_)) return false;
  mtime_ns_ = mtime_ns;
  size_ = size;
  return true;
}

ReloadingKeyFile::ReloadingKeyFile(std::string path, absl::Duration check_every)
    : path_(path), watch_(std::move(path), check_every) {}

absl::StatusOr<std::unique_ptr<ReloadingKeyFile>> ReloadingKeyFile::Open(
    std::string path, absl::Duration check_every) {
  std::unique_ptr<ReloadingKeyFile> file(new ReloadingKeyFile(std::move(path), check_every));
  auto keys = LoadKeyFile(file->path_);
  if (!keys.ok()) return keys.status();
  file->keys_ = std::make_shared<const std::vector<JwtKey>>(*std::move(keys));
  return file;
}

std::shared_ptr<const std::vector<JwtKey>> ReloadingKeyFile::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  // A broken file is reported once per change, not once per check.
  if (!watch_.Changed(absl::Now())) return keys_;
  auto keys = LoadKeyFile(path_);
  if (!keys.ok()) {
    spdlog::warn("event=key_file_reload_failed path={} error=\"{}\" keeping={}", path_,
                 std::string(keys.status().message()), keys_->size());
    return keys_;
  }
  keys_ = std::make_shared<const std::vector<JwtKey>>(*std::move(keys));
  spdlog::info("event=key_file_reloaded path={} keys={}", path_, keys_->size());
  return keys_;
}

}  // namespace lifeline::common
