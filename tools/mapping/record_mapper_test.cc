#include "tools/mapping/record_mapper.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

#include "common/config/yaml_proto.h"

namespace lifeline::mapping {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::lifeline::ingest::v1::AgencyMapping;
using ::lifeline::records::v1::Record;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

AgencyMapping Yaml(const std::string& text) {
  AgencyMapping mapping;
  const absl::Status status = common::ParseYamlToProto(text, "test.yaml", &mapping);
  EXPECT_TRUE(status.ok()) << status;
  return mapping;
}

// A civil affairs list as a county bureau would export it.
AgencyMapping SocialAssistanceMapping() {
  return Yaml(R"(
agency: civil_affairs
kind: social_assistance
encoding: gb18030
columns:
  - {header: 记录编号, field: source_record_id}
  - {header: 版本, field: version}
  - {header: 姓名, field: person.name}
  - {header: 身份证号, field: person.id_number}
  - header: 性别
    field: person.sex
    values: {男: SEX_MALE, 女: SEX_FEMALE}
  - header: 保障类别
    field: social_assistance.programme
    values:
      城市低保: PROGRAMME_URBAN_MINIMUM_LIVING
      农村低保: PROGRAMME_RURAL_MINIMUM_LIVING
      农村最低生活保障: PROGRAMME_RURAL_MINIMUM_LIVING
      特困供养: PROGRAMME_EXTREME_POVERTY
  - header: 是否户主
    field: social_assistance.household_head
    values: {是: true, 否: false}
  - {header: 开始日期, field: social_assistance.start_date}
  - header: 月保障金额（元）
    field: social_assistance.monthly_amount_fen
    unit: AMOUNT_UNIT_YUAN
)");
}

RecordMapper MustCreate(const AgencyMapping& mapping) {
  absl::StatusOr<RecordMapper> mapper = RecordMapper::Create(mapping);
  EXPECT_TRUE(mapper.ok()) << mapper.status();
  return *std::move(mapper);
}

Record ParseRecord(const std::string& text) {
  Record record;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &record));
  return record;
}

const std::vector<std::string> kHeaders = {"记录编号", "版本",     "姓名",
                                           "身份证号", "性别",     "保障类别",
                                           "是否户主", "开始日期", "月保障金额（元）"};

TEST(RecordMapperTest, MapsARow) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  EXPECT_EQ(mapper.encoding(), "gb18030");
  EXPECT_EQ(mapper.headers(), kHeaders);
  absl::StatusOr<Record> record = mapper.MapRow(
      kHeaders, std::vector<std::string>{"MZ-001", "2", "張偉", "34152319900101123x", "男",
                                         "农村最低生活保障", "是", "2021-03-01", "612.5"});
  ASSERT_TRUE(record.ok()) << record.status();
  const Record expected = ParseRecord(R"pb(
    source_record_id: "MZ-001"
    version: 2
    person { name: "張偉" id_number: "34152319900101123x" sex: SEX_MALE }
    social_assistance {
      programme: PROGRAMME_RURAL_MINIMUM_LIVING
      household_head: true
      start_date: "2021-03-01"
      monthly_amount_fen: 61250
    }
  )pb");
  EXPECT_TRUE(MessageDifferencer::Equals(*record, expected)) << record->DebugString();
}

TEST(RecordMapperTest, EmptyCellsLeaveDefaultsAndThePayloadIsAlwaysSet) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  absl::StatusOr<Record> record =
      mapper.MapRow(kHeaders, std::vector<std::string>(kHeaders.size(), ""));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_TRUE(record->has_social_assistance());
  EXPECT_TRUE(record->has_person());
  EXPECT_EQ(record->version(), 0);
  EXPECT_EQ(record->social_assistance().programme(),
            records::v1::SocialAssistance::PROGRAMME_UNSPECIFIED);
  EXPECT_TRUE(mapper.Matches(*record));
  EXPECT_FALSE(mapper.Matches(ParseRecord("veteran_status {}")));
}

