// Every lifeline-datagen noise kind, applied with datagen's own NoiseApplier / RecordEmitter to
// clean generated records, through ingest's real path (RecordValidator, BuildNormalizedRecord,
// SqliteIngestStore): the damaged record is kept (no noise kind costs a record any more) with the
// reason codes of ingest-service/README.md, and its normalized form matches the clean record's
// wherever the damage is repairable.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "common/identity/id_number.h"
#include "common/identity/id_token.h"
#include "common/testing/process.h"
#include "common/time/dates.h"
#include "ingest-service/domain/reason_codes.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/rpc/batch_answer.h"
#include "ingest-service/rpc/record_mapping.h"
#include "ingest-service/store/sqlite_ingest_store.h"
#include "ingest-service/store/sqlite_ingest_store_testing.h"
#include "tools/datagen/model.h"
#include "tools/datagen/names.h"
#include "tools/datagen/noise.h"
#include "tools/datagen/population.h"
#include "tools/datagen/records.h"
#include "tools/datagen/world.h"

namespace lifeline::ingest {
namespace {

using datagen::AgencyRecord;
using datagen::kNoiseKindCount;
using datagen::NoiseApplier;
using datagen::NoiseConfig;
using datagen::NoiseKind;
using datagen::NoiseKindCode;
using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr char kSecret[] = "test-secret-for-id-tokens-0123456789";
// A small synthetic world: enough records that every kind applies kWanted times.
constexpr int64_t kPersons = 3000;
constexpr uint64_t kSeed = 20250630;
// Damaged records checked per kind, and the fewest that must have been damaged at all.
constexpr int kWanted = 50;
constexpr int kMinApplied = 10;
constexpr int kEveryRecord = std::numeric_limits<int>::max();
// The day after datagen's reference date (2025-06-30), noon in UTC+8.
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2025, 7, 1, 4, 0, 0), absl::UTCTimeZone());
constexpr std::string_view kToday = "2025-07-01";

constexpr std::string_view kIdField = "person.id_number";
constexpr std::string_view kBirthField = "person.birth_date";
constexpr std::string_view kSexField = "person.sex";

// An issue as "field REASON SEVERITY", for comparing lists of issues.
std::string IssueKey(std::string_view field, std::string_view reason, Severity severity) {
  std::string key(field);
  key.append(" ").append(reason).append(severity == Severity::kError ? " ERROR" : " WARNING");
  return key;
}
std::string Warning(std::string_view field, std::string_view reason) {
  return IssueKey(field, reason, Severity::kWarning);
}
std::vector<std::string> IssueKeys(const ValidationResult& result) {
  std::vector<std::string> keys;
  for (const Issue& issue : result.issues) {
    keys.push_back(IssueKey(issue.field, issue.reason, issue.severity));
  }
  return keys;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether `text` is a real calendar date "YYYY-MM-DD" (decided here, not by ingest's parser).
bool IsCalendarDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      parts[p] = parts[p] * 10 + (text[i] - '0');
    }
  }
  if (parts[0] < 1 || parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > 31) return false;
  const absl::CivilDay day(parts[0], parts[1], parts[2]);
  return day.year() == parts[0] && day.month() == parts[1] && day.day() == parts[2];
}

// "YYYYMMDD" -> "YYYY-MM-DD".
std::string Dashed(std::string_view compact) {
  std::string out(compact.substr(0, 4));
  out.append("-").append(compact.substr(4, 2)).append("-").append(compact.substr(6, 2));
  return out;
}

NoiseConfig Only(NoiseKind kind) {
  NoiseConfig config = NoiseConfig::ForLevel(datagen::NoiseLevel::kOff);
  config.set_rate(kind, 1.0);
  return config;
}

// Keeps every record the emitter sends, in order.
class VectorSink : public datagen::RecordSink {
 public:
  struct Sent {
    AgencyRecord record;
    bool final_version = false;
  };
  absl::Status Add(const AgencyRecord& record, bool final_version) override {
    sent.push_back(Sent{record, final_version});
    return absl::OkStatus();
  }
  std::vector<Sent> sent;
};

// Emits every agency record of `world` with datagen's RecordEmitter under `config`.
std::vector<VectorSink::Sent> Emit(const datagen::World& world, const NoiseConfig& config,
                                   uint64_t seed) {
  std::mt19937_64 rng(seed);
  datagen::RecordEmitter emitter(world, config, rng);
  VectorSink sink;
  const absl::Status status = emitter.EmitAll(sink, [](int64_t) {});
  EXPECT_TRUE(status.ok()) << status;
  return std::move(sink.sent);
}

