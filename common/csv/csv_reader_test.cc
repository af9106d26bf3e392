#include "common/csv/csv_reader.h"

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

namespace lifeline::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Rows = std::vector<std::vector<std::string>>;

Rows MustParse(std::string_view text, const CsvReaderOptions& options = {}) {
  absl::StatusOr<Rows> rows = ParseCsv(text, options);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *rows : Rows{};
}

TEST(CsvReaderTest, ReadsPlainRowsWithLfOrCrlfOrCr) {
  const Rows expected = {{"姓名", "身份证号"}, {"张伟", "341523199001011234"}};
  EXPECT_EQ(MustParse("姓名,身份证号\n张伟,341523199001011234\n"), expected);
  EXPECT_EQ(MustParse("姓名,身份证号\r\n张伟,341523199001011234\r\n"), expected);
  EXPECT_EQ(MustParse("姓名,身份证号\r张伟,341523199001011234\r"), expected);
  EXPECT_EQ(MustParse("姓名,身份证号\r\n张伟,341523199001011234"), expected);
}

TEST(CsvReaderTest, EmptyInputHasNoRows) {
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse("\xEF\xBB\xBF").empty());
}

TEST(CsvReaderTest, StripsUtf8BomOnlyAtTheStart) {
  EXPECT_EQ(MustParse("\xEF\xBB\xBF姓名,性别\r\n"), (Rows{{"姓名", "性别"}}));
  EXPECT_EQ(MustParse("a\n\xEF\xBB\xBF"
                      "b\n"),
            (Rows{{"a"},
                  {"\xEF\xBB\xBF"
                   "b"}}));
}

TEST(CsvReaderTest, KeepsEmptyFields) {
  EXPECT_EQ(MustParse(",a,,\n"), (Rows{{"", "a", "", ""}}));
  EXPECT_EQ(MustParse("a,\n"), (Rows{{"a", ""}}));
  EXPECT_EQ(MustParse("a,"), (Rows{{"a", ""}}));
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const Rows rows = MustParse(
      "地址,备注\r\n"
      "\"安徽省宿州市埇桥区, 3号楼\",\"他说\"\"你好\"\"\"\r\n"
      "\"第一行\r\n第二行\",\"a\nb\"\r\n"
      "\"\",\"\"\"\"\r\n");
  EXPECT_THAT(rows, ElementsAre(ElementsAre("地址", "备注"),
                                ElementsAre("安徽省宿州市埇桥区, 3号楼", "他说\"你好\""),
                                ElementsAre("第一行\r\n第二行", "a\nb"), ElementsAre("", "\"")));
}

TEST(CsvReaderTest, EmptyLineIsARowOfOneEmptyFieldUnlessSkipped) {
  EXPECT_EQ(MustParse("a\n\nb\n"), (Rows{{"a"}, {""}, {"b"}}));
  CsvReaderOptions skip;
  skip.skip_empty_lines = true;
  EXPECT_EQ(MustParse("a\n\r\n\n\rb\n\n", skip), (Rows{{"a"}, {"b"}}));
  EXPECT_EQ(MustParse("a\n\"\"\n", skip), (Rows{{"a"}, {""}}));
}

TEST(CsvReaderTest, ReportsTheLineOfEachRow) {
  CsvReader reader("a\n\"b\nc\",d\r\ne\n");
  std::vector<std::string> row;
  ASSERT_TRUE(*reader.ReadRow(&row));
  EXPECT_EQ(reader.row_line(), 1);
  ASSERT_TRUE(*reader.ReadRow(&row));
  EXPECT_EQ(reader.row_line(), 2);
  ASSERT_TRUE(*reader.ReadRow(&row));
  EXPECT_EQ(reader.row_line(), 4);
  EXPECT_THAT(row, ElementsAre("e"));
  EXPECT_FALSE(*reader.ReadRow(&row));
  EXPECT_TRUE(row.empty());
}

TEST(CsvReaderTest, StreamsFromAnIstreamAcrossChunkBoundaries) {
  // Rows long enough that fields, quotes and CRLF pairs straddle the reader's 64 KiB chunks.
  std::string text = "\xEF\xBB\xBF编号,地址\r\n";
  Rows expected = {{"编号", "地址"}};
  for (int i = 0; i < 20000; ++i) {
    const std::string id = std::to_string(i);
    const std::string address = "宿州市\"" + id + "\"号,\r\n" + std::string(i % 7, 'x');
    std::string quoted;
    for (char c : address) {
      if (c == '"') quoted.push_back('"');
      quoted.push_back(c);
    }
    text += id + ",\"" + quoted + "\"\r\n";
    expected.push_back({id, address});
  }
  std::istringstream in(text);
  CsvReader reader(&in);
  Rows rows;
  std::vector<std::string> row;
  while (true) {
    absl::StatusOr<bool> more = reader.ReadRow(&row);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    rows.push_back(row);
  }
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(reader.row_line(), 2 + 2 * 19999);
}

