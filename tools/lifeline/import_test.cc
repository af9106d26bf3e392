#include "tools/lifeline/import.h"

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "common/csv/csv_reader.h"
#include "common/csv/encoding.h"
#include "common/testing/process.h"
#include "common/time/dates.h"
#include <unistd.h>

namespace lifeline::tools {
namespace {

using ::lifeline::ingest::v1::GetBatchRequest;
using ::lifeline::ingest::v1::ListRejectionsRequest;
using ::lifeline::ingest::v1::ListRejectionsResponse;
using ::lifeline::ingest::v1::RecordIssue;
using ::lifeline::ingest::v1::SubmitBatchRequest;
using ::lifeline::ingest::v1::SubmitBatchResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A stand-in for ingest behind the gateway: rejects records without a name, warns on a missing
// ID number, answers a batch id it has seen with its first answer, holds at most 100 issues in a
// response (the rest through ListRejections), and can fail the first calls with Unavailable.
class FakeIngest : public BatchSender {
 public:
  absl::StatusOr<SubmitBatchResponse> SubmitBatch(const SubmitBatchRequest& request) override {
    submitted_ids.push_back(request.batch_id());
    if (on_submit) on_submit();
    if (fail_next > 0) {
      --fail_next;
      return absl::UnavailableError("gateway answered HTTP 503");
    }
    if (!permanent_error.ok()) return permanent_error;
    auto key = std::make_pair(request.agency(), request.batch_id());
    if (auto it = batches_.find(key); it != batches_.end()) return it->second.response;
    Stored& stored = batches_[key];
    SubmitBatchResponse& response = stored.response;
    ingest::v1::Batch* batch = response.mutable_batch();
    batch->set_agency(request.agency());
    batch->set_batch_id(request.batch_id());
    batch->set_received_time(received_time);
    batch->set_record_count(request.records_size());
    for (int i = 0; i < request.records_size(); ++i) {
      const records::v1::Record& record = request.records(i);
      auto* outcome = response.add_outcomes();
      outcome->set_record_index(i);
      outcome->set_source_record_id(record.source_record_id());
      auto issue = [&](const std::string& field, const std::string& reason,
                       ingest::v1::Severity severity) {
        RecordIssue& added = stored.issues.emplace_back();
        added.set_record_index(i);
        added.set_source_record_id(record.source_record_id());
        added.set_field(field);
        added.set_reason(reason);
        added.set_message(absl::StrCat(field, " is not acceptable"));
        added.set_severity(severity);
      };
      if (record.retracted()) {
        records_[{request.agency(), record.source_record_id()}] = record.SerializeAsString();
        outcome->set_result(ingest::v1::RECORD_RESULT_RETRACTED);
        batch->set_retracted_count(batch->retracted_count() + 1);
        continue;
      }
      if (record.person().name().empty()) {
        issue("person.name", "NAME_MISSING", ingest::v1::SEVERITY_ERROR);
        outcome->set_result(ingest::v1::RECORD_RESULT_REJECTED);
        batch->set_rejected_count(batch->rejected_count() + 1);
        continue;
      }
      const std::string content = record.SerializeAsString();
      std::string& stored_content = records_[{request.agency(), record.source_record_id()}];
      if (stored_content == content) {
        outcome->set_result(ingest::v1::RECORD_RESULT_UNCHANGED);
        batch->set_unchanged_count(batch->unchanged_count() + 1);
        continue;
      }
      stored_content = content;
      ++stored_records;
      batch->set_accepted_count(batch->accepted_count() + 1);
      if (record.person().id_number().empty()) {
        issue("person.id_number", "ID_MISSING", ingest::v1::SEVERITY_WARNING);
        outcome->set_result(ingest::v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS);
        batch->set_warning_count(batch->warning_count() + 1);
      } else {
        outcome->set_result(ingest::v1::RECORD_RESULT_ACCEPTED);
      }
    }
    for (size_t i = 0; i < stored.issues.size() && i < 100; ++i) {
      *response.add_issues() = stored.issues[i];
    }
    ++new_batches;
    stored_order_.push_back(request.batch_id());
    return response;
  }

