#include "common/csv/csv_writer.h"

#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/csv/csv_reader.h"

namespace lifeline::common {
namespace {

std::string Row(const std::vector<std::string>& fields, std::string_view line_end = "\r\n") {
  std::string out;
  AppendCsvRow(fields, &out, line_end);
  return out;
}

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(Row({"张伟", "341523199001011234", "", "男"}), "张伟,341523199001011234,,男\r\n");
  EXPECT_EQ(Row({"宿州市, 3号楼", "他说\"好\"", "a\nb", "c\rd", " 空格 "}),
            "\"宿州市, 3号楼\",\"他说\"\"好\"\"\",\"a\nb\",\"c\rd\", 空格 \r\n");
  EXPECT_EQ(Row({"\""}), "\"\"\"\"\r\n");
  EXPECT_EQ(Row({"a"}, "\n"), "a\n");
}

TEST(CsvWriterTest, QuotesAloneEmptyFieldAndLeadingBom) {
  EXPECT_EQ(Row({""}), "\"\"\r\n");
  EXPECT_EQ(Row({"", ""}), ",\r\n");
  EXPECT_EQ(Row({}), "\r\n");
  EXPECT_EQ(Row({"\xEF\xBB\xBFx"}), "\"\xEF\xBB\xBFx\"\r\n");
  // At the start of a file the reader strips a bare BOM but keeps a quoted one.
  absl::StatusOr<std::vector<std::vector<std::string>>> back = ParseCsv(Row({"\xEF\xBB\xBFx"}));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, (std::vector<std::vector<std::string>>{{"\xEF\xBB\xBFx"}}));
}

TEST(CsvWriterTest, AppendsSingleFields) {
  std::string out;
  AppendCsvField("张伟", &out);
  out.push_back(',');
  AppendCsvField("a\"b,c", &out);
  out.push_back(',');
  AppendCsvField("", &out);
  EXPECT_EQ(out, "张伟,\"a\"\"b,c\",");
}

TEST(CsvWriterTest, NeedsQuoting) {
  EXPECT_FALSE(CsvNeedsQuoting("公民身份号码"));
  EXPECT_FALSE(CsvNeedsQuoting(""));
  EXPECT_TRUE(CsvNeedsQuoting("a,b"));
  EXPECT_TRUE(CsvNeedsQuoting("\""));
  EXPECT_TRUE(CsvNeedsQuoting("\r"));
  EXPECT_TRUE(CsvNeedsQuoting("\n"));
}

TEST(CsvWriterTest, StringViewRowsMatchStringRows) {
  const std::vector<std::string_view> views = {"a,b", "c"};
  std::string out;
  AppendCsvRow(views, &out);
  EXPECT_EQ(out, "\"a,b\",c\r\n");
}

TEST(CsvWriterTest, WritesToAStreamAndReadsBack) {
  const std::vector<std::vector<std::string>> rows = {
      {"姓名", "家庭住址", "备注"},
      {"張偉", "安徽省宿州市\"幸福\"小区,3栋\r\n2单元", ""},
      {""},
      {"𠮷", ",", "\"\""},
      {"\xEF\xBB\xBF", "x"},
  };
  std::ostringstream out;
  CsvWriter writer(&out);
  for (const auto& row : rows) ASSERT_TRUE(writer.WriteRow(row).ok());
  CsvReaderOptions options;
  options.skip_empty_lines = true;
  absl::StatusOr<std::vector<std::vector<std::string>>> back = ParseCsv(out.str(), options);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, rows);
}

TEST(CsvWriterTest, RandomRowsReadBackUnchanged) {
  const std::vector<std::string> pieces = {"a",  ",",  "\"", "\r",           "\n", "\r\n",
                                           "张", "𠮷", " ",  "\xEF\xBB\xBF", ""};
  std::mt19937 random(20240611);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::vector<std::string>> rows(1 + random() % 5);
    for (auto& row : rows) {
      row.resize(1 + random() % 4);
      for (auto& field : row) {
        for (int n = random() % 6; n > 0; --n) field += pieces[random() % pieces.size()];
      }
    }
    std::string text;
    for (const auto& row : rows) AppendCsvRow(row, &text, round % 2 == 0 ? "\r\n" : "\n");
    absl::StatusOr<std::vector<std::vector<std::string>>> back = ParseCsv(text);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, rows);
  }
}

TEST(CsvWriterTest, FailedStreamIsUnavailable) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  CsvWriter writer(&out);
  const std::vector<std::string> row = {"a"};
  EXPECT_EQ(writer.WriteRow(row).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lifeline::common
