#include "tools/lifeline/record_files.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "common/csv/encoding.h"
#include "common/identity/id_number.h"
#include "common/testing/process.h"
#include "tools/datagen/file_output.h"
#include "tools/datagen/generator.h"
#include "tools/progress/progress_bar.h"

namespace lifeline::tools {
namespace {

using records::v1::NormalizedRecord;
using records::v1::Record;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kSecret[] = "test-secret-for-offline-tokens-0123";

// A synthetic, valid 18-character ID number from its first 17 digits.
std::string ValidId(const std::string& first17) {
  return first17 + common::IdCheckCharacter(first17);
}

// A valid social-assistance record of civil affairs: id `id`, version `version`, name `name`.
Record Assistance(const std::string& id, int64_t version, const std::string& name) {
  Record r;
  r.set_source_record_id(id);
  r.set_version(version);
  r.set_record_date("2024-05-01");
  r.mutable_person()->set_name(name);
  r.mutable_person()->set_id_type(records::v1::ID_TYPE_RESIDENT_ID);
  r.mutable_person()->set_id_number(ValidId("11010119900307123"));
  r.mutable_social_assistance()->set_programme(
      records::v1::SocialAssistance::PROGRAMME_URBAN_MINIMUM_LIVING);
  r.mutable_social_assistance()->set_start_date("2024-01-01");
  return r;
}

Record Retraction(const std::string& id, int64_t version) {
  Record r;
  r.set_source_record_id(id);
  r.set_version(version);
  r.set_record_date("2024-06-01");
  r.set_retracted(true);
  return r;
}

std::string Json(const Record& record) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(record, &json).ok());
  return json;
}

constexpr char kMapping[] = R"(agency: civil_affairs
kind: social_assistance
encoding: gb18030
columns:
  - {header: 记录编号, field: source_record_id}
  - {header: 版本, field: version}
  - {header: 变更日期, field: record_date}
  - {header: 姓名, field: person.name}
  - {header: 身份证号, field: person.id_number}
  - header: 保障类别
    field: social_assistance.programme
    values: {城市低保: PROGRAMME_URBAN_MINIMUM_LIVING, 农村低保: PROGRAMME_RURAL_MINIMUM_LIVING}
  - {header: 开始日期, field: social_assistance.start_date}
  - {header: 月保障金额（元）, field: social_assistance.monthly_amount_fen, unit: AMOUNT_UNIT_YUAN}
)";

class RecordFilesTest : public ::testing::Test {
 protected:
  RecordFilesTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2025, 6, 1, 12, 0, 0), absl::UTCTimeZone())),
        tokenizer_(*common::IdTokenizer::Create(kSecret)) {
    options_.clock = &clock_;
  }

  // Writes `content` to `name` under the temporary directory (creating directories).
  std::string Write(const std::string& name, const std::string& content) {
    const std::filesystem::path path = std::filesystem::path(dir_.path()) / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  std::string WriteJsonl(const std::string& name, const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) absl::StrAppend(&text, line, "\n");
    return Write(name, text);
  }

  absl::StatusOr<OfflineRecords> Read(const std::vector<std::string>& inputs) {
    absl::StatusOr<std::vector<RecordSource>> sources = ExpandSources(inputs);
    if (!sources.ok()) return sources.status();
    return ReadRecords(*sources, tokenizer_, options_);
  }

  std::string Token(const std::string& id) const { return tokenizer_.Token(id); }

  // Generates a small lifeline-datagen county into <dir>/<name> (CSV and/or JSON Lines).
  std::string Generate(const std::string& name, bool csv, bool jsonl) {
    const std::string out = dir_.path() + "/" + name;
    datagen::GeneratorOptions generator;
    generator.persons = 3000;
    generator.seed = 7;
    auto files = datagen::FileOutput::Open(out, csv, jsonl);
    EXPECT_TRUE(files.ok()) << files.status();
    auto summary =
        datagen::Generate(generator, out + "/truth", **files, [](const char*, int64_t, int64_t) {});
    EXPECT_TRUE(summary.ok()) << summary.status();
    EXPECT_TRUE((*files)->Close().ok());
    lines_sent_ = summary->records_sent;
    return out;
  }

  common::testing::TempDir dir_;
  common::FakeClock clock_;
  common::IdTokenizer tokenizer_;
  ReadRecordsOptions options_;
  int64_t lines_sent_ = 0;
};