  absl::StatusOr<ingest::v1::Batch> GetBatch(const GetBatchRequest& request) override {
    get_ids.push_back(request.batch_id());
    if (!get_error.ok()) return get_error;
    auto it = batches_.find(std::make_pair(request.agency(), request.batch_id()));
    if (it == batches_.end()) return absl::NotFoundError("no such batch");
    ingest::v1::Batch batch = it->second.response.batch();
    if (queued) batch.set_match_queued_count(queued(request.batch_id()));
    return batch;
  }

  // The records each stored batch forwarded (accepted and retracted), in the order stored.
  std::vector<std::pair<std::string, int>> Forwarded() const {
    std::vector<std::pair<std::string, int>> forwarded;
    for (const std::string& id : stored_order_) {
      for (const auto& [key, stored] : batches_) {
        if (key.second != id) continue;
        const ingest::v1::Batch& batch = stored.response.batch();
        forwarded.emplace_back(id, batch.accepted_count() + batch.retracted_count());
      }
    }
    return forwarded;
  }

  absl::StatusOr<ListRejectionsResponse> ListRejections(
      const ListRejectionsRequest& request) override {
    ++list_calls;
    auto it = batches_.find(std::make_pair(request.agency(), request.batch_id()));
    if (it == batches_.end()) return absl::NotFoundError("no such batch");
    size_t from = 0;
    if (!request.page_token().empty()) {
      EXPECT_TRUE(absl::SimpleAtoi(request.page_token(), &from));
    }
    const size_t size = static_cast<size_t>(std::min(request.page_size(), 7));  // small pages
    ListRejectionsResponse response;
    const auto& issues = it->second.issues;
    for (size_t i = from; i < issues.size() && i < from + size; ++i) {
      *response.add_issues() = issues[i];
    }
    if (from + size < issues.size()) response.set_next_page_token(absl::StrCat(from + size));
    return response;
  }

  std::vector<std::string> submitted_ids;
  std::function<void()> on_submit;
  std::string received_time = "2999-01-01T00:00:00Z";
  int fail_next = 0;
  absl::Status permanent_error;
  int new_batches = 0;
  int stored_records = 0;
  int list_calls = 0;
  // GetBatch's match_queued_count of a batch; unset: not reported (an older ingest-service).
  std::function<int(const std::string& batch_id)> queued;
  absl::Status get_error;
  std::vector<std::string> get_ids;

  // The names of the stored records, in UTF-8, by source record id.
  std::map<std::string, std::string> Names() const {
    std::map<std::string, std::string> names;
    for (const auto& [key, content] : records_) {
      records::v1::Record record;
      record.ParseFromString(content);
      names[key.second] = record.person().name();
    }
    return names;
  }

 private:
  struct Stored {
    SubmitBatchResponse response;
    std::vector<RecordIssue> issues;
  };
  std::map<std::pair<std::string, std::string>, Stored> batches_;
  std::map<std::pair<std::string, std::string>, std::string> records_;
  std::vector<std::string> stored_order_;
};

constexpr char kMapping[] = R"(agency: civil_affairs
kind: social_assistance
encoding: utf-8
columns:
  - {header: 记录编号, field: source_record_id}
  - {header: 姓名, field: person.name}
  - {header: 身份证号, field: person.id_number}
  - header: 保障类别
    field: social_assistance.programme
    values: {城市低保: PROGRAMME_URBAN_MINIMUM_LIVING, 农村低保: PROGRAMME_RURAL_MINIMUM_LIVING}
  - {header: 月保障金额（元）, field: social_assistance.monthly_amount_fen, unit: AMOUNT_UNIT_YUAN}
)";

constexpr char kHeader[] = "序号,记录编号,姓名,身份证号,保障类别,月保障金额（元）\n";

class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mapping_ = Write("mapping.yaml", kMapping);
    options_.agency = "civil_affairs";
    options_.mapping_file = mapping_;
    options_.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
  }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  static std::vector<std::vector<std::string>> ReadCsv(const std::string& text) {
    auto rows = common::ParseCsv(text);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<std::vector<std::string>>{};
  }

  absl::StatusOr<ImportSummary> Import(const std::string& file) {
    ImportOptions options = options_;
    options.file = file;
    return Importer(&ingest_, options).Run();
  }

  // `n` valid rows: ids sa-1.., names 张三1.., amounts 300.50.
  static std::string Rows(int n) {
    std::string text;
    for (int i = 1; i <= n; ++i) {
      absl::StrAppend(&text, i, ",sa-", i, ",张三", i, ",110101199001011237,城市低保,300.50\n");
    }
    return text;
  }

  // Makes the fake ingest a queue towards a match-service that links `per_second` records a
  // second of the fake clock from now on, oldest batch first, and makes the importer's waits
  // advance that clock.
  void LinkPerSecond(int per_second) {
    const absl::Time start = clock_.Now();
    ingest_.queued = [this, start, per_second](const std::string& batch_id) {
      int64_t linked = absl::ToInt64Seconds(clock_.Now() - start) * per_second;
      for (const auto& [id, forwarded] : ingest_.Forwarded()) {
        const int64_t mine = std::min<int64_t>(linked, forwarded);
        if (id == batch_id) return static_cast<int>(forwarded - mine);
        linked -= mine;
      }
      return -1;
    };
  }
  void WaitLinked(std::chrono::milliseconds wait) {
    options_.wait_linked = wait;
    options_.clock = &clock_;
    options_.sleep = [this](std::chrono::milliseconds d) {
      sleeps_.push_back(d);
      clock_.Advance(absl::FromChrono(d));
    };
  }
  static std::string Printed(const ImportSummary& summary) {
    std::ostringstream printed;
    PrintImportSummary(summary, printed);
    return printed.str();
  }

  common::testing::TempDir dir_;
  std::string mapping_;
  ImportOptions options_;
  FakeIngest ingest_;
  std::vector<std::chrono::milliseconds> sleeps_;
  common::FakeClock clock_{absl::FromUnixSeconds(1800000000)};
};