// The synthetic world and its records without any noise.
struct Corpus {
  datagen::World world;
  std::vector<AgencyRecord> clean;
  // Indices into `clean` taking the agencies in turn, so that the first records a kind applies
  // to come from every agency (each sends other identity fields).
  std::vector<size_t> order;
};

Corpus BuildCorpus() {
  Corpus corpus;
  std::mt19937_64 population_rng(kSeed);
  std::mt19937_64 world_rng(kSeed + 1);
  const datagen::NameGenerator names;
  corpus.world.population =
      datagen::PopulationBuilder(names).Build(kPersons, population_rng, [](int64_t) {});
  datagen::WorldOptions options;
  options.persons = kPersons;
  datagen::WorldBuilder(options).Build(corpus.world, world_rng);
  for (VectorSink::Sent& sent :
       Emit(corpus.world, NoiseConfig::ForLevel(datagen::NoiseLevel::kOff), kSeed + 2)) {
    corpus.clean.push_back(std::move(sent.record));
  }
  std::map<std::string, std::vector<size_t>> by_agency;
  for (size_t i = 0; i < corpus.clean.size(); ++i) by_agency[corpus.clean[i].agency].push_back(i);
  for (size_t round = 0; corpus.order.size() < corpus.clean.size(); ++round) {
    for (const auto& [agency, indices] : by_agency) {
      if (round < indices.size()) corpus.order.push_back(indices[round]);
    }
  }
  return corpus;
}

const Corpus& TheCorpus() {
  static const Corpus corpus = BuildCorpus();
  return corpus;
}

// What ingest made of one record.
struct Ingested {
  ValidationResult result;
  std::optional<records::v1::NormalizedRecord> normalized;  // when not rejected
};

// Ingest's per-record path (as IngestServiceImpl runs it) with a fixed clock and token key.
class Ingest {
 public:
  Ingest()
      : clock_(kNow),
        tokenizer_(*common::IdTokenizer::Create(kSecret)),
        validator_(&tokenizer_, &clock_) {}

  Ingested Run(const std::string& agency, const records::v1::Record& record) const {
    Ingested out;
    out.result = validator_.Validate(agency, record);
    if (!out.result.rejected()) {
      out.normalized =
          BuildNormalizedRecord(agency, records::v1::Record(record), ValidationResult(out.result));
    }
    return out;
  }

  // A batch as IngestServiceImpl builds it before CommitBatch.
  BatchSubmission Batch(const std::string& agency, const std::string& batch_id,
                        const std::vector<const records::v1::Record*>& records) const {
    BatchSubmission batch;
    batch.agency = agency;
    batch.batch_id = batch_id;
    batch.received_time = kNow;
    for (size_t i = 0; i < records.size(); ++i) {
      Ingested ingested = Run(agency, *records[i]);
      RecordSubmission& submission = batch.records.emplace_back();
      submission.record_index = static_cast<int32_t>(i);
      submission.source_record_id = records[i]->source_record_id();
      submission.version = records[i]->version();
      submission.rejected = ingested.result.rejected();
      for (const Issue& issue : ingested.result.issues) {
        submission.issues.push_back(ToProtoIssue(issue));
      }
      if (ingested.normalized.has_value()) submission.normalized = *ingested.normalized;
    }
    return batch;
  }

  const common::IdTokenizer& tokenizer() const { return tokenizer_; }

 private:
  common::FakeClock clock_;
  common::IdTokenizer tokenizer_;
  RecordValidator validator_;
};

const Ingest& TheIngest() {
  static const Ingest ingest;
  return ingest;
}

// One clean record, the same record after one noise kind, and what ingest made of both.
struct Case {
  const datagen::Person& person;
  const AgencyRecord& clean;
  const AgencyRecord& noisy;
  const Ingested& clean_out;
  const Ingested& noisy_out;

  const records::v1::PersonIdentity& sent() const { return noisy.record.person(); }
  bool accepted() const { return noisy_out.normalized.has_value(); }
  const records::v1::NormalizedPerson& before() const { return clean_out.normalized->person(); }
  // The damaged record's normalized person; empty when it was rejected.
  const records::v1::NormalizedPerson& after() const {
    return accepted() ? noisy_out.normalized->person()
                      : records::v1::NormalizedPerson::default_instance();
  }
  bool has_id() const { return !clean.record.person().id_number().empty(); }
};

// What ingest must do with a damaged record, worked out from the damaged input and the truth.
struct Expectation {
  bool rejected = false;
  // Issues on top of those of the clean record ("field REASON SEVERITY").
  std::vector<std::string> added_issues = {};
  // NormalizedPerson fields that may differ from the clean record's; everything else in the
  // NormalizedRecord must be identical.
  std::vector<std::string> changed_fields = {};
  // Which rule decided, for kinds whose records take different paths through the validator.
  const char* branch = "";
};

