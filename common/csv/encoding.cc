#include "common/csv/encoding.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

#include <iconv.h>

namespace lifeline::common {
namespace {

iconv_t Descriptor(void* descriptor) { return static_cast<iconv_t>(descriptor); }

// The free functions keep one converter per thread and direction.
absl::StatusOr<std::string> ConvertWithThreadConverter(std::optional<EncodingConverter>& converter,
                                                       std::string_view from, std::string_view to,
                                                       std::string_view input) {
  if (!converter.has_value()) {
    absl::StatusOr<EncodingConverter> created = EncodingConverter::Create(from, to);
    if (!created.ok()) return created.status();
    converter.emplace(*std::move(created));
  }
  std::string out;
  if (absl::Status status = converter->Convert(input, &out); !status.ok()) return status;
  return out;
}

}  // namespace

absl::StatusOr<EncodingConverter> EncodingConverter::Create(std::string_view from,
                                                            std::string_view to) {
  const std::string from_name(from);
  const std::string to_name(to);
  iconv_t descriptor = iconv_open(to_name.c_str(), from_name.c_str());
  if (descriptor == reinterpret_cast<iconv_t>(-1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("iconv cannot convert from ", from_name, " to ", to_name));
  }
  return EncodingConverter(descriptor, from_name);
}

EncodingConverter::EncodingConverter(EncodingConverter&& other) noexcept
    : descriptor_(std::exchange(other.descriptor_, nullptr)), from_(std::move(other.from_)) {}

EncodingConverter& EncodingConverter::operator=(EncodingConverter&& other) noexcept {
  if (this != &other) {
    if (descriptor_ != nullptr) iconv_close(Descriptor(descriptor_));
    descriptor_ = std::exchange(other.descriptor_, nullptr);
    from_ = std::move(other.from_);
  }
  return *this;
}

EncodingConverter::~EncodingConverter() {
  if (descriptor_ != nullptr) iconv_close(Descriptor(descriptor_));
}

absl::Status EncodingConverter::Convert(std::string_view input, std::string* out) {
  const iconv_t cd = Descriptor(descriptor_);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  const size_t original_size = out->size();
  size_t written = original_size;
  // Room for the common case (UTF-8 <-> GB18030 stays within twice the size); grows on E2BIG.
  out->resize(original_size + input.size() * 2 + 16);
  char* in_ptr = const_cast<char*>(input.data());
  size_t in_left = input.size();
  // The second pass, with no input, writes any final shift sequence.
  for (bool flush = false;;) {
    char* out_ptr = out->data() + written;
    size_t out_left = out->size() - written;
    const size_t result = flush ? iconv(cd, nullptr, nullptr, &out_ptr, &out_left)
                                : iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    const int error = errno;
    written = static_cast<size_t>(out_ptr - out->data());
    if (result != static_cast<size_t>(-1)) {
      if (flush) break;
      flush = true;
      continue;
    }
    if (error == E2BIG) {
      out->resize(out->size() + in_left * 2 + 16);
      continue;
    }
    out->resize(original_size);
    const size_t offset = input.size() - in_left;
    return absl::InvalidArgumentError(absl::StrCat(error == EINVAL ? "incomplete " : "invalid ",
                                                   from_, " byte sequence at byte offset ",
                                                   offset));
  }
  out->resize(written);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Utf8ToGb18030(std::string_view utf8) {
  thread_local std::optional<EncodingConverter> converter;
  return ConvertWithThreadConverter(converter, "UTF-8", "GB18030", utf8);
}

absl::StatusOr<std::string> Gb18030ToUtf8(std::string_view gb18030) {
  thread_local std::optional<EncodingConverter> converter;
  return ConvertWithThreadConverter(converter, "GB18030", "UTF-8", gb18030);
}

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    // Runs of ASCII, eight bytes at a time.
    while (end - p >= 8) {
      uint64_t word = 0;
      std::memcpy(&word, p, sizeof(word));
      if ((word & 0x8080808080808080ULL) != 0) break;
      p += 8;
    }
    if (p == end) break;
    const uint8_t b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    size_t length = 0;
    uint8_t low = 0x80;
    uint8_t high = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      length = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      length = 3;
      if (b == 0xE0) low = 0xA0;   // no overlong forms
      if (b == 0xED) high = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      length = 4;
      if (b == 0xF0) low = 0x90;   // no overlong forms
      if (b == 0xF4) high = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < length) return false;
    if (p[1] < low || p[1] > high) return false;
    for (size_t i = 2; i < length; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += length;
  }
  return true;
}

std::string_view DetectEncoding(std::string_view bytes) {
  return IsValidUtf8(bytes) ? "utf-8" : "gb18030";
}

bool IsAscii(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace lifeline::common