TEST(DefaultBatchPrefixTest, UsesAgencyStemAndTwelveHexDigits) {
  EXPECT_EQ(DefaultBatchPrefix("court", "/tmp/x/判决 2024.csv", "0123456789abcdef"),
            "court-_______2024-0123456789ab");
  EXPECT_EQ(DefaultBatchPrefix("court", "plain.v2.csv", "ffffffffffffffff"),
            "court-plain.v2-ffffffffffff");
}

TEST_F(ImporterTest, SendsMappedRowsInBatchesOfTheGivenSize) {
  options_.batch_size = 2;
  const std::string file = Write("低保名单.csv", std::string(kHeader) + Rows(5));
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->encoding, "utf-8");
  EXPECT_EQ(summary->rows, 5);
  EXPECT_EQ(summary->sent, 5);
  EXPECT_EQ(summary->accepted, 5);
  EXPECT_EQ(summary->batches, 3);
  EXPECT_EQ(summary->rejected_locally + summary->rejected_by_ingest, 0);
  const std::string& p = summary->batch_prefix;
  EXPECT_THAT(p, ::testing::StartsWith("civil_affairs-"));
  EXPECT_THAT(ingest_.submitted_ids, ElementsAre(p + "-1", p + "-2", p + "-3"));
  EXPECT_EQ(ingest_.Names().at("sa-4"), "张三4");
  // The rejects file exists with the header only.
  EXPECT_EQ(ReadCsv(Read(file + ".rejects.csv")).size(), 1u);
  // Waiting for links is the caller's choice (the CLI's default is 60 s).
  EXPECT_EQ(summary->link_wait, LinkWait::kNotWaited);
  EXPECT_TRUE(ingest_.get_ids.empty());
  EXPECT_THAT(Printed(*summary), Not(HasSubstr("linked")));
}