// One row of the table. Person-level kinds have `expect` and `check` (run on every damaged
// record: the damage itself and the values of the changed fields); the record-level kinds
// (duplicate, update) have `record_level`.
struct Row {
  NoiseKind kind;
  Expectation (*expect)(const Case& c) = nullptr;
  void (*check)(const Case& c) = nullptr;
  // Outcomes that must occur among the damaged records (the expectation decides per record).
  bool must_accept = false;
  bool must_reject = false;
  // Branches (Expectation::branch) that must each occur; none when empty.
  std::array<const char*, 5> must_see = {};
  // How many damaged records to check (the first found), damaging each clean record with this
  // many seeds.
  int wanted = kWanted;
  int seeds = 1;
  void (*record_level)() = nullptr;
};

// Name kinds ---------------------------------------------------------------------------------

Expectation NameChangesIdentity(const Case&) {
  return {.changed_fields = {"name_original", "name_normalized", "name_pinyin"}};
}
Expectation HomophoneKeepsPinyin(const Case&) {
  return {.changed_fields = {"name_original", "name_normalized"}};
}
Expectation NameRepaired(const Case&) { return {.changed_fields = {"name_original"}}; }

void CheckNameDiffers(const Case& c) {
  EXPECT_EQ(c.after().name_original(), c.sent().name());
  EXPECT_NE(c.after().name_normalized(), c.before().name_normalized());
  EXPECT_FALSE(c.after().name_normalized().empty());
}
void CheckNameSame(const Case& c) {
  EXPECT_EQ(c.after().name_original(), c.sent().name());
  EXPECT_NE(c.after().name_original(), c.before().name_original());
  EXPECT_EQ(c.after().name_normalized(), c.before().name_normalized());
  EXPECT_EQ(c.after().name_pinyin(), c.before().name_pinyin());
}

// ID-number kinds ----------------------------------------------------------------------------

Expectation IdRepaired(const Case& c) {
  Expectation e;
  if (c.sent().id_number() != c.clean.record.person().id_number()) {
    e.added_issues.push_back(Warning(kIdField, reason::kIdRepaired));
  }
  return e;
}

void CheckIdRepaired(const Case& c) {
  EXPECT_NE(c.sent().id_number(), c.person.id_number);
  EXPECT_TRUE(c.after().id_verified());
  EXPECT_EQ(c.after().id_token(), TheIngest().tokenizer().Token(c.person.id_number));
}

void CheckFullWidth(const Case& c) {
  if (c.has_id()) CheckIdRepaired(c);
  if (!c.clean.record.person().phone().empty()) {
    EXPECT_NE(c.sent().phone(), c.clean.record.person().phone());
    EXPECT_EQ(c.after().phone_normalized(), c.person.phone);
  }
}

void CheckIdSpaces(const Case& c) {
  EXPECT_NE(c.sent().id_number().find(' '), std::string::npos);
  CheckIdRepaired(c);
}

void CheckIdLowercaseX(const Case& c) {
  EXPECT_EQ(c.sent().id_number().back(), 'x');
  CheckIdRepaired(c);
}

Expectation IdUpgraded(const Case&) {
  return {.added_issues = {Warning(kIdField, reason::kIdUpgraded15)}};
}
void CheckIdUpgraded(const Case& c) {
  EXPECT_EQ(c.sent().id_number().size(), 15u);
  EXPECT_TRUE(c.after().id_verified());
  EXPECT_EQ(c.after().id_token(), TheIngest().tokenizer().Token(c.person.id_number));
}

// The number is dropped (and its id_type cleared): birth date and sex come from the record's own
// fields when the agency sends them, else there are none.
Expectation IdMissing(const Case& c) {
  Expectation e{
      .added_issues = {Warning(kIdField, reason::kIdMissing)},
      .changed_fields = {"id_token", "id_masked", "id_verified", "id_near", "id_region_code"}};
  if (c.sent().birth_date().empty()) e.changed_fields.push_back("birth_date");
  if (c.sent().sex() == records::v1::SEX_UNSPECIFIED) e.changed_fields.push_back("sex");
  return e;
}
void CheckIdMissing(const Case& c) {
  EXPECT_TRUE(c.sent().id_number().empty());
  EXPECT_TRUE(c.after().id_token().empty());
  EXPECT_TRUE(c.after().id_masked().empty());
  EXPECT_FALSE(c.after().id_verified());
  EXPECT_EQ(c.after().birth_date(), c.sent().birth_date().empty() ? "" : c.before().birth_date());
  EXPECT_EQ(c.after().sex(), c.sent().sex() == records::v1::SEX_UNSPECIFIED
                                 ? records::v1::SEX_UNSPECIFIED
                                 : c.before().sex());
}