TEST(RecordMapperTest, AcceptsEnumNamesBooleansAndSpacesAndIgnoresExtraColumns) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  // The file orders columns its own way, pads headers and adds 序号 and 备注.
  const std::vector<std::string> headers = {"序号",     " 姓名 ", "记录编号",        "版本",
                                            "身份证号", "性别",   "保障类别",        "是否户主",
                                            "开始日期", "备注",   "月保障金额（元）"};
  absl::StatusOr<RecordMapper::ColumnIndex> index = mapper.IndexHeaders(headers);
  ASSERT_TRUE(index.ok()) << index.status();
  for (const auto& [cell, expected] : std::vector<std::pair<std::string, bool>>{{"是", true},
                                                                                {"否", false},
                                                                                {"true", true},
                                                                                {"FALSE", false},
                                                                                {"1", true},
                                                                                {" 0 ", false}}) {
    absl::StatusOr<Record> record = mapper.MapRow(
        *index, std::vector<std::string>{"7", " 李 娜 ", "x", " 3 ", "", "SEX_FEMALE", " 城市低保 ",
                                         cell, "", "备注, 文字", "1,5"});
    // "1,5" is not an amount; fix it after checking the booleans on a valid row.
    ASSERT_FALSE(record.ok());
    record =
        mapper.MapRow(*index, std::vector<std::string>{"7", " 李 娜 ", "x", " 3 ", "", "SEX_FEMALE",
                                                       " 城市低保 ", cell, "", "", "300"});
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ(record->social_assistance().household_head(), expected) << cell;
    EXPECT_EQ(record->person().name(), " 李 娜 ");  // text is kept exactly as sent
    EXPECT_EQ(record->version(), 3);
    EXPECT_EQ(record->person().sex(), records::v1::SEX_FEMALE);
    EXPECT_EQ(record->social_assistance().programme(),
              records::v1::SocialAssistance::PROGRAMME_URBAN_MINIMUM_LIVING);
    EXPECT_EQ(record->social_assistance().monthly_amount_fen(), 30000);
  }
}

TEST(RecordMapperTest, ParsesYuanExactly) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  auto amount = [&](const std::string& cell) -> absl::StatusOr<int64_t> {
    std::vector<std::string> row(kHeaders.size(), "");
    row.back() = cell;
    absl::StatusOr<Record> record = mapper.MapRow(kHeaders, row);
    if (!record.ok()) return record.status();
    return record->social_assistance().monthly_amount_fen();
  };
  EXPECT_EQ(*amount("0.01"), 1);
  EXPECT_EQ(*amount("0.1"), 10);
  EXPECT_EQ(*amount("8640"), 864000);
  EXPECT_EQ(*amount("311040.99"), 31104099);
  EXPECT_EQ(*amount("-12.30"), -1230);
  EXPECT_EQ(*amount("999999999999999.99"), 99999999999999999);
  for (const std::string bad :
       {"1.234", "1,000", "1.", ".5", "¥100", "1e3", "12元", "1000000000000000", "-", "0x10"}) {
    EXPECT_FALSE(amount(bad).ok()) << bad;
  }
}

struct BadCell {
  size_t column;
  std::string value;
  std::string reason;
};

class RecordMapperBadCellTest : public ::testing::TestWithParam<BadCell> {};

TEST_P(RecordMapperBadCellTest, NamesTheColumnAndReasonButNotTheValue) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  std::vector<std::string> row(kHeaders.size(), "");
  row[GetParam().column] = GetParam().value;
  absl::StatusOr<Record> record = mapper.MapRow(kHeaders, row);
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(record.status().message());
  EXPECT_THAT(message, HasSubstr("column '" + kHeaders[GetParam().column] + "'"));
  EXPECT_THAT(message, HasSubstr(GetParam().reason));
  EXPECT_THAT(message, Not(HasSubstr(GetParam().value)));
}

INSTANTIATE_TEST_SUITE_P(
    Cells, RecordMapperBadCellTest,
    ::testing::Values(BadCell{1, "v3413", "(version): not an integer"},
                      BadCell{1, "99999999999999999999", "not an integer"},
                      BadCell{4, "男性3413", "(person.sex): not a known value of Sex"},
                      BadCell{5, "城市低保3413", "not a known value of Programme"},
                      BadCell{6, "不是3413", "not a yes/no value"},
                      BadCell{8, "3413.001", "not an amount in yuan"}));

