#include "tools/datagen/agency_files.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "common/config/yaml_proto.h"
#include "common/csv/csv_reader.h"
#include "common/csv/encoding.h"
#include "common/testing/process.h"
#include "tools/mapping/record_mapper.h"

namespace lifeline::datagen {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;
using ::lifeline::ingest::v1::AgencyMapping;
using ::lifeline::records::v1::Record;
using ::testing::HasSubstr;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(AgencyFilesTest, EveryPairHasAValidDefaultMapping) {
  const std::vector<AgencyKindPair>& pairs = MappedAgencyKinds();
  ASSERT_EQ(pairs.size(), 12u);
  std::set<std::string> seen;
  for (const AgencyKindPair& pair : pairs) {
    SCOPED_TRACE(absl::StrCat(std::string(pair.agency), "/", std::string(pair.kind)));
    EXPECT_TRUE(seen.insert(MappingFileName(pair.agency, pair.file)).second);
    absl::StatusOr<AgencyMapping> mapping = DefaultMapping(pair.agency, pair.file);
    ASSERT_TRUE(mapping.ok()) << mapping.status();
    EXPECT_EQ(mapping->agency(), pair.agency);
    EXPECT_EQ(mapping->kind(), pair.kind);
    const bool gb = pair.agency == "civil_affairs" || pair.agency == "rural_revitalization";
    EXPECT_EQ(mapping->encoding(), gb ? "gb18030" : "utf-8");
    absl::StatusOr<mapping::RecordMapper> mapper = mapping::RecordMapper::Create(*mapping);
    ASSERT_TRUE(mapper.ok()) << mapper.status();
    std::set<std::string> fields;
    for (const auto& column : mapping->columns()) fields.insert(column.field());
    for (const char* required :
         {"source_record_id", "version", "record_date", "person.name", "person.id_number"}) {
      EXPECT_TRUE(fields.contains(required)) << required;
    }
  }
  EXPECT_EQ(MappingFileName("civil_affairs", "social_assistance"),
            "civil_affairs-social_assistance.yaml");
  EXPECT_EQ(DefaultMapping("court", "social_assistance").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(DefaultMapping("police", "criminal_victim").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(AgencyFilesTest, AgenciesWordTheirHeadersTheirOwnWay) {
  auto headers = [](std::string_view agency, std::string_view kind) {
    std::vector<std::string> out;
    const AgencyMapping mapping = *DefaultMapping(agency, kind);
    for (const auto& column : mapping.columns()) {
      out.push_back(column.header());
    }
    return out;
  };
  EXPECT_THAT(headers("civil_affairs", "social_assistance"),
              ::testing::IsSupersetOf({"姓名", "身份证号", "户编号", "保障类别", "开始日期"}));
  EXPECT_THAT(headers("disabled_persons_federation", "disability_certificate"),
              ::testing::IsSupersetOf({"公民身份号码", "残疾类别", "残疾等级"}));
  EXPECT_THAT(headers("procuratorate", "criminal_victim"),
              ::testing::IsSupersetOf({"案件编号", "被害人姓名", "被害人损害情况"}));
  EXPECT_THAT(headers("court", "civil_case"),
              ::testing::IsSupersetOf({"案号", "案由", "损害后果", "伤残等级", "事发日期"}));
}

// The court's civil cases of their own come in the civil case system's export, with the claim,
// the injury and its appraisal; the civil part of a criminal case in the judgment export.
TEST(AgencyFilesTest, CivilCasesOfTheirOwnHaveTheirOwnFile) {
  Record record;
  EXPECT_EQ(ExportFileOf(record), "");
  auto* judgment = record.mutable_civil_judgment();
  EXPECT_EQ(ExportFileOf(record), "civil_judgment");
  judgment->set_claim(records::v1::CivilJudgment::CLAIM_CRIMINAL_INCIDENTAL);
  EXPECT_EQ(ExportFileOf(record), "civil_judgment");
  judgment->set_claim(records::v1::CivilJudgment::CLAIM_TRAFFIC_ACCIDENT);
  EXPECT_EQ(ExportFileOf(record), "civil_case");
  judgment->set_claim(records::v1::CivilJudgment::CLAIM_OTHER_TORT);
  EXPECT_EQ(ExportFileOf(record), "civil_case");
  record.mutable_enforcement();
  EXPECT_EQ(ExportFileOf(record), "enforcement");
  const AgencyMapping civil_case = *DefaultMapping("court", "civil_case");
  EXPECT_EQ(civil_case.kind(), "civil_judgment");
  EXPECT_EQ(MappingFileName("court", "civil_case"), "court-civil_case.yaml");
}

// The shipped files under config/mappings/ are the defaults. Run with
// LIFELINE_REGENERATE_MAPPINGS=1 to rewrite them after changing a default.
TEST(AgencyFilesTest, ShippedMappingFilesEqualTheDefaults) {
  const std::string dir = common::testing::SourceDir() + "/config/mappings";
  const bool regenerate = std::getenv("LIFELINE_REGENERATE_MAPPINGS") != nullptr;
  for (const AgencyKindPair& pair : MappedAgencyKinds()) {
    const std::string path = dir + "/" + MappingFileName(pair.agency, pair.file);
    SCOPED_TRACE(path);
    const AgencyMapping expected = *DefaultMapping(pair.agency, pair.file);
    if (regenerate) {
      ASSERT_TRUE(WriteMappingYaml(expected, path).ok());
    }
    AgencyMapping loaded;
    const absl::Status status = common::LoadYamlProto(path, &loaded);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_TRUE(MessageDifferencer::Equals(loaded, expected));
  }
}

TEST(AgencyFilesTest, MappingYamlReadsBack) {
  common::testing::TempDir dir;
  for (const AgencyKindPair& pair : MappedAgencyKinds()) {
    const AgencyMapping mapping = *DefaultMapping(pair.agency, pair.file);
    const std::string path = dir.path() + "/" + MappingFileName(pair.agency, pair.file);
    ASSERT_TRUE(WriteMappingYaml(mapping, path).ok());
    const std::string text = ReadBytes(path);
    EXPECT_TRUE(text.starts_with("# Column mapping of "));
    EXPECT_EQ(text, MappingYaml(mapping));
    AgencyMapping loaded;
    ASSERT_TRUE(common::LoadYamlProto(path, &loaded).ok());
    EXPECT_TRUE(MessageDifferencer::Equals(loaded, mapping)) << loaded.DebugString();
  }
  // Wordings and values that YAML would otherwise read as something else survive quoting.
  AgencyMapping tricky = *DefaultMapping("medical_security", "medical_expense");
  auto* column = tricky.add_columns();
  column->set_header("备注: #1, \"特殊\"");
  column->set_field("person.address");
  (*column->mutable_values())["- yes"] = "null";
  (*column->mutable_values())["~"] = "";
  AgencyMapping loaded;
  const absl::Status status = common::ParseYamlToProto(MappingYaml(tricky), "tricky", &loaded);
  ASSERT_TRUE(status.ok()) << status << "\n" << MappingYaml(tricky);
  EXPECT_TRUE(MessageDifferencer::Equals(loaded, tricky)) << MappingYaml(tricky);
  EXPECT_EQ(WriteMappingYaml(tricky, dir.path() + "/no/such/dir/x.yaml").code(),
            absl::StatusCode::kUnavailable);
}

// Text that CSV, GB18030 and JSON must carry unchanged: traditional characters, a character
// outside the BMP (U+20BB7), commas, quotes, CR/LF inside a field, spaces at the ends, full-width
// forms and a zero-width space as real exports have them.
const std::vector<std::string> kTexts = {
    "张伟",           "劉德華",
    "𠮷田 淑芬",      "安徽省宿州市埇桥区幸福路\"3\"号, 2栋\r\n201室",
    " 李\u200b娜 ",   "３４１５２３１９９００１０１１２３Ｘ",
    "a,b\nc\"\"",     "王·阿依古丽",
    "检〔2023〕12号",
};

// Fills every field `mapping` covers with a value chosen by `seed`, so that a run over seeds
// covers every enum value, both booleans, zero, negative and large numbers, and every text.
// Without `values` only the messages on the mapped paths are created, as a row of empty cells
// reads back.
Record FillRecord(const AgencyMapping& mapping, int seed, bool values = true) {
  Record record;
  record.GetReflection()->MutableMessage(&record,
                                         Record::descriptor()->FindFieldByName(mapping.kind()));
  int column_number = 0;
  for (const auto& column : mapping.columns()) {
    ++column_number;
    Message* message = &record;
    const FieldDescriptor* field = nullptr;
    std::vector<std::string> parts = absl::StrSplit(column.field(), '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      field = message->GetDescriptor()->FindFieldByName(parts[i]);
      if (i + 1 < parts.size()) message = message->GetReflection()->MutableMessage(message, field);
    }
    if (!values) continue;
    const auto* reflection = message->GetReflection();
    const int pick = seed + column_number;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (pick % 11 != 0) {
          reflection->SetString(message, field, kTexts[pick % kTexts.size()]);
        }
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        reflection->SetInt32(message, field, field->name() == "year" ? 2000 + pick : pick % 6);
        break;
      case FieldDescriptor::CPPTYPE_INT64: {
        const int64_t amounts[] = {0, 1, 99, 100, 123456789, 31104000, -250, 9'000'000'000'000};
        reflection->SetInt64(message, field, amounts[pick % 8]);
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        reflection->SetBool(message, field, pick % 2 == 0);
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* type = field->enum_type();
        reflection->SetEnum(message, field, type->value(pick % type->value_count()));
        break;
      }
      default:
        ADD_FAILURE() << "unexpected field type in " << column.field();
    }
  }
  return record;
}

std::vector<Record> ReadCsvFile(const std::string& path, const AgencyMapping& mapping) {
  const std::string bytes = ReadBytes(path);
  const std::string_view encoding = common::DetectEncoding(bytes);
  EXPECT_EQ(encoding, mapping.encoding());
  std::string utf8 = bytes;
  if (encoding == "gb18030") {
    absl::StatusOr<std::string> converted = common::Gb18030ToUtf8(bytes);
    EXPECT_TRUE(converted.ok()) << converted.status();
    utf8 = *converted;
  } else {
    EXPECT_TRUE(bytes.starts_with("\xEF\xBB\xBF"));
  }
  absl::StatusOr<mapping::RecordMapper> mapper = mapping::RecordMapper::Create(mapping);
  EXPECT_TRUE(mapper.ok());
  common::CsvReader reader(utf8);
  std::vector<std::string> row;
  EXPECT_TRUE(*reader.ReadRow(&row));
  absl::StatusOr<mapping::RecordMapper::ColumnIndex> index = mapper->IndexHeaders(row);
  EXPECT_TRUE(index.ok()) << index.status();
  std::vector<Record> records;
  while (true) {
    absl::StatusOr<bool> more = reader.ReadRow(&row);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    absl::StatusOr<Record> record = mapper->MapRow(*index, row);
    EXPECT_TRUE(record.ok()) << record.status() << " at line " << reader.row_line();
    if (record.ok()) records.push_back(*std::move(record));
  }
  return records;
}

TEST(AgencyFilesTest, CsvRoundTripsEveryKindAndEncoding) {
  common::testing::TempDir dir;
  for (const AgencyKindPair& pair : MappedAgencyKinds()) {
    SCOPED_TRACE(absl::StrCat(std::string(pair.agency), "/", std::string(pair.kind)));
    const AgencyMapping mapping = *DefaultMapping(pair.agency, pair.file);
    std::vector<Record> records;
    for (int seed = 0; seed < 60; ++seed) records.push_back(FillRecord(mapping, seed));
    // Every value at its default: cells empty or the default's wording (否, 无).
    records.push_back(FillRecord(mapping, 0, /*values=*/false));

    const std::string path = dir.path() + "/" + std::string(pair.file) + ".csv";
    absl::StatusOr<std::unique_ptr<AgencyCsvWriter>> writer = AgencyCsvWriter::Open(path, mapping);
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (const Record& record : records) ASSERT_TRUE((*writer)->Write(record).ok());
    EXPECT_EQ((*writer)->rows(), static_cast<int64_t>(records.size()));
    ASSERT_TRUE((*writer)->Close().ok());

    const std::vector<Record> back = ReadCsvFile(path, mapping);
    ASSERT_EQ(back.size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(back[i], records[i]))
          << "record " << i << "\nwrote: " << records[i].DebugString()
          << "\nread:  " << back[i].DebugString();
    }
  }
}

TEST(AgencyFilesTest, Gb18030FileHoldsGb18030Bytes) {
  common::testing::TempDir dir;
  const AgencyMapping mapping = *DefaultMapping("civil_affairs", "social_assistance");
  const std::string path = dir.path() + "/sa.csv";
  Record record;
  record.set_source_record_id("MZ-1");
  record.mutable_person()->set_name("𠮷张伟");
  record.mutable_social_assistance()->set_programme(
      records::v1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING);
  {
    auto writer = AgencyCsvWriter::Open(path, mapping);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(record).ok());
    // Destruction without Close still flushes.
  }
  const std::string bytes = ReadBytes(path);
  // 记录编号 in GB18030, and no byte-order mark.
  EXPECT_TRUE(bytes.starts_with(*common::Utf8ToGb18030("记录编号,版本,")));
  EXPECT_THAT(bytes, HasSubstr("MZ-1,,,,\x95\x34\xB2\x35\xD5\xC5\xCE\xB0,"));
  EXPECT_THAT(bytes, HasSubstr(*common::Utf8ToGb18030(",否,农村低保,,,\r\n")));
  EXPECT_EQ(*common::Utf8ToGb18030(*common::Gb18030ToUtf8(bytes)), bytes);
}

TEST(AgencyFilesTest, CsvWriterRejectsWhatItCannotWrite) {
  common::testing::TempDir dir;
  const AgencyMapping gb = *DefaultMapping("rural_revitalization", "poverty_monitoring");
  const std::string path = dir.path() + "/pm.csv";
  auto writer = AgencyCsvWriter::Open(path, gb);
  ASSERT_TRUE(writer.ok());

  Record other;
  other.mutable_veteran_status();
  EXPECT_EQ((*writer)->Write(other).code(), absl::StatusCode::kInvalidArgument);

  Record bad_text;
  bad_text.mutable_poverty_monitoring();
  bad_text.mutable_person()->set_name("\xFF\xFE");
  const absl::Status status = (*writer)->Write(bad_text);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("not valid UTF-8"));