// One mistyped digit: kept unverified with ID_CHECK_DIGIT, no identifier token, near forms that
// still meet the true number's. A digit of the birth date or the sex digit may be the one
// mistyped: the record's own field then disagrees (or, without one, the number's value is used).
// datagen never moves the birth date later.
Expectation IdWrongCheck(const Case& c) {
  const std::string& sent = c.sent().id_number();
  const std::string& truth = c.person.id_number;
  Expectation e{
      .added_issues = {Warning(kIdField, "ID_CHECK_DIGIT")},
      .changed_fields = {"id_token", "id_masked", "id_verified", "id_problem", "id_near"}};
  if (sent.compare(0, 6, truth, 0, 6) != 0) e.changed_fields.push_back("id_region_code");
  if (sent.compare(6, 8, truth, 6, 8) != 0) {
    if (!c.sent().birth_date().empty()) {
      e.added_issues.push_back(Warning(kBirthField, reason::kBirthDateMismatch));
    } else {
      e.changed_fields.push_back("birth_date");
    }
    EXPECT_LT(sent.compare(6, 8, truth, 6, 8), 0) << "the mistyped birth date moved later";
  }
  if ((sent[16] - '0') % 2 != (truth[16] - '0') % 2) {
    if (c.sent().sex() != records::v1::SEX_UNSPECIFIED) {
      e.added_issues.push_back(Warning(kSexField, reason::kSexMismatch));
    } else {
      e.changed_fields.push_back("sex");
    }
  }
  return e;
}
void CheckIdWrongCheck(const Case& c) {
  const std::string& sent = c.sent().id_number();
  ASSERT_EQ(sent.size(), 18u);
  EXPECT_NE(sent, c.person.id_number);
  if (!c.accepted()) return;
  EXPECT_FALSE(c.after().id_verified());
  EXPECT_TRUE(c.after().id_token().empty());
  EXPECT_EQ(c.after().id_problem(), "ID_CHECK_DIGIT");
  EXPECT_EQ(c.after().id_masked(), common::MaskIdNumber(sent));
  // One substitution: the mistyped and the true number share an edit key.
  const auto& keys = c.before().id_near().edit_keys();
  EXPECT_TRUE(std::any_of(
      c.after().id_near().edit_keys().begin(), c.after().id_near().edit_keys().end(),
      [&](uint64_t key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); }));
  if (c.sent().birth_date().empty()) {
    EXPECT_EQ(c.after().birth_date(), Dashed(std::string_view(sent).substr(6, 8)));
  }
  if (c.sent().sex() == records::v1::SEX_UNSPECIFIED) {
    EXPECT_EQ(c.after().sex(),
              (sent[16] - '0') % 2 == 1 ? records::v1::SEX_MALE : records::v1::SEX_FEMALE);
  }
}

// Kept with ID_SPREADSHEET_DAMAGE: the number is no identifier and gives no birth date, sex or
// region; only the 15 digits a spreadsheet may have kept are compared, as a prefix.
Expectation IdSpreadsheet(const Case& c) {
  Expectation e{.added_issues = {Warning(kIdField, "ID_SPREADSHEET_DAMAGE")},
                .changed_fields = {"id_token", "id_masked", "id_verified", "id_problem", "id_near",
                                   "id_region_code"}};
  if (c.sent().birth_date().empty()) e.changed_fields.push_back("birth_date");
  if (c.sent().sex() == records::v1::SEX_UNSPECIFIED) e.changed_fields.push_back("sex");
  return e;
}
void CheckIdSpreadsheet(const Case& c) {
  const std::string& sent = c.sent().id_number();
  EXPECT_TRUE(sent.find('E') != std::string::npos || sent.ends_with("000")) << sent;
  EXPECT_TRUE(c.after().id_token().empty());
  EXPECT_TRUE(c.after().id_near().edit_keys().empty());
  if (!c.after().id_near().prefix15_token().empty()) {
    EXPECT_EQ(c.after().id_near().prefix15_token(), c.before().id_near().prefix15_token());
  }
}

// Birth date, phone, address -----------------------------------------------------------------

constexpr char kNotADate[] = "not a real date";
constexpr char kInTheFuture[] = "in the future";
constexpr char kTooEarly[] = "before 1900";
constexpr char kNumberWins[] = "the ID number's date wins";
constexpr char kTakenAsSent[] = "no ID number: taken as sent";