// Each row is exactly one of accepted, rejected, unchanged or retracted, and the records are the
// accepted ones not superseded.
void ExpectBalanced(const OfflineRecords& r) {
  EXPECT_EQ(r.rows, r.accepted + r.rejected + r.unchanged + r.retracted);
  EXPECT_EQ(static_cast<int64_t>(r.records.size()), r.accepted - r.superseded);
}

std::vector<std::string> Ids(const OfflineRecords& r) {
  std::vector<std::string> ids;
  for (const NormalizedRecord& record : r.records) {
    ids.push_back(absl::StrCat(record.agency(), ":", record.source_record_id()));
  }
  return ids;
}

TEST_F(RecordFilesTest, ExpandsADatagenDirectoryToItsJsonLinesWhenBothFormatsExist) {
  const std::string out = Generate("both", /*csv=*/true, /*jsonl=*/true);
  absl::StatusOr<std::vector<RecordSource>> sources = ExpandSources({out});
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_FALSE(sources->empty());
  std::set<std::string> agencies;
  for (const RecordSource& source : *sources) {
    EXPECT_EQ(source.file, out + "/jsonl/" + source.agency + ".jsonl");
    EXPECT_EQ(source.mapping_file, "");
    EXPECT_TRUE(agencies.insert(source.agency).second) << source.agency;
  }
  EXPECT_TRUE(std::is_sorted(agencies.begin(), agencies.end()));
  EXPECT_EQ(agencies.count("civil_affairs"), 1u);
}

TEST_F(RecordFilesTest, ExpandsCsvExportsWithTheirMappings) {
  const std::string out = Generate("csv", /*csv=*/true, /*jsonl=*/false);
  absl::StatusOr<std::vector<RecordSource>> sources = ExpandSources({out});
  ASSERT_TRUE(sources.ok()) << sources.status();
  std::map<std::string, RecordSource> by_file;
  for (const RecordSource& source : *sources) by_file[source.file] = source;
  const RecordSource& court = by_file.at(out + "/agencies/court/enforcement.csv");
  EXPECT_EQ(court.agency, "court");
  EXPECT_EQ(court.mapping_file, out + "/mappings/court-enforcement.yaml");
  EXPECT_EQ(by_file.count(out + "/agencies/court/civil_judgment.csv"), 1u);
  // Sorted by agency, then kind.
  EXPECT_TRUE(std::is_sorted(sources->begin(), sources->end(),
                             [](const RecordSource& a, const RecordSource& b) {
                               return a.agency != b.agency ? a.agency < b.agency : a.file < b.file;
                             }));

  // A CSV file in the layout finds its agency and mapping on its own.
  absl::StatusOr<std::vector<RecordSource>> one =
      ExpandSources({out + "/agencies/court/enforcement.csv"});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->at(0).mapping_file, court.mapping_file);
}

TEST_F(RecordFilesTest, ADirectoryMixesJsonLinesAndCsvPerAgency) {
  const std::string jsonl = WriteJsonl("mixed/jsonl/court.jsonl", {});
  const std::string csv = Write("mixed/agencies/civil_affairs/social_assistance.csv", "");
  const std::string mapping = Write("mixed/mappings/civil_affairs-social_assistance.yaml", "");
  Write("mixed/agencies/court/enforcement.csv", "");  // court has JSON Lines: not read
  absl::StatusOr<std::vector<RecordSource>> sources = ExpandSources({dir_.path() + "/mixed"});
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_EQ(sources->at(0).agency, "civil_affairs");
  EXPECT_EQ(sources->at(0).file, csv);
  EXPECT_EQ(sources->at(0).mapping_file, mapping);
  EXPECT_EQ(sources->at(1).agency, "court");
  EXPECT_EQ(sources->at(1).file, jsonl);
}

TEST_F(RecordFilesTest, NamesAgenciesAndMappingsOfSingleFiles) {
  const std::string court = WriteJsonl("court.jsonl", {});
  const std::string export_file = WriteJsonl("export-2024.jsonl", {});
  const std::string csv = Write("list.csv", "");
  const std::string mapping = Write("m.yaml", kMapping);
  absl::StatusOr<std::vector<RecordSource>> sources = ExpandSources(
      {court, "procuratorate=" + export_file, "civil_affairs:" + mapping + "=" + csv});
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 3u);
  EXPECT_EQ(sources->at(0).agency, "court");
  EXPECT_EQ(sources->at(1).agency, "procuratorate");
  EXPECT_EQ(sources->at(1).file, export_file);
  EXPECT_EQ(sources->at(2).agency, "civil_affairs");
  EXPECT_EQ(sources->at(2).file, csv);
  EXPECT_EQ(sources->at(2).mapping_file, mapping);
}