TEST(CsvReaderTest, PassesGb18030BytesThrough) {
  // "张伟,男" in GB18030, plus a four-byte sequence (U+20BB7) whose bytes include digits.
  const std::string text = "\xD5\xC5\xCE\xB0,\xC4\xD0\r\n\x95\x34\xB2\x35,x\r\n";
  EXPECT_EQ(MustParse(text), (Rows{{"\xD5\xC5\xCE\xB0", "\xC4\xD0"}, {"\x95\x34\xB2\x35", "x"}}));
}

struct BadInput {
  std::string text;
  std::string message;
};

class CsvReaderBadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(CsvReaderBadInputTest, IsInvalidArgumentWithTheLine) {
  absl::StatusOr<Rows> rows = ParseCsv(GetParam().text);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rows.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, CsvReaderBadInputTest,
    ::testing::Values(BadInput{"a,b\n\"unterminated,c\nd\n", "CSV line 2: unterminated quoted"},
                      BadInput{"\"", "CSV line 1: unterminated quoted"},
                      BadInput{"a\n\"x\"\"", "CSV line 2: unterminated quoted"},
                      BadInput{"a\nb\n\"x\"y,z\n", "CSV line 3: unexpected text after a closing"},
                      BadInput{"\"a\nb\" ,c\n", "CSV line 2: unexpected text after a closing"},
                      BadInput{"a\nab\"c\n", "CSV line 2: quote inside an unquoted field"},
                      BadInput{"a \"b\"\n", "CSV line 1: quote inside an unquoted field"}));

TEST(CsvReaderTest, ErrorIsSticky) {
  CsvReader reader("ok\n\"x\"y\nnext\n");
  std::vector<std::string> row;
  ASSERT_TRUE(*reader.ReadRow(&row));
  const absl::StatusOr<bool> first = reader.ReadRow(&row);
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(row.empty());
  const absl::StatusOr<bool> second = reader.ReadRow(&row);
  EXPECT_EQ(second.status(), first.status());
}

TEST(CsvReaderTest, EnforcesLimits) {
  CsvReaderOptions options;
  options.max_field_bytes = 4;
  EXPECT_TRUE(ParseCsv("abcd,\"ab\"\"c\"\n", options).ok());
  absl::Status long_field = ParseCsv("ok\nabcde\n", options).status();
  EXPECT_EQ(long_field.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(long_field.message()), HasSubstr("CSV line 2: field longer than 4"));
  EXPECT_FALSE(ParseCsv("\"abc\"\"\"\"\n", options).ok());

  options = {};
  options.max_fields_per_row = 3;
  EXPECT_TRUE(ParseCsv("a,b,c\n", options).ok());
  absl::Status many = ParseCsv("a,b,c,d\n", options).status();
  EXPECT_THAT(std::string(many.message()), HasSubstr("more than 3 fields"));

  options = {};
  options.max_row_bytes = 5;
  EXPECT_TRUE(ParseCsv("ab,cde\nfghij\n", options).ok());
  absl::Status long_row = ParseCsv("ab,cde\nfg,hij,k\n", options).status();
  EXPECT_THAT(std::string(long_row.message()), HasSubstr("CSV line 2: row longer than 5"));
}

TEST(CsvReaderTest, SurvivesArbitraryBytes) {
  // Every short string over a small alphabet of the characters that matter: no crash, and any
  // error is InvalidArgument.
  const std::string alphabet = "a,\"\r\n\xEF";
  std::vector<std::string> inputs = {""};
  for (int length = 1; length <= 6; ++length) {
    std::vector<std::string> next;
    for (const std::string& prefix : inputs) {
      if (static_cast<int>(prefix.size()) != length - 1) continue;
      for (char c : alphabet) next.push_back(prefix + c);
    }
    inputs.insert(inputs.end(), next.begin(), next.end());
  }
  for (const std::string& input : inputs) {
    absl::StatusOr<Rows> rows = ParseCsv(input);
    if (!rows.ok()) {
      EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument) << input;
    }
  }
}

TEST(CsvReaderTest, StreamFailureIsUnavailable) {
  std::istringstream in("a,b\n");
  in.setstate(std::ios::badbit);
  CsvReader reader(&in);
  std::vector<std::string> row;
  EXPECT_EQ(reader.ReadRow(&row).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lifeline::common