// Two digits of the record's birth date swapped: not a real date, a future one or one before 1900
// is dropped with BIRTH_DATE_INVALID (the number's date stands, or there is none); a plausible
// one disagrees with the verified number (which wins), or, without a number, is taken as sent.
Expectation BirthTransposed(const Case& c) {
  const std::string& given = c.sent().birth_date();
  Expectation e;
  const char* implausible = !IsCalendarDate(given) ? kNotADate
                            : given > kToday       ? kInTheFuture
                            : given < "1900-01-01" ? kTooEarly
                                                   : nullptr;
  if (implausible != nullptr) {
    e.added_issues.push_back(Warning(kBirthField, reason::kBirthDateInvalid));
    if (!c.has_id()) e.changed_fields.push_back("birth_date");
    e.branch = implausible;
    return e;
  }
  if (c.has_id()) e.added_issues.push_back(Warning(kBirthField, reason::kBirthDateMismatch));
  if (c.has_id()) {
    e.branch = kNumberWins;
  } else {
    e.changed_fields.push_back("birth_date");
    e.branch = kTakenAsSent;
  }
  return e;
}
void CheckBirthTransposed(const Case& c) {
  EXPECT_NE(c.sent().birth_date(), c.clean.record.person().birth_date());
  if (c.accepted() && !c.has_id()) {
    const std::string& given = c.sent().birth_date();
    const bool plausible = IsCalendarDate(given) && given <= kToday && given >= "1900-01-01";
    EXPECT_EQ(c.after().birth_date(), plausible ? given : "");
  }
}

Expectation Unchanged(const Case&) { return {}; }
void CheckPhoneFormat(const Case& c) {
  EXPECT_NE(c.sent().phone(), c.clean.record.person().phone());
  EXPECT_EQ(c.after().phone_normalized(), c.person.phone);
}

Expectation AddressStale(const Case&) { return {.changed_fields = {"address"}}; }
void CheckAddressStale(const Case& c) {
  EXPECT_EQ(c.after().address(), c.sent().address());
  EXPECT_NE(c.after().address(), c.before().address());
}

// Record-level kinds -------------------------------------------------------------------------

// The emitted copies of the first kWanted records under `kind`: pairs (sent first, final).
std::vector<std::pair<AgencyRecord, AgencyRecord>> EmittedPairs(NoiseKind kind) {
  std::vector<VectorSink::Sent> sent = Emit(TheCorpus().world, Only(kind), kSeed + 3);
  std::vector<std::pair<AgencyRecord, AgencyRecord>> pairs;
  for (size_t i = 0; i + 1 < sent.size() && pairs.size() < kWanted; i += 2) {
    EXPECT_FALSE(sent[i].final_version);
    EXPECT_TRUE(sent[i + 1].final_version);
    EXPECT_EQ(sent[i].record.agency, sent[i + 1].record.agency);
    EXPECT_EQ(sent[i].record.record.source_record_id(),
              sent[i + 1].record.record.source_record_id());
    pairs.emplace_back(std::move(sent[i].record), std::move(sent[i + 1].record));
  }
  return pairs;
}

// The records of `pairs` by agency: the first copies, the final ones, or both in emission order.
enum class Which { kFirst, kFinal, kBoth };
std::map<std::string, std::vector<const records::v1::Record*>> ByAgency(
    const std::vector<std::pair<AgencyRecord, AgencyRecord>>& pairs, Which which) {
  std::map<std::string, std::vector<const records::v1::Record*>> out;
  for (const auto& [first, last] : pairs) {
    std::vector<const records::v1::Record*>& list = out[first.agency];
    if (which != Which::kFinal) list.push_back(&first.record);
    if (which != Which::kFirst) list.push_back(&last.record);
  }
  return out;
}

v1::RecordResult AcceptedResult(const Ingested& ingested) {
  return ingested.result.has_warnings() ? v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS
                                        : v1::RECORD_RESULT_ACCEPTED;
}