TEST_F(ImporterTest, BatchIdsAreTheSameOnReRunAndNothingIsStoredTwice) {
  options_.batch_size = 3;
  const std::string file = Write("list.csv", std::string(kHeader) + Rows(7));
  ASSERT_TRUE(Import(file).ok());
  const std::vector<std::string> first = ingest_.submitted_ids;
  EXPECT_EQ(ingest_.new_batches, 3);
  EXPECT_EQ(ingest_.stored_records, 7);

  ingest_.submitted_ids.clear();
  ingest_.received_time = "2020-01-01T00:00:00Z";  // not used by replays: they keep the first
  absl::StatusOr<ImportSummary> again = Import(file);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ingest_.submitted_ids, first);
  EXPECT_EQ(ingest_.new_batches, 3);
  EXPECT_EQ(ingest_.stored_records, 7);

  // A different batch size gives other ids; the records come back unchanged.
  options_.batch_size = 4;
  ingest_.submitted_ids.clear();
  absl::StatusOr<ImportSummary> resized = Import(file);
  ASSERT_TRUE(resized.ok()) << resized.status();
  EXPECT_NE(resized->batch_prefix, again->batch_prefix);
  EXPECT_EQ(resized->unchanged, 7);
  EXPECT_EQ(ingest_.stored_records, 7);
  EXPECT_EQ(resized->batches_stored_before, 2);  // stamped 2020 by the fake

  // A changed file gives other ids too.
  const std::string changed = Write("list.csv", std::string(kHeader) + Rows(8));
  options_.batch_size = 3;
  absl::StatusOr<ImportSummary> grown = Import(changed);
  ASSERT_TRUE(grown.ok());
  EXPECT_NE(grown->batch_prefix, again->batch_prefix);
  EXPECT_EQ(grown->accepted, 1);
  EXPECT_EQ(grown->unchanged, 7);
}

TEST_F(ImporterTest, ExplicitPrefixIsUsedAsGiven) {
  options_.batch_prefix = "cz-2024-06";
  ASSERT_TRUE(Import(Write("a.csv", std::string(kHeader) + Rows(2))).ok());
  EXPECT_THAT(ingest_.submitted_ids, ElementsAre("cz-2024-06-1"));
}

TEST_F(ImporterTest, RowsThatFailMappingGoToRejectsAndDoNotSinkTheirNeighbours) {
  const std::string text = std::string(kHeader) +
                           "1,sa-1,张三,110101199001011237,城市低保,300\n"
                           "2,sa-2,李四,110101199001011237,城市低保,三百元\n"  // not an amount
                           "3,sa-3,王五,110101199001011237,城市低保\n"         // a cell short
                           "4,sa-4,赵六,110101199001011237,五保,300\n"         // unknown wording
                           "5,sa-5,\"钱,七\",110101199001011237,农村低保,12.5\n";
  const std::string file = Write("mixed.csv", text);
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rows, 5);
  EXPECT_EQ(summary->sent, 2);
  EXPECT_EQ(summary->accepted, 2);
  EXPECT_EQ(summary->rejected_locally, 3);
  EXPECT_EQ(ingest_.Names().at("sa-5"), "钱,七");

  auto rows = ReadCsv(Read(file + ".rejects.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_THAT(rows[0], ElementsAre("import_line", "import_stage", "import_column", "import_field",
                                   "import_reason", "import_message", "序号", "记录编号", "姓名",
                                   "身份证号", "保障类别", "月保障金额（元）"));
  EXPECT_EQ(rows[1][0], "3");
  EXPECT_EQ(rows[1][1], "read");
  EXPECT_EQ(rows[1][2], "月保障金额（元）");
  EXPECT_EQ(rows[1][3], "social_assistance.monthly_amount_fen");
  EXPECT_EQ(rows[1][4], "BAD_VALUE");
  EXPECT_EQ(rows[1][11], "三百元");  // the original row, for the agency to fix
  EXPECT_EQ(rows[2][0], "4");
  EXPECT_EQ(rows[2][4], "ROW_SHAPE");
  EXPECT_EQ(rows[3][0], "5");
  EXPECT_EQ(rows[3][2], "保障类别");

  // The terminal summary names columns and reasons, never the cell values.
  std::ostringstream out;
  PrintImportSummary(*summary, out);
  EXPECT_THAT(out.str(), HasSubstr("月保障金额（元）"));
  EXPECT_THAT(out.str(), Not(HasSubstr("三百元")));
  EXPECT_THAT(out.str(), Not(HasSubstr("五保")));
  EXPECT_THAT(out.str(), Not(HasSubstr("王五")));
}