  Record good;
  good.set_source_record_id("RR-1");
  good.mutable_poverty_monitoring();
  ASSERT_TRUE((*writer)->Write(good).ok());
  EXPECT_EQ((*writer)->rows(), 1);
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_EQ((*writer)->Write(good).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Close().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadCsvFile(path, gb).size(), 1u);

  // The same for a UTF-8 file: the bad row is not written.
  const AgencyMapping utf8 = *DefaultMapping("womens_federation", "women_children_difficulty");
  auto utf8_writer = AgencyCsvWriter::Open(dir.path() + "/wf.csv", utf8);
  ASSERT_TRUE(utf8_writer.ok());
  bad_text.clear_payload();
  bad_text.mutable_women_children_difficulty();
  EXPECT_EQ((*utf8_writer)->Write(bad_text).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE((*utf8_writer)->Close().ok());
  EXPECT_TRUE(ReadCsvFile(dir.path() + "/wf.csv", utf8).empty());

  EXPECT_EQ(AgencyCsvWriter::Open(dir.path() + "/no/such/dir.csv", utf8).status().code(),
            absl::StatusCode::kUnavailable);
  AgencyMapping broken = utf8;
  broken.mutable_columns(0)->set_field("person.nmae");
  EXPECT_EQ(AgencyCsvWriter::Open(dir.path() + "/broken.csv", broken).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AgencyFilesTest, JsonlParsesBackLineByLine) {
  common::testing::TempDir dir;
  std::vector<Record> records;
  for (const AgencyKindPair& pair : MappedAgencyKinds()) {
    const AgencyMapping mapping = *DefaultMapping(pair.agency, pair.file);
    for (int seed = 0; seed < 5; ++seed) records.push_back(FillRecord(mapping, seed));
  }
  const std::string path = dir.path() + "/records.jsonl";
  auto writer = JsonlWriter::Open(path);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (const Record& record : records) ASSERT_TRUE((*writer)->Write(record).ok());
  EXPECT_EQ((*writer)->lines(), static_cast<int64_t>(records.size()));
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_EQ((*writer)->Write(records[0]).code(), absl::StatusCode::kFailedPrecondition);

  std::ifstream in(path, std::ios::binary);
  std::string line;
  size_t i = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(i, records.size());
    if (i == 0) {
      EXPECT_THAT(line, HasSubstr("\"source_record_id\""));
    }
    Record parsed;
    const auto status = google::protobuf::util::JsonStringToMessage(line, &parsed);
    ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << line;
    EXPECT_TRUE(MessageDifferencer::Equals(parsed, records[i])) << line;
    ++i;
  }
  EXPECT_EQ(i, records.size());
  EXPECT_EQ(JsonlWriter::Open(dir.path() + "/no/such/dir.jsonl").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lifeline::datagen