std::unique_ptr<SqliteIngestStore> OpenStore(const common::testing::TempDir& dir) {
  absl::StatusOr<std::unique_ptr<SqliteIngestStore>> store =
      SqliteIngestStore::OpenInDirectory(dir.path());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

// The same record sent twice: stored and forwarded once, the copy is UNCHANGED (in the same
// batch and in a later one).
void DuplicateRecord() {
  const std::string code = NoiseKindCode(NoiseKind::kDuplicateRecord);
  const auto pairs = EmittedPairs(NoiseKind::kDuplicateRecord);
  int applied = 0;
  for (const auto& [first, last] : pairs) {
    EXPECT_TRUE(MessageDifferencer::Equals(first.record, last.record));
    EXPECT_THAT(last.noise, ElementsAre(code));
    applied += Contains(first.noise, code) ? 1 : 0;
  }
  EXPECT_GE(applied, kMinApplied);

  const common::testing::TempDir dir;
  std::unique_ptr<SqliteIngestStore> store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  for (const auto& [agency, records] : ByAgency(pairs, Which::kBoth)) {
    SCOPED_TRACE(agency);
    absl::StatusOr<CommitResult> commit =
        store->CommitBatch(TheIngest().Batch(agency, "dup-1", records), AnswerBatch);
    ASSERT_TRUE(commit.ok()) << commit.status();
    const v1::SubmitBatchResponse& response = commit->response;
    ASSERT_EQ(response.outcomes_size(), static_cast<int>(records.size()));
    EXPECT_EQ(commit->enqueued, static_cast<int>(records.size() / 2));
    EXPECT_EQ(response.batch().unchanged_count(), static_cast<int>(records.size() / 2));
    for (size_t i = 0; i < records.size(); i += 2) {
      const Ingested first = TheIngest().Run(agency, *records[i]);
      ASSERT_FALSE(first.result.rejected());
      EXPECT_EQ(response.outcomes(static_cast<int>(i)).result(), AcceptedResult(first));
      EXPECT_EQ(response.outcomes(static_cast<int>(i + 1)).result(), v1::RECORD_RESULT_UNCHANGED);
      absl::StatusOr<records::v1::NormalizedRecord> stored =
          ReadStoredRecord(*store, agency, records[i]->source_record_id());
      ASSERT_TRUE(stored.ok()) << stored.status();
      records::v1::NormalizedRecord want = *first.normalized;
      want.set_batch_id("dup-1");
      EXPECT_TRUE(MessageDifferencer::Equals(*stored, want));
    }

    absl::StatusOr<CommitResult> again = store->CommitBatch(
        TheIngest().Batch(agency, "dup-2", ByAgency(pairs, Which::kFinal)[agency]), AnswerBatch);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->enqueued, 0);
    for (const v1::RecordOutcome& outcome : again->response.outcomes()) {
      EXPECT_EQ(outcome.result(), v1::RECORD_RESULT_UNCHANGED);
    }
  }
}

// The record sent again later with a higher version: the new version replaces the stored one
// (and is forwarded); the older version sent once more is STALE and changes nothing.
void RecordUpdate() {
  const std::string code = NoiseKindCode(NoiseKind::kRecordUpdate);
  const auto pairs = EmittedPairs(NoiseKind::kRecordUpdate);
  int applied = 0;
  for (const auto& [older, newer] : pairs) {
    EXPECT_GT(newer.record.version(), older.record.version());
    EXPECT_FALSE(Contains(older.noise, code));
    applied += Contains(newer.noise, code) ? 1 : 0;
  }
  EXPECT_GE(applied, kMinApplied);

  const common::testing::TempDir dir;
  std::unique_ptr<SqliteIngestStore> store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  for (const auto& [agency, records] : ByAgency(pairs, Which::kBoth)) {
    SCOPED_TRACE(agency);
    absl::StatusOr<CommitResult> commit =
        store->CommitBatch(TheIngest().Batch(agency, "upd-1", records), AnswerBatch);
    ASSERT_TRUE(commit.ok()) << commit.status();
    const v1::SubmitBatchResponse& response = commit->response;
    ASSERT_EQ(response.outcomes_size(), static_cast<int>(records.size()));
    EXPECT_EQ(commit->enqueued, static_cast<int>(records.size()));
    for (size_t i = 0; i < records.size(); i += 2) {
      const Ingested older = TheIngest().Run(agency, *records[i]);
      const Ingested newer = TheIngest().Run(agency, *records[i + 1]);
      ASSERT_FALSE(older.result.rejected());
      ASSERT_FALSE(newer.result.rejected());
      EXPECT_EQ(response.outcomes(static_cast<int>(i)).result(), AcceptedResult(older));
      EXPECT_EQ(response.outcomes(static_cast<int>(i + 1)).result(), AcceptedResult(newer));
      absl::StatusOr<records::v1::NormalizedRecord> stored =
          ReadStoredRecord(*store, agency, records[i]->source_record_id());
      ASSERT_TRUE(stored.ok()) << stored.status();
      records::v1::NormalizedRecord want = *newer.normalized;
      want.set_batch_id("upd-1");
      EXPECT_TRUE(MessageDifferencer::Equals(*stored, want));
      EXPECT_EQ(stored->version(), records[i + 1]->version());
    }

    const std::vector<const records::v1::Record*> olders = ByAgency(pairs, Which::kFirst)[agency];
    absl::StatusOr<CommitResult> stale =
        store->CommitBatch(TheIngest().Batch(agency, "upd-2", olders), AnswerBatch);
    ASSERT_TRUE(stale.ok()) << stale.status();
    EXPECT_EQ(stale->enqueued, 0);
    for (const v1::RecordOutcome& outcome : stale->response.outcomes()) {
      EXPECT_EQ(outcome.result(), v1::RECORD_RESULT_STALE);
    }
    for (const records::v1::Record* record : olders) {
      absl::StatusOr<records::v1::NormalizedRecord> stored =
          ReadStoredRecord(*store, agency, record->source_record_id());
      ASSERT_TRUE(stored.ok()) << stored.status();
      EXPECT_EQ(stored->version(), record->version() + 1);
      EXPECT_EQ(stored->batch_id(), "upd-1");
    }
  }
}