TEST(RecordMapperTest, RejectsBadRowShapes) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  absl::StatusOr<Record> short_row = mapper.MapRow(kHeaders, std::vector<std::string>{"a", "1"});
  EXPECT_EQ(short_row.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(short_row.status().message()),
              HasSubstr("row has 2 fields, the header row has 9"));

  std::vector<std::string> missing = kHeaders;
  missing.erase(missing.begin() + 3);
  absl::Status status = mapper.IndexHeaders(missing).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("missing column '身份证号'"));

  std::vector<std::string> twice = kHeaders;
  twice.push_back(" 姓名");
  status = mapper.IndexHeaders(twice).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("column '姓名' appears twice"));

  std::vector<std::string> extra_twice = kHeaders;
  extra_twice.push_back("备注");
  extra_twice.push_back("备注");
  EXPECT_TRUE(mapper.IndexHeaders(extra_twice).ok());
}

TEST(RecordMapperTest, RowForWritesTheAgencysWording) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  const Record record = ParseRecord(R"pb(
    source_record_id: "MZ-9"
    version: 1
    person { name: "王芳" sex: SEX_FEMALE }
    social_assistance {
      programme: PROGRAMME_RURAL_MINIMUM_LIVING
      start_date: "2020-01-01"
      monthly_amount_fen: 50005
    }
  )pb");
  // Two wordings map to rural: the first in byte order (农村低保 < 农村最低生活保障) is written.
  // household_head false has the wording 否.
  EXPECT_THAT(mapper.RowFor(record),
              ElementsAre("MZ-9", "1", "王芳", "", "女", "农村低保", "否", "2020-01-01", "500.05"));

  const Record defaults = ParseRecord(R"pb(
    social_assistance { programme: PROGRAMME_LOW_INCOME household_head: true }
  )pb");
  // No wording for PROGRAMME_LOW_INCOME: the enum name; zero amount and version: empty cells.
  EXPECT_THAT(mapper.RowFor(defaults),
              ElementsAre("", "", "", "", "", "PROGRAMME_LOW_INCOME", "是", "", ""));

  // A record of another kind reads as defaults.
  EXPECT_THAT(mapper.RowFor(ParseRecord("veteran_status { kind: KIND_VETERAN }")),
              ElementsAre("", "", "", "", "", "", "否", "", ""));
}

TEST(RecordMapperTest, ForEachCellGivesTheCellsOfRowFor) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  const Record record = ParseRecord(R"pb(
    source_record_id: "MZ-1"
    version: 3
    person { name: "陈静" sex: SEX_MALE }
    social_assistance { programme: PROGRAMME_EXTREME_POVERTY monthly_amount_fen: 100 }
  )pb");
  std::vector<std::string> cells;
  mapper.ForEachCell(record, [&](std::string_view cell) { cells.emplace_back(cell); });
  EXPECT_EQ(cells, mapper.RowFor(record));
  EXPECT_THAT(cells, ElementsAre("MZ-1", "3", "陈静", "", "男", "特困供养", "否", "", "1.00"));
}

TEST(RecordMapperTest, RowForAndMapRowRoundTrip) {
  const RecordMapper mapper = MustCreate(SocialAssistanceMapping());
  const Record record = ParseRecord(R"pb(
    source_record_id: "MZ-\"7\", 第二"
    version: 12
    person { name: "𠮷田 劉" id_number: "341523199001011234" sex: SEX_MALE }
    social_assistance {
      programme: PROGRAMME_TEMPORARY_ASSISTANCE
      household_head: true
      start_date: "2020-01-01"
      monthly_amount_fen: -7
    }
  )pb");
  const std::vector<std::string> row = mapper.RowFor(record);
  absl::StatusOr<Record> back = mapper.MapRow(mapper.headers(), row);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*back, record)) << back->DebugString();
}

