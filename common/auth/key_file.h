// Key files: the JWT keys a process signs and verifies with, one per line, re-read when the file
// changes so that keys rotate without a restart.
//
//   # id        algorithm  material
//   2026-12     HS256      hex:8f1c...            (a shared secret, at least 32 bytes)
//   idp-2026    RS256      idp-2026.pub.pem       (a PEM file, relative to the key file)
//
// Blank lines and lines starting with '#' are skipped. The first key signs (when it can); every
// key verifies. Rotation: add the new key below the old, let it reach every verifier, move it to
// the top, and drop the old one once no token signed with it can be alive.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "common/auth/jwt.h"

namespace lifeline::common {

// Parses key-file text; `dir` resolves relative PEM paths. Errors: InvalidArgument naming the
// line (never the key material), NotFound for a missing PEM file.
absl::StatusOr<std::vector<JwtKey>> ParseKeyFile(const std::string& text, const std::string& dir,
                                                 const std::string& source_name);

// Reads and parses `path`. Errors: NotFound, InvalidArgument (also for a file with no key).
absl::StatusOr<std::vector<JwtKey>> LoadKeyFile(const std::string& path);

// Tells whether a file changed (modification time or size) since the last look, looking at the
// file at most once per `check_every`. Not thread-safe: callers hold their own lock.
class FileChangeWatch {
 public:
  // Records the file's present state.
  FileChangeWatch(std::string path, absl::Duration check_every);
  // True once per change, when a check is due and the file's state differs from the last one.
  bool Changed(absl::Time now);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  absl::Duration check_every_;
  absl::Time next_check_;
  int64_t mtime_ns_ = 0;
  int64_t size_ = -1;
};

// A key file kept current: Keys() checks the file's modification time and size at most once per
// `check_every` and re-reads it when they changed. A change that does not parse keeps the old
// keys (and logs a warning without key material). Thread-safe.
class ReloadingKeyFile {
 public:
  // Errors: those of LoadKeyFile for the first read.
  static absl::StatusOr<std::unique_ptr<ReloadingKeyFile>> Open(
      std::string path, absl::Duration check_every = absl::Seconds(1));

  std::shared_ptr<const std::vector<JwtKey>> Keys() const;
  const std::string& path() const { return path_; }

 private:
  ReloadingKeyFile(std::string path, absl::Duration check_every);

  std::string path_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const std::vector<JwtKey>> keys_;
  mutable FileChangeWatch watch_;
};

}  // namespace lifeline::common