// The table: one row per NoiseKind, in enum order.
const Row kRows[] = {
    {.kind = NoiseKind::kNameHomophone,
     .expect = HomophoneKeepsPinyin,
     .check = CheckNameDiffers,
     .must_accept = true},
    {.kind = NoiseKind::kNameLookalike,
     .expect = NameChangesIdentity,
     .check = CheckNameDiffers,
     .must_accept = true},
    {.kind = NoiseKind::kNameTraditional,
     .expect = NameRepaired,
     .check = CheckNameSame,
     .must_accept = true},
    {.kind = NoiseKind::kNameSpacing,
     .expect = NameRepaired,
     .check = CheckNameSame,
     .must_accept = true},
    {.kind = NoiseKind::kFullWidth,
     .expect = IdRepaired,
     .check = CheckFullWidth,
     .must_accept = true},
    {.kind = NoiseKind::kIdSpaces,
     .expect = IdRepaired,
     .check = CheckIdSpaces,
     .must_accept = true},
    {.kind = NoiseKind::kIdLowercaseX,
     .expect = IdRepaired,
     .check = CheckIdLowercaseX,
     .must_accept = true},
    {.kind = NoiseKind::kIdLegacy15,
     .expect = IdUpgraded,
     .check = CheckIdUpgraded,
     .must_accept = true},
    {.kind = NoiseKind::kIdMissing,
     .expect = IdMissing,
     .check = CheckIdMissing,
     .must_accept = true},
    {.kind = NoiseKind::kIdWrongCheck,
     .expect = IdWrongCheck,
     .check = CheckIdWrongCheck,
     .must_accept = true},
    {.kind = NoiseKind::kIdSpreadsheet,
     .expect = IdSpreadsheet,
     .check = CheckIdSpreadsheet,
     .must_accept = true},
    {.kind = NoiseKind::kBirthTransposed,
     .expect = BirthTransposed,
     .check = CheckBirthTransposed,
     .must_accept = true,
     .must_see = {kNotADate, kInTheFuture, kTooEarly, kNumberWins, kTakenAsSent},
     .wanted = kEveryRecord,
     .seeds = 4},
    {.kind = NoiseKind::kPhoneFormat,
     .expect = Unchanged,
     .check = CheckPhoneFormat,
     .must_accept = true},
    {.kind = NoiseKind::kAddressStale,
     .expect = AddressStale,
     .check = CheckAddressStale,
     .must_accept = true},
    {.kind = NoiseKind::kDuplicateRecord, .record_level = DuplicateRecord},
    {.kind = NoiseKind::kRecordUpdate, .record_level = RecordUpdate},
};

// Clears the named NormalizedPerson fields of `record`.
void ClearPersonFields(const std::vector<std::string>& names,
                       records::v1::NormalizedRecord* record) {
  records::v1::NormalizedPerson* person = record->mutable_person();
  for (const std::string& name : names) {
    const google::protobuf::FieldDescriptor* field =
        records::v1::NormalizedPerson::descriptor()->FindFieldByName(name);
    ASSERT_NE(field, nullptr) << name;
    person->GetReflection()->ClearField(person, field);
  }
}