TEST_F(ImporterTest, IngestRejectionsGoToRejectsWithTheOriginalRow) {
  const std::string text = std::string(kHeader) +
                           "1,sa-1,张三,110101199001011237,城市低保,300\n"
                           "2,sa-2,,110101199001011237,城市低保,300\n"
                           "3,sa-3,王五,,城市低保,300\n";
  const std::string file = Write("ingest.csv", text);
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->sent, 3);
  EXPECT_EQ(summary->accepted, 2);
  EXPECT_EQ(summary->warnings, 1);
  EXPECT_EQ(summary->rejected_by_ingest, 1);
  EXPECT_EQ(summary->reasons.at("ingest ERROR person.name (姓名) NAME_MISSING"), 1);
  EXPECT_EQ(summary->reasons.at("ingest WARNING person.id_number (身份证号) ID_MISSING"), 1);
  auto rows = ReadCsv(Read(file + ".rejects.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1], ElementsAre("3", "ingest", "姓名", "person.name", "NAME_MISSING",
                                   "person.name is not acceptable", "2", "sa-2", "",
                                   "110101199001011237", "城市低保", "300"));
}

TEST_F(ImporterTest, FetchesEveryIssueWhenTheResponseHoldsOnlyTheFirstHundred) {
  std::string text = kHeader;
  for (int i = 1; i <= 250; ++i) absl::StrAppend(&text, i, ",sa-", i, ",,1,城市低保,1\n");
  const std::string file = Write("nameless.csv", text);
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rejected_by_ingest, 250);
  EXPECT_GT(ingest_.list_calls, 1);
  auto rows = ReadCsv(Read(file + ".rejects.csv"));
  ASSERT_EQ(rows.size(), 251u);
  EXPECT_EQ(rows[250][0], "251");
  EXPECT_EQ(rows[250][4], "NAME_MISSING");
  EXPECT_EQ(summary->reasons.at("ingest ERROR person.name (姓名) NAME_MISSING"), 250);
}

TEST_F(ImporterTest, DetectsAndReadsGb18030AndWritesRejectsInIt) {
  const std::string utf8 =
      std::string(kHeader) + Rows(2) + "3,sa-3,孙八,110101199001011237,城市低保,很多\n";
  absl::StatusOr<std::string> gb = common::Utf8ToGb18030(utf8);
  ASSERT_TRUE(gb.ok());
  ASSERT_FALSE(common::IsValidUtf8(*gb));
  const std::string file = Write("gb.csv", *gb);
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->encoding, "gb18030");
  EXPECT_EQ(summary->accepted, 2);
  EXPECT_EQ(ingest_.Names().at("sa-2"), "张三2");
  const std::string rejects = Read(file + ".rejects.csv");
  EXPECT_FALSE(common::IsValidUtf8(rejects));
  absl::StatusOr<std::string> back = common::Gb18030ToUtf8(rejects);
  ASSERT_TRUE(back.ok());
  auto rows = ReadCsv(*back);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][2], "月保障金额（元）");
  EXPECT_EQ(rows[1][11], "很多");
}

TEST_F(ImporterTest, ForcedEncodingWinsAndBadBytesRejectOnlyTheirRow) {
  // A UTF-8 file with one row in GB18030: auto-detection over the whole head says GB18030 is
  // wrong for most rows, so the operator forces utf-8; the odd row is rejected alone.
  absl::StatusOr<std::string> odd = common::Utf8ToGb18030("3,sa-3,孙八,1,城市低保,1\n");
  ASSERT_TRUE(odd.ok());
  const std::string file = Write("mixed-enc.csv", std::string(kHeader) + Rows(2) + *odd);
  options_.encoding = "utf-8";
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->encoding, "utf-8");
  EXPECT_EQ(summary->accepted, 2);
  EXPECT_EQ(summary->rejected_locally, 1);
  auto rows = ReadCsv(Read(file + ".rejects.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][4], "ENCODING");
  EXPECT_EQ(rows[1][2], "姓名");
}

TEST_F(ImporterTest, DetectsUtf8WhenTheSampleEndsInsideACharacter) {
  // Build a UTF-8 file longer than 64 KiB whose byte 65,536 falls inside a three-byte character.
  std::string text = kHeader;
  int i = 0;
  while (text.size() < 70000) {
    ++i;
    absl::StrAppend(&text, i, ",sa-", i, ",张三,1,城市低保,1\n");
  }
  for (int pad = 0; pad < 40; ++pad) {
    const auto c = static_cast<unsigned char>(text[65536]);
    if ((c & 0xC0) == 0x80) break;
    text.insert(text.find("sa-1,"), "x");  // shifts everything after by one byte
  }
  ASSERT_EQ(static_cast<unsigned char>(text[65536]) & 0xC0, 0x80);
  absl::StatusOr<ImportSummary> summary = Import(Write("long.csv", text));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->encoding, "utf-8");
  EXPECT_EQ(summary->rejected_locally, 0);
}