TEST_F(RecordFilesTest, RejectsUnknownAgencies) {
  absl::StatusOr<std::vector<RecordSource>> stem =
      ExpandSources({WriteJsonl("export-2024.jsonl", {})});
  EXPECT_EQ(stem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(stem.status().message(), HasSubstr("'export-2024'"));
  EXPECT_THAT(stem.status().message(), HasSubstr("AGENCY=FILE"));

  absl::StatusOr<std::vector<RecordSource>> named =
      ExpandSources({"police=" + WriteJsonl("x.jsonl", {})});
  EXPECT_EQ(named.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(named.status().message(), HasSubstr("'police'"));

  WriteJsonl("bad/jsonl/police.jsonl", {});
  EXPECT_EQ(ExpandSources({dir_.path() + "/bad"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RecordFilesTest, ReportsMissingMappingsAndFiles) {
  // In the layout, but its mapping is missing.
  const std::string csv = Write("out/agencies/court/enforcement.csv", "");
  absl::StatusOr<std::vector<RecordSource>> missing = ExpandSources({csv});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("court-enforcement.yaml"));
  EXPECT_EQ(ExpandSources({dir_.path() + "/out"}).status().code(), absl::StatusCode::kNotFound);

  // Outside the layout: nothing to tell the mapping from.
  absl::StatusOr<std::vector<RecordSource>> loose = ExpandSources({Write("list.csv", "")});
  EXPECT_EQ(loose.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loose.status().message(), HasSubstr("AGENCY:MAPPING=FILE"));

  EXPECT_EQ(ExpandSources({"civil_affairs:" + dir_.path() + "/none.yaml=" + Write("b.csv", "")})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ExpandSources({dir_.path() + "/absent.jsonl"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ExpandSources({"court=" + dir_.path() + "/absent.jsonl"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RecordFilesTest, RejectsOtherBadInputs) {
  EXPECT_EQ(ExpandSources({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExpandSources({Write("notes.txt", "")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string court = WriteJsonl("court.jsonl", {});
  EXPECT_EQ(ExpandSources({court, court}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExpandSources({"court:" + Write("m.yaml", kMapping) + "=" + court}).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::filesystem::create_directories(dir_.path() + "/empty");
  EXPECT_EQ(ExpandSources({dir_.path() + "/empty"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RecordFilesTest, ABadRecordIsCountedAndItsNeighboursKept) {
  Record nameless = Assistance("sa-2", 1, "");
  const std::string file = WriteJsonl(
      "civil_affairs.jsonl", {Json(Assistance("sa-1", 1, "测试甲")), Json(nameless),
                              "{\"source_record_id\": \"sa-9\", \"person\": ", "",
                              "{\"no_such_field\": 1}", Json(Assistance("sa-3", 1, "测试丙"))});
  absl::StatusOr<OfflineRecords> read = Read({file});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->rows, 5);  // the empty line is not a row
  EXPECT_EQ(read->accepted, 2);
  EXPECT_EQ(read->rejected, 3);
  ExpectBalanced(*read);
  EXPECT_THAT(Ids(*read), ElementsAre("civil_affairs:sa-1", "civil_affairs:sa-3"));
  EXPECT_THAT(read->reasons, ElementsAre(Pair("civil_affairs ERROR person.name NAME_MISSING", 1),
                                         Pair("civil_affairs ERROR row NOT_A_RECORD", 2)));
  // The records are what ingest forwards: normalized person, no raw ID number.
  const NormalizedRecord& first = read->records[0];
  EXPECT_EQ(first.person().name_original(), "测试甲");
  EXPECT_EQ(first.person().id_token(), Token(ValidId("11010119900307123")));
  EXPECT_FALSE(first.record().has_person());
  EXPECT_TRUE(first.record().has_social_assistance());
  EXPECT_EQ(first.batch_id(), "");
}

TEST_F(RecordFilesTest, AWarningKeepsTheRecord) {
  Record no_id = Assistance("sa-1", 1, "测试乙");
  no_id.mutable_person()->clear_id_number();
  no_id.mutable_person()->clear_id_type();
  absl::StatusOr<OfflineRecords> read = Read({WriteJsonl("civil_affairs.jsonl", {Json(no_id)})});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->accepted, 1);
  EXPECT_EQ(read->warnings, 1);
  EXPECT_EQ(read->rejected, 0);
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].person().id_token(), "");
  EXPECT_THAT(read->reasons,
              ElementsAre(Pair("civil_affairs WARNING person.id_number ID_MISSING", 1)));
}

TEST_F(RecordFilesTest, AppliesIngestsVersionRule) {
  const std::string first = WriteJsonl(
      "a/civil_affairs.jsonl",
      {
          Json(Assistance("upd", 1, "旧名")), Json(Assistance("upd", 2, "新名")),  // update
          Json(Assistance("upd", 1, "旧名")),      // older than held: unchanged
          Json(Assistance("dup", 1, "测试甲")),    // duplicate: unchanged
          Json(Assistance("dup", 1, "测试甲")),    //
          Json(Assistance("dup", 1, "别名")),      // same version, new content: conflict
          Json(Assistance("gone", 1, "测试丙")),   // retracted in the second file
          Json(Retraction("never", 2)),            // retraction of an unknown record
          Json(Assistance("never", 1, "测试丁")),  // then an older version
      });
  const std::string second =
      WriteJsonl("b/civil_affairs.jsonl",
                 {Json(Retraction("gone", 2)), Json(Assistance("gone", 1, "测试丙"))});
  absl::StatusOr<OfflineRecords> read = Read({first, second});
  ASSERT_TRUE(read.ok()) << read.status();
  // In the order the records first came.
  EXPECT_THAT(Ids(*read), ElementsAre("civil_affairs:upd", "civil_affairs:dup"));
  EXPECT_EQ(read->records[0].version(), 2);
  EXPECT_EQ(read->records[0].person().name_original(), "新名");
  EXPECT_EQ(read->records[1].person().name_original(), "测试甲");
  EXPECT_EQ(read->rows, 11);
  EXPECT_EQ(read->accepted, 4);    // upd v1, upd v2, dup, gone
  EXPECT_EQ(read->superseded, 2);  // upd v1, gone
  EXPECT_EQ(read->unchanged, 4);   // upd v1 again, dup again, never v1, gone v1 again
  EXPECT_EQ(read->rejected, 1);
  EXPECT_EQ(read->retracted, 2);
  ExpectBalanced(*read);
  EXPECT_EQ(read->reasons["civil_affairs ERROR version VERSION_CONFLICT"], 1);
  EXPECT_EQ(read->reasons["civil_affairs WARNING source_record_id RETRACTION_UNKNOWN"], 1);
}

TEST_F(RecordFilesTest, ReadsGb18030CsvThroughItsMapping) {
  const std::string mapping = Write("m.yaml", kMapping);
  const std::string header =
      "记录编号,版本,变更日期,姓名,身份证号,保障类别,开始日期,月保障金额（元）\r\n";
  const std::string id = ValidId("11010119900307123");
  std::string text = header;
  absl::StrAppend(&text, "sa-1,1,2024-05-01,张三,", id, ",城市低保,2024-01-01,300.50\r\n");
  absl::StrAppend(&text, "sa-2,1,2024-05-01,李四,", id, ",城市低保,2024-01-01,三百元\r\n");
  absl::StrAppend(&text, "sa-3,1,2024-05-01,王五,", id, ",农村低保,2024-01-01,12\r\n");
  absl::StatusOr<std::string> gb = common::Utf8ToGb18030(text);
  ASSERT_TRUE(gb.ok());
  // A row whose name is not GB18030 (a lone lead byte).
  *gb += "sa-4,1,2024-05-01,\x81,";
  absl::StrAppend(&*gb, id, ",\xB3\xC7\xCA\xD0\xB5\xCD\xB1\xA3,2024-01-01,1\r\n");
  const std::string csv = Write("低保.csv", *gb);
  absl::StatusOr<OfflineRecords> read = Read({"civil_affairs:" + mapping + "=" + csv});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->rows, 4);
  EXPECT_EQ(read->accepted, 2);
  EXPECT_EQ(read->rejected, 2);
  ASSERT_EQ(read->records.size(), 2u);
  EXPECT_EQ(read->records[0].person().name_original(), "张三");
  EXPECT_EQ(read->records[0].record().social_assistance().monthly_amount_fen(), 30050);
  EXPECT_EQ(read->records[1].person().name_original(), "王五");
  EXPECT_EQ(read->records[1].record().social_assistance().programme(),
            records::v1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING);
  EXPECT_THAT(
      read->reasons,
      ElementsAre(
          Pair("civil_affairs ERROR social_assistance.monthly_amount_fen (月保障金额（元）) "
               "BAD_VALUE",
               1),
          Pair("civil_affairs ERROR 姓名 ENCODING", 1)));
}

TEST_F(RecordFilesTest, FailsOnBrokenFilesNamingThem) {
  const std::string mapping = Write("m.yaml", kMapping);
  const std::string csv = Write("broken.csv", "记录编号,姓名\r\nsa-1,\"unterminated\r\n");
  absl::StatusOr<OfflineRecords> header = Read({"civil_affairs:" + mapping + "=" + csv});
  EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);  // columns missing

  const std::string full =
      Write("broken2.csv",
            "记录编号,版本,变更日期,姓名,身份证号,保障类别,开始日期,月保障金额（元）\r\n"
            "sa-1,1,2024-05-01,\"x,1,城市低保,2024-01-01,1\r\n");
  absl::StatusOr<OfflineRecords> syntax = Read({"civil_affairs:" + mapping + "=" + full});
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(syntax.status().message(), HasSubstr("broken2.csv"));

  // A mapping for another agency.
  absl::StatusOr<OfflineRecords> other = Read({"court:" + mapping + "=" + full});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
}

// The CSV exports and the JSON Lines of the same generated county give the same records, with
// any number of threads: one reading, mapping and validation path.
TEST_F(RecordFilesTest, CsvAndJsonLinesOfADatagenCountyGiveTheSameRecords) {
  const std::string csv_dir = Generate("csv", /*csv=*/true, /*jsonl=*/false);
  const std::string jsonl_dir = Generate("jsonl", /*csv=*/false, /*jsonl=*/true);
  options_.threads = 0;
  absl::StatusOr<OfflineRecords> from_csv = Read({csv_dir});
  ASSERT_TRUE(from_csv.ok()) << from_csv.status();
  options_.threads = 2;
  std::ostringstream progress;
  options_.progress = &progress;
  absl::StatusOr<OfflineRecords> from_jsonl = Read({jsonl_dir});
  options_.progress = nullptr;
  EXPECT_THAT(progress.str(), HasSubstr(ProgressBar::Thousands(from_jsonl->rows) + " rows"));
  ASSERT_TRUE(from_jsonl.ok()) << from_jsonl.status();

  EXPECT_EQ(from_jsonl->rows, lines_sent_);
  EXPECT_GT(from_jsonl->unchanged, 0);  // duplicates and older versions
  EXPECT_GT(from_jsonl->warnings, 0);
  ExpectBalanced(*from_jsonl);
  EXPECT_EQ(from_csv->rows, from_jsonl->rows);
  EXPECT_EQ(from_csv->accepted, from_jsonl->accepted);
  EXPECT_EQ(from_csv->unchanged, from_jsonl->unchanged);
  EXPECT_EQ(from_csv->rejected, from_jsonl->rejected);
  EXPECT_EQ(from_csv->reasons, from_jsonl->reasons);
  // The CSV files split an agency's records by kind: the same records, in another order.
  std::map<std::string, std::string> csv_records;
  for (const NormalizedRecord& record : from_csv->records) {
    csv_records[absl::StrCat(record.agency(), ":", record.source_record_id())] =
        record.SerializeAsString();
  }
  EXPECT_EQ(csv_records.size(), from_csv->records.size());
  ASSERT_EQ(csv_records.size(), from_jsonl->records.size());
  EXPECT_GT(csv_records.size(), 500u);
  for (const NormalizedRecord& record : from_jsonl->records) {
    const std::string id = absl::StrCat(record.agency(), ":", record.source_record_id());
    ASSERT_EQ(csv_records[id], record.SerializeAsString()) << id;
  }

  // Threads change nothing, order included.
  options_.threads = 0;
  absl::StatusOr<OfflineRecords> one_thread = Read({jsonl_dir});
  ASSERT_TRUE(one_thread.ok()) << one_thread.status();
  EXPECT_EQ(Ids(*one_thread), Ids(*from_jsonl));
  EXPECT_EQ(one_thread->reasons, from_jsonl->reasons);
}

TEST(OfflineTokenizerTest, KeysFromAFileOrAtRandom) {
  common::testing::TempDir dir;
  const std::string key_file = dir.path() + "/key";
  std::ofstream(key_file) << kSecret << "\n";
  absl::StatusOr<common::IdTokenizer> from_file = OfflineTokenizer(key_file);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->Token("x"), common::IdTokenizer::Create(kSecret)->Token("x"));

  absl::StatusOr<common::IdTokenizer> a = OfflineTokenizer("");
  absl::StatusOr<common::IdTokenizer> b = OfflineTokenizer("");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->Token("x"), b->Token("x"));
  EXPECT_EQ(OfflineTokenizer(dir.path() + "/absent").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lifeline::tools