// Applies `row.kind` alone to clean records until kWanted were damaged, and holds ingest's
// result for each against the row's expectation.
void CheckPersonLevel(const Row& row) {
  const Corpus& corpus = TheCorpus();
  const NoiseConfig config = Only(row.kind);
  const std::string code = NoiseKindCode(row.kind);
  int applied = 0;
  int accepted = 0;
  int rejected = 0;
  std::map<std::string, int> branches;
  for (size_t n = 0; n < corpus.order.size() * row.seeds && applied < row.wanted; ++n) {
    const AgencyRecord& clean = corpus.clean[corpus.order[n / row.seeds]];
    const datagen::Person& person = corpus.world.population.person(clean.person_id);
    AgencyRecord noisy = clean;
    std::mt19937_64 rng(kSeed + n);
    NoiseApplier(config, rng).Apply(person, &noisy);
    if (!Contains(noisy.noise, code)) {
      // Every other kind is off: a record the kind does not apply to goes out untouched.
      EXPECT_TRUE(noisy.noise.empty());
      EXPECT_TRUE(MessageDifferencer::Equals(noisy.record, clean.record));
      continue;
    }
    ++applied;
    SCOPED_TRACE(clean.agency + " " + clean.record.source_record_id() +
                 " sent: " + noisy.record.person().ShortDebugString());
    EXPECT_THAT(noisy.noise, ElementsAre(code));

    const Ingested clean_out = TheIngest().Run(clean.agency, clean.record);
    const Ingested noisy_out = TheIngest().Run(noisy.agency, noisy.record);
    ASSERT_TRUE(clean_out.normalized.has_value()) << "the clean record must be accepted";
    const Case c{person, clean, noisy, clean_out, noisy_out};
    const Expectation want = row.expect(c);
    ++branches[want.branch];
    row.check(c);

    std::vector<std::string> want_issues = IssueKeys(clean_out.result);
    want_issues.insert(want_issues.end(), want.added_issues.begin(), want.added_issues.end());
    EXPECT_THAT(IssueKeys(noisy_out.result), UnorderedElementsAreArray(want_issues));
    EXPECT_EQ(noisy_out.result.rejected(), want.rejected);
    if (noisy_out.result.rejected()) {
      ++rejected;
      continue;
    }
    ++accepted;
    ASSERT_TRUE(noisy_out.normalized.has_value());
    records::v1::NormalizedRecord before = *clean_out.normalized;
    records::v1::NormalizedRecord after = *noisy_out.normalized;
    ClearPersonFields(want.changed_fields, &before);
    ClearPersonFields(want.changed_fields, &after);
    MessageDifferencer differencer;
    std::string diff;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(before, after)) << diff;
  }
  EXPECT_GE(applied, kMinApplied) << code << " applied to too few records";
  for (const char* branch : row.must_see) {
    if (branch != nullptr) {
      EXPECT_GT(branches[branch], 0) << code << ": never took " << branch;
    }
  }
  if (row.must_accept) {
    EXPECT_GT(accepted, 0) << code << ": no damaged record was accepted";
  }
  if (row.must_reject) {
    EXPECT_GT(rejected, 0) << code << ": no damaged record was rejected";
  }
  ::testing::Test::RecordProperty("applied", applied);
  ::testing::Test::RecordProperty("accepted", accepted);
  ::testing::Test::RecordProperty("rejected", rejected);
}

TEST(NoiseKindTableTest, HasOneRowPerKindInOrder) {
  ASSERT_EQ(static_cast<int>(std::size(kRows)), kNoiseKindCount);
  for (int i = 0; i < kNoiseKindCount; ++i) {
    EXPECT_EQ(static_cast<int>(kRows[i].kind), i) << "row " << i;
    EXPECT_NE(kRows[i].expect == nullptr, kRows[i].record_level == nullptr) << "row " << i;
    EXPECT_EQ(kRows[i].expect == nullptr, kRows[i].check == nullptr) << "row " << i;
  }
}

TEST(NoiseKindTableTest, CleanRecordsAreAcceptedAndVerified) {
  const Corpus& corpus = TheCorpus();
  ASSERT_GT(corpus.clean.size(), 500u);
  for (const AgencyRecord& clean : corpus.clean) {
    SCOPED_TRACE(clean.agency + " " + clean.record.source_record_id());
    const Ingested out = TheIngest().Run(clean.agency, clean.record);
    ASSERT_TRUE(out.normalized.has_value());
    const bool has_id = !clean.record.person().id_number().empty();
    EXPECT_EQ(out.normalized->person().id_verified(), has_id);
    EXPECT_THAT(IssueKeys(out.result),
                has_id ? std::vector<std::string>{}
                       : std::vector<std::string>{Warning(kIdField, reason::kIdMissing)});
  }
}

class NoiseKindTest : public ::testing::TestWithParam<int> {};

TEST_P(NoiseKindTest, IngestHandlesItAsDocumented) {
  const auto kind = static_cast<NoiseKind>(GetParam());
  const Row* row = nullptr;
  for (const Row& candidate : kRows) {
    if (candidate.kind == kind) row = &candidate;
  }
  ASSERT_NE(row, nullptr) << "no table row for noise kind " << NoiseKindCode(kind);
  if (row->record_level != nullptr) {
    row->record_level();
  } else {
    CheckPersonLevel(*row);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryKind, NoiseKindTest, ::testing::Range(0, kNoiseKindCount),
                         [](const ::testing::TestParamInfo<int>& param_info) {
                           return std::string(
                               NoiseKindCode(static_cast<NoiseKind>(param_info.param)));
                         });

}  // namespace
}  // namespace lifeline::ingest