TEST_F(ImporterTest, MappingProblemsStopBeforeAnythingIsSent) {
  const std::string file = Write("x.csv", std::string(kHeader) + Rows(1));
  options_.agency = "court";
  absl::StatusOr<ImportSummary> wrong_agency = Import(file);
  EXPECT_EQ(wrong_agency.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_agency.status().message(), HasSubstr("civil_affairs"));

  options_.agency = "civil_affairs";
  const std::string missing = Write("y.csv", "记录编号,姓名\nsa-1,张三\n");
  absl::StatusOr<ImportSummary> no_column = Import(missing);
  EXPECT_EQ(no_column.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_column.status().message(), HasSubstr("身份证号"));

  options_.mapping_file =
      Write("bad.yaml", "agency: civil_affairs\nkind: social_assistance\ncolum: []\n");
  EXPECT_EQ(Import(file).status().code(), absl::StatusCode::kInvalidArgument);

  options_.mapping_file = "";
  absl::StatusOr<ImportSummary> no_mapping = Import(file);
  EXPECT_THAT(no_mapping.status().message(), HasSubstr("--mapping"));

  EXPECT_TRUE(ingest_.submitted_ids.empty());
  EXPECT_EQ(Import(dir_.path() + "/absent.csv").status().code(),
            absl::StatusCode::kInvalidArgument);  // still no mapping
  options_.mapping_file = mapping_;
  EXPECT_EQ(Import(dir_.path() + "/absent.csv").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ImporterTest, RetriesUnavailableAndStopsOnOtherErrors) {
  const std::string file = Write("r.csv", std::string(kHeader) + Rows(3));
  ingest_.fail_next = 2;
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->accepted, 3);
  EXPECT_THAT(sleeps_,
              ElementsAre(std::chrono::milliseconds(500), std::chrono::milliseconds(1000)));

  const std::string other = Write("s.csv", std::string(kHeader) + Rows(4));
  ingest_.permanent_error = absl::PermissionDeniedError("no");
  absl::StatusOr<ImportSummary> denied = Import(other);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  // No partial rejects file is left behind.
  EXPECT_FALSE(std::ifstream(other + ".rejects.csv").good());
  EXPECT_FALSE(std::ifstream(absl::StrCat(other, ".rejects.csv.", getpid(), ".tmp")).good());
}

TEST_F(ImporterTest, StopsWhenCancelledAndTheSameCommandResumes) {
  options_.batch_size = 2;
  std::atomic<bool> cancelled{false};
  options_.cancelled = &cancelled;
  ingest_.on_submit = [&] { cancelled = true; };
  const std::string file = Write("c.csv", std::string(kHeader) + Rows(5));
  absl::StatusOr<ImportSummary> stopped = Import(file);
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(stopped.status().message(), HasSubstr("resumes"));
  EXPECT_EQ(ingest_.submitted_ids.size(), 1u);
  EXPECT_FALSE(std::ifstream(file + ".rejects.csv").good());

  ingest_.on_submit = nullptr;
  cancelled = false;
  absl::StatusOr<ImportSummary> resumed = Import(file);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->batches, 3);
  EXPECT_EQ(ingest_.new_batches, 3);
  EXPECT_EQ(ingest_.stored_records, 5);
}

TEST_F(ImporterTest, CancellingWhileWaitingToRetryStopsWithoutAnotherAttempt) {
  options_.batch_size = 2;
  std::atomic<bool> cancelled{false};
  options_.cancelled = &cancelled;
  options_.sleep = [&](std::chrono::milliseconds d) {
    sleeps_.push_back(d);
    cancelled = true;  // Ctrl-C during the wait
  };
  const std::string file = Write("w.csv", std::string(kHeader) + Rows(5));
  ingest_.on_submit = [&] {
    if (ingest_.submitted_ids.size() == 2) ingest_.fail_next = 5;
  };
  absl::StatusOr<ImportSummary> stopped = Import(file);
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kCancelled) << stopped.status();
  EXPECT_THAT(stopped.status().message(), HasSubstr("waiting to retry"));
  EXPECT_THAT(stopped.status().message(), HasSubstr("batches 1 to 1 are stored"));
  EXPECT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(ingest_.submitted_ids.size(), 2u);
  EXPECT_FALSE(std::ifstream(file + ".rejects.csv").good());
}

