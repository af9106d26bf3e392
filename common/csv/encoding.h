// Character encodings of agency files: UTF-8 and GB18030, the national standard that Chinese
// government systems often export in. GB18030 covers all of Unicode, so every valid UTF-8 text
// converts both ways without loss. Conversion uses glibc's iconv.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lifeline::common {

// Converts between two encodings with one iconv descriptor that is reused across calls, for
// loops that convert row after row. Not thread-safe; movable.
class EncodingConverter {
 public:
  // Opens a converter from `from` to `to` (iconv names such as "UTF-8", "GB18030").
  // Errors: InvalidArgument when iconv does not know the pair.
  static absl::StatusOr<EncodingConverter> Create(std::string_view from, std::string_view to);

  EncodingConverter(EncodingConverter&& other) noexcept;
  EncodingConverter& operator=(EncodingConverter&& other) noexcept;
  EncodingConverter(const EncodingConverter&) = delete;
  EncodingConverter& operator=(const EncodingConverter&) = delete;
  ~EncodingConverter();

  // Appends the conversion of `input` to `out`. On error `out` keeps what it held before.
  // Errors: InvalidArgument "invalid <from> byte sequence at byte offset N" or "incomplete
  // <from> byte sequence at byte offset N" (offsets into `input`).
  absl::Status Convert(std::string_view input, std::string* out);

 private:
  EncodingConverter(void* descriptor, std::string from)
      : descriptor_(descriptor), from_(std::move(from)) {}

  void* descriptor_;  // iconv_t
  std::string from_;
};

// Converts UTF-8 text (a leading byte-order mark is converted like any character) to GB18030.
// Errors: InvalidArgument naming the byte offset of the first invalid or incomplete sequence.
absl::StatusOr<std::string> Utf8ToGb18030(std::string_view utf8);

// Converts GB18030 bytes to UTF-8. Errors: InvalidArgument naming the byte offset of the first
// invalid or incomplete sequence.
absl::StatusOr<std::string> Gb18030ToUtf8(std::string_view gb18030);

// Returns true when `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequence at the end).
bool IsValidUtf8(std::string_view bytes);

// Returns "utf-8" when `bytes` is valid UTF-8 (with or without a byte-order mark; plain ASCII
// counts), otherwise "gb18030". Pass the whole file: a prefix cut inside a character is not
// valid UTF-8.
std::string_view DetectEncoding(std::string_view bytes);

// Returns true when every byte of `bytes` is ASCII (the same text in UTF-8 and in GB18030).
bool IsAscii(std::string_view bytes);

}  // namespace lifeline::common