TEST(RecordMapperTest, FenUnitAndNestedPaths) {
  const RecordMapper mapper = MustCreate(Yaml(R"(
agency: procuratorate
kind: criminal_victim
columns:
  - {header: 案件编号, field: criminal_victim.criminal_case.case_number}
  - {header: 案由, field: criminal_victim.criminal_case.crime, values: {交通肇事罪: CRIME_TRAFFIC}}
  - {header: 伤残等级, field: criminal_victim.disability_grade, values: {一级: 1, 二级: "2"}}
  - {header: 财产损失（分）, field: criminal_victim.property_loss_fen, unit: AMOUNT_UNIT_FEN}
  - {header: 是否需要紧急救治, field: criminal_victim.needs_urgent_treatment}
)"));
  EXPECT_EQ(mapper.encoding(), "utf-8");
  absl::StatusOr<Record> record = mapper.MapRow(
      mapper.headers(),
      std::vector<std::string>{"皖检刑诉〔2023〕12号", "交通肇事罪", "二级", "123456", "1"});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->criminal_victim().criminal_case().case_number(), "皖检刑诉〔2023〕12号");
  EXPECT_EQ(record->criminal_victim().criminal_case().crime(),
            records::v1::CriminalCase::CRIME_TRAFFIC);
  EXPECT_EQ(record->criminal_victim().disability_grade(), 2);
  EXPECT_EQ(record->criminal_victim().property_loss_fen(), 123456);
  EXPECT_TRUE(record->criminal_victim().needs_urgent_treatment());
  // Grade 3 has no wording: written as the number; true without a wording: "true".
  record->mutable_criminal_victim()->set_disability_grade(3);
  EXPECT_THAT(mapper.RowFor(*record),
              ElementsAre("皖检刑诉〔2023〕12号", "交通肇事罪", "3", "123456", "true"));
}

struct BadMapping {
  std::string yaml;
  std::string message;
};

class RecordMapperBadMappingTest : public ::testing::TestWithParam<BadMapping> {};

TEST_P(RecordMapperBadMappingTest, IsInvalidArgumentNamingTheProblem) {
  absl::StatusOr<RecordMapper> mapper = RecordMapper::Create(Yaml(GetParam().yaml));
  ASSERT_FALSE(mapper.ok());
  EXPECT_EQ(mapper.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(mapper.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Mappings, RecordMapperBadMappingTest,
    ::testing::Values(
        BadMapping{"kind: social_assistance\ncolumns: [{header: 姓名, field: person.nmae}]",
                   "unknown field 'person.nmae'"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 地址, field: address}]",
                   "unknown field 'address'"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 人, field: person}]",
                   "field 'person' is not a text, number, yes/no or enum value"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 人, field: person.name.first}]",
                   "goes past a value"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 案, field: "
                   "criminal_victim.criminal_case.case_number}]",
                   "belongs to payload 'criminal_victim', not to the kind 'social_assistance'"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: x, field: social_assistance}]",
                   "is not a text, number"},
        BadMapping{"kind: person\ncolumns: []", "unknown record kind 'person'"},
        BadMapping{"kind: \"\"\ncolumns: []", "unknown record kind ''"},
        BadMapping{"kind: social_assistance\nencoding: gbk", "unknown encoding 'gbk'"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: ' ', field: person.name}]",
                   "empty header"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 姓名, field: person.name}, "
                   "{header: 姓名, field: person.phone}]",
                   "column 2 '姓名': header appears twice"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 姓名, field: person.name}, "
                   "{header: 名字, field: person.name}]",
                   "field 'person.name' is already filled by column '姓名'"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 类别, field: "
                   "social_assistance.programme, values: {低保: PROGRAMME_LOWEST}}]",
                   "value map entry '低保': 'PROGRAMME_LOWEST' is not a known value of Programme"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 户主, field: "
                   "social_assistance.household_head, values: {是: yes}}]",
                   "value map entry '是'"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 户主, field: "
                   "social_assistance.household_head, values: {是: true, ' 是': false}}]",
                   "wording '是' appears twice"},
        BadMapping{"kind: social_assistance\ncolumns: [{header: 日期, field: "
                   "social_assistance.start_date, unit: AMOUNT_UNIT_YUAN}]",
                   "a unit is only for amount fields in fen"},
        BadMapping{"kind: medical_expense\ncolumns: [{header: 年度, field: "
                   "medical_expense.year, unit: AMOUNT_UNIT_YUAN}]",
                   "a unit is only for amount fields in fen"}));

}  // namespace
}  // namespace lifeline::mapping