TEST_F(ImporterTest, CountsRetractions) {
  options_.mapping_file = "";
  const std::string file =
      Write("retract.jsonl",
            "{\"sourceRecordId\":\"j-1\",\"person\":{\"name\":\"张三\",\"idNumber\":\"1\"}}\n"
            "{\"sourceRecordId\":\"j-1\",\"version\":\"2\",\"retracted\":true}\n");
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->accepted, 1);
  EXPECT_EQ(summary->retracted, 1);
  std::ostringstream printed;
  PrintImportSummary(*summary, printed);
  EXPECT_THAT(printed.str(), HasSubstr("0 unchanged, 1 retracted\n"));
}

TEST_F(ImporterTest, ImportsJsonLinesWithoutAMapping) {
  options_.mapping_file = "";
  const std::string file =
      Write("records.jsonl",
            "{\"sourceRecordId\":\"j-1\",\"person\":{\"name\":\"张三\",\"idNumber\":\"1\"},"
            "\"socialAssistance\":{}}\n"
            "\n"
            "{\"sourceRecordId\":\"j-2\",\"nonsense\":1}\n"
            "{\"sourceRecordId\":\"j-3\",\"person\":{\"name\":\"李四\",\"idNumber\":\"1\"}}\n");
  options_.rejects_file = dir_.path() + "/out/../bad.csv";
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_FALSE(summary.ok());  // the rejects directory does not exist
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kFailedPrecondition);

  options_.rejects_file = dir_.path() + "/bad.csv";
  summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rows, 3);
  EXPECT_EQ(summary->accepted, 2);
  EXPECT_EQ(summary->rejected_locally, 1);
  auto rows = ReadCsv(Read(dir_.path() + "/bad.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "3");
  EXPECT_EQ(rows[1][4], "NOT_A_RECORD");
  EXPECT_EQ(rows[1][6], "{\"sourceRecordId\":\"j-2\",\"nonsense\":1}");
}

// After the last batch the importer polls GetBatch until match-service has linked every record
// the import stored (rejected ones are not waited for), and says how long that took.
TEST_F(ImporterTest, WaitsUntilMatchServiceHasLinkedEveryStoredRecord) {
  options_.batch_size = 2;
  std::ostringstream progress;
  options_.progress = &progress;
  WaitLinked(std::chrono::seconds(60));
  LinkPerSecond(1);
  const std::string file = Write("linked.csv", std::string(kHeader) + Rows(5) +
                                                   "6,sa-6,,110101199001011237,城市低保,300.50\n");
  absl::StatusOr<ImportSummary> summary = Import(file);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->accepted, 5);
  EXPECT_EQ(summary->batches, 3);
  EXPECT_EQ(summary->link_wait, LinkWait::kAllLinked);
  EXPECT_EQ(summary->not_linked, 0);
  EXPECT_EQ(summary->link_wait_seconds, 5.0);
  EXPECT_THAT(Printed(*summary),
              HasSubstr("linked: all 5 stored records applied by match-service, 5.0 s after the "
                        "last batch\n"));
  EXPECT_THAT(progress.str(), HasSubstr("linked"));
  // Eleven rounds (every half second up to 5 s) over three batches: a round polls from the first
  // batch not yet linked up to the first one with records queued, not every batch every time.
  EXPECT_GE(ingest_.get_ids.size(), 11u);
  EXPECT_LT(ingest_.get_ids.size(), 2 * 11u);
  EXPECT_EQ(ingest_.get_ids.back(), summary->batch_prefix + "-3");
}

