#include "tools/datagen/file_output.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/config/yaml_proto.h"
#include "common/csv/csv_reader.h"
#include "common/csv/encoding.h"
#include "common/testing/process.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tools/datagen/generator.h"
#include "tools/mapping/record_mapper.h"

namespace lifeline::datagen {
namespace {

using lifeline::records::v1::Record;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Generates a small county into `dir` as CSV and JSON Lines.
GeneratorSummary GenerateFiles(const std::string& dir) {
  GeneratorOptions options;
  options.persons = 4000;
  options.seed = 21;
  auto out = FileOutput::Open(dir, /*csv=*/true, /*jsonl=*/true);
  EXPECT_TRUE(out.ok()) << out.status();
  auto summary = Generate(options, dir + "/truth", **out, [](const char*, int64_t, int64_t) {});
  EXPECT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE((*out)->Close().ok());
  return *summary;
}

// Every CSV file parses back, through the mapping file written beside it, into exactly the
// records of the agency's JSON Lines file (same order, same content).
TEST(FileOutputTest, CsvParsesBackWithTheMappingFilesToTheJsonLines) {
  common::testing::TempDir dir;
  const GeneratorSummary summary = GenerateFiles(dir.path());
  int64_t total = 0;
  // The JSON Lines file of each agency, split by kind.
  std::map<std::string, std::map<std::string, std::vector<Record>>> jsonl;
  for (const AgencyKindPair& pair : MappedAgencyKinds()) {
    const std::string agency(pair.agency);
    if (jsonl.count(agency) > 0) continue;
    std::ifstream in(dir.path() + "/jsonl/" + agency + ".jsonl");
    ASSERT_TRUE(in) << agency;
    auto& by_kind = jsonl[agency];
    std::string line;
    while (std::getline(in, line)) {
      Record r;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &r).ok()) << line;
      by_kind[std::string(ExportFileOf(r))].push_back(r);
    }
  }
  for (const AgencyKindPair& pair : MappedAgencyKinds()) {
    const std::string agency(pair.agency);
    const std::string kind(pair.file);
    const std::string name = agency + "/" + kind;
    ingest::v1::AgencyMapping mapping;
    ASSERT_TRUE(
        common::LoadYamlProto(dir.path() + "/mappings/" + MappingFileName(agency, kind), &mapping)
            .ok())
        << name;
    auto mapper = mapping::RecordMapper::Create(mapping);
    ASSERT_TRUE(mapper.ok()) << mapper.status();
    std::string bytes = ReadAll(dir.path() + "/agencies/" + name + ".csv");
    ASSERT_FALSE(bytes.empty()) << name;
    const std::string_view detected = common::DetectEncoding(bytes);
    EXPECT_EQ(detected, mapping.encoding()) << name;
    if (detected == "gb18030") {
      auto utf8 = common::Gb18030ToUtf8(bytes);
      ASSERT_TRUE(utf8.ok()) << utf8.status();
      bytes = *utf8;
    }
    common::CsvReader reader(bytes);
    std::vector<std::string> row;
    ASSERT_TRUE(*reader.ReadRow(&row)) << name;
    auto index = mapper->IndexHeaders(row);
    ASSERT_TRUE(index.ok()) << index.status();
    const std::vector<Record>& expected = jsonl[agency][kind];
    size_t i = 0;
    for (;;) {
      auto more = reader.ReadRow(&row);
      ASSERT_TRUE(more.ok()) << more.status();
      if (!*more) break;
      auto record = mapper->MapRow(*index, row);
      ASSERT_TRUE(record.ok()) << name << " row " << i << ": " << record.status();
      ASSERT_LT(i, expected.size()) << name;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*record, expected[i]))
          << name << " row " << i << "\ncsv:   " << record->ShortDebugString()
          << "\njsonl: " << expected[i].ShortDebugString();
      ++i;
    }
    EXPECT_EQ(i, expected.size()) << name;
    total += static_cast<int64_t>(i);
  }
  EXPECT_EQ(total, summary.records_sent);
}

TEST(FileOutputTest, SomeAgenciesExportGb18030) {
  common::testing::TempDir dir;
  GenerateFiles(dir.path());
  const std::string civil = ReadAll(dir.path() + "/agencies/civil_affairs/social_assistance.csv");
  EXPECT_FALSE(common::IsValidUtf8(civil));
  auto utf8 = common::Gb18030ToUtf8(civil);
  ASSERT_TRUE(utf8.ok());
  EXPECT_NE(utf8->find("姓名"), std::string::npos);
  const std::string court = ReadAll(dir.path() + "/agencies/court/enforcement.csv");
  EXPECT_TRUE(common::IsValidUtf8(court));
}

TEST(FileOutputTest, UnwritableDirectoryIsAnError) {
  auto out = FileOutput::Open("/proc/lifeline-no-such-dir", true, false);
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace lifeline::datagen
