#include "common/csv/encoding.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

namespace lifeline::common {
namespace {

using ::testing::HasSubstr;

TEST(EncodingTest, Utf8ToGb18030KnownBytes) {
  // 张伟 is D5C5 CEB0; 男 is C4D0; ASCII stays ASCII.
  absl::StatusOr<std::string> gb = Utf8ToGb18030("张伟,男,1990");
  ASSERT_TRUE(gb.ok()) << gb.status();
  EXPECT_EQ(*gb, "\xD5\xC5\xCE\xB0,\xC4\xD0,1990");
}

TEST(EncodingTest, CharactersOutsideGbkUseFourByteSequences) {
  // U+20BB7 (𠮷, outside the BMP) and U+4DB5 (㶵, CJK extension A).
  absl::StatusOr<std::string> gb = Utf8ToGb18030("𠮷");
  ASSERT_TRUE(gb.ok()) << gb.status();
  EXPECT_EQ(*gb, "\x95\x34\xB2\x35");
  absl::StatusOr<std::string> back = Gb18030ToUtf8(*gb);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "𠮷");
}

TEST(EncodingTest, RoundTripsMixedText) {
  const std::string text =
      "\xEF\xBB\xBF姓名,公民身份号码\r\n劉德華,\"安徽省宿州市, 幸福路 3 号\"\r\n"
      "𠮷㶵鏊,ｆｕｌｌ－ｗｉｄｔｈ １２３\r\n€ é ü ß 😀\n";
  absl::StatusOr<std::string> gb = Utf8ToGb18030(text);
  ASSERT_TRUE(gb.ok()) << gb.status();
  EXPECT_FALSE(IsValidUtf8(*gb));
  absl::StatusOr<std::string> back = Gb18030ToUtf8(*gb);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, text);
}

TEST(EncodingTest, EmptyConvertsToEmpty) {
  EXPECT_EQ(*Utf8ToGb18030(""), "");
  EXPECT_EQ(*Gb18030ToUtf8(""), "");
}

TEST(EncodingTest, LargeInputGrowsTheOutput) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "a张𠮷";
  absl::StatusOr<std::string> gb = Utf8ToGb18030(text);
  ASSERT_TRUE(gb.ok());
  EXPECT_EQ(gb->size(), 100000u * 7);
  EXPECT_EQ(*Gb18030ToUtf8(*gb), text);
}

TEST(EncodingTest, InvalidUtf8NamesTheByteOffset) {
  absl::StatusOr<std::string> gb = Utf8ToGb18030(
      "ab张\xFF"
      "c");
  ASSERT_FALSE(gb.ok());
  EXPECT_EQ(gb.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(gb.status().message()), HasSubstr("byte offset 5"));

  absl::StatusOr<std::string> truncated = Utf8ToGb18030("ab\xE5\xBC");
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("incomplete"));
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("byte offset 2"));
}

TEST(EncodingTest, InvalidGb18030NamesTheByteOffset) {
  // 0x81 must be followed by 0x30-0x39 or 0x40-0xFE (not 0x7F).
  absl::StatusOr<std::string> utf8 = Gb18030ToUtf8(
      "\xD5\xC5"
      "a\x81\x7F");
  ASSERT_FALSE(utf8.ok());
  EXPECT_EQ(utf8.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(utf8.status().message()), HasSubstr("byte offset 3"));

  absl::StatusOr<std::string> truncated = Gb18030ToUtf8("a\xD5");
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("byte offset 1"));
}

TEST(EncodingTest, ConverterIsReusableAfterAnError) {
  absl::StatusOr<EncodingConverter> converter = EncodingConverter::Create("UTF-8", "GB18030");
  ASSERT_TRUE(converter.ok()) << converter.status();
  std::string out = "keep:";
  EXPECT_FALSE(converter->Convert("\xC0\x80", &out).ok());
  EXPECT_EQ(out, "keep:");
  ASSERT_TRUE(converter->Convert("伟", &out).ok());
  EXPECT_EQ(out, "keep:\xCE\xB0");
  EncodingConverter moved = std::move(*converter);
  ASSERT_TRUE(moved.Convert("男", &out).ok());
  EXPECT_EQ(out, "keep:\xCE\xB0\xC4\xD0");
}

TEST(EncodingTest, UnknownEncodingIsInvalidArgument) {
  EXPECT_EQ(EncodingConverter::Create("UTF-8", "NO-SUCH-CHARSET").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EncodingTest, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xEF\xBB\xBF张伟 𠮷 \xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));  // invalid lead byte
  EXPECT_FALSE(IsValidUtf8("\xE5\xBC"));          // truncated at the end
  EXPECT_FALSE(
      IsValidUtf8("\xE5"
                  "a\xBC"));                      // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xD5\xC5\xCE\xB0"));  // 张伟 in GB18030
}

TEST(EncodingTest, IsAscii) {
  EXPECT_TRUE(IsAscii(""));
  EXPECT_TRUE(IsAscii("id,name\r\n1,a\x7F"));
  EXPECT_FALSE(IsAscii("1,\xD5\xC5"));  // 张 in GB18030
  EXPECT_FALSE(IsAscii("姓名"));
}

TEST(EncodingTest, DetectEncoding) {
  EXPECT_EQ(DetectEncoding(""), "utf-8");
  EXPECT_EQ(DetectEncoding("id,name\r\n1,a\r\n"), "utf-8");
  EXPECT_EQ(DetectEncoding("姓名,性别\r\n"), "utf-8");
  EXPECT_EQ(DetectEncoding("\xEF\xBB\xBF姓名\r\n"), "utf-8");
  EXPECT_EQ(DetectEncoding(*Utf8ToGb18030("姓名,性别\r\n张伟,男\r\n")), "gb18030");
}

}  // namespace
}  // namespace lifeline::common