// When the wait runs out the summary says how many records are still queued, counted once more
// over every batch not yet linked (here ingest delivered the later batches first).
TEST_F(ImporterTest, WaitEndsAtTheTimeoutAndSaysHowManyAreStillQueued) {
  options_.batch_size = 2;
  WaitLinked(std::chrono::seconds(2));
  std::string first_batch;
  ingest_.on_submit = [&] {
    if (first_batch.empty()) first_batch = ingest_.submitted_ids.front();
  };
  ingest_.queued = [&](const std::string& batch_id) { return batch_id == first_batch ? 1 : 0; };
  absl::StatusOr<ImportSummary> summary = Import(Write("slow.csv", std::string(kHeader) + Rows(5)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->link_wait, LinkWait::kTimedOut);
  EXPECT_EQ(summary->not_linked, 1);
  EXPECT_EQ(summary->link_wait_seconds, 2.0);
  EXPECT_THAT(Printed(*summary),
              HasSubstr("linked: 4 of 5 stored records; still queued: 1 after waiting 2.0 s"));
  // Never a sleep past the deadline.
  std::chrono::milliseconds slept{0};
  for (std::chrono::milliseconds d : sleeps_) slept += d;
  EXPECT_EQ(slept, std::chrono::seconds(2));
}

TEST_F(ImporterTest, CtrlCEndsTheWaitButNotTheImport) {
  options_.batch_size = 2;
  WaitLinked(std::chrono::seconds(60));
  LinkPerSecond(1);
  std::atomic<bool> cancelled{false};
  options_.cancelled = &cancelled;
  options_.sleep = [&](std::chrono::milliseconds d) {
    clock_.Advance(absl::FromChrono(d));
    if (clock_.Now() - absl::FromUnixSeconds(1800000000) >= absl::Seconds(3)) cancelled = true;
  };
  absl::StatusOr<ImportSummary> summary = Import(Write("c.csv", std::string(kHeader) + Rows(5)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->link_wait, LinkWait::kInterrupted);
  EXPECT_EQ(summary->not_linked, 2);
  EXPECT_THAT(Printed(*summary),
              HasSubstr("linked: 3 of 5 stored records; still queued: 2 when interrupted"));
}

TEST_F(ImporterTest, AnIngestThatDoesNotReportLinksIsSaidSoWithoutWaiting) {
  WaitLinked(std::chrono::seconds(60));
  absl::StatusOr<ImportSummary> summary = Import(Write("old.csv", std::string(kHeader) + Rows(3)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->link_wait, LinkWait::kNotReported);
  EXPECT_EQ(ingest_.get_ids.size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_THAT(Printed(*summary), HasSubstr("linked: not known (this ingest-service does not say "
                                           "when its records are linked); 3 records stored"));
}

TEST_F(ImporterTest, AFailingGetBatchEndsTheWaitButNotTheImport) {
  WaitLinked(std::chrono::seconds(60));
  LinkPerSecond(1);
  ingest_.get_error = absl::PermissionDeniedError("HTTP 403: no");
  absl::StatusOr<ImportSummary> summary = Import(Write("d.csv", std::string(kHeader) + Rows(3)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->link_wait, LinkWait::kFailed);
  EXPECT_THAT(Printed(*summary), HasSubstr("linked: not known (HTTP 403: no); 3 records stored"));
  // Unavailable is retried like every other call, then given up.
  ingest_.get_ids.clear();
  ingest_.get_error = absl::UnavailableError("gateway answered HTTP 503");
  options_.max_attempts = 3;
  summary = Import(Write("e.csv", std::string(kHeader) + Rows(4)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->link_wait, LinkWait::kFailed);
  EXPECT_EQ(ingest_.get_ids.size(), 3u);
}

TEST_F(ImporterTest, NothingStoredMeansNothingToWaitFor) {
  WaitLinked(std::chrono::seconds(60));
  LinkPerSecond(1);
  absl::StatusOr<ImportSummary> summary = Import(
      Write("none.csv", std::string(kHeader) + "1,sa-1,,110101199001011237,城市低保,300.50\n"));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->accepted, 0);
  EXPECT_EQ(summary->link_wait, LinkWait::kAllLinked);
  EXPECT_TRUE(ingest_.get_ids.empty());
  EXPECT_THAT(Printed(*summary), HasSubstr("linked: no record stored, none to link\n"));
}

TEST_F(ImporterTest, ANegativeWaitIsRefused) {
  options_.wait_linked = std::chrono::milliseconds(-1);
  EXPECT_EQ(Import(Write("n.csv", std::string(kHeader) + Rows(1))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ingest_.submitted_ids.empty());
}

}  // namespace
}  // namespace lifeline::tools
