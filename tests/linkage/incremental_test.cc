// Incremental linking (match-service's engine applying records as they arrive, through its SQLite
// store) gives the same persons as resolving every record from scratch, whatever the order the
// records arrive in; and a retraction splits a person again.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/identity/id_token.h"
#include "common/time/dates.h"
#include "gtest/gtest.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/rpc/record_mapping.h"
#include "match-service/domain/match_engine.h"
#include "match-service/domain/person_linker.h"
#include "match-service/store/sqlite_match_store.h"
#include "match-service/testing/linkage_people.h"
#include "tools/datagen/generator.h"

namespace lifeline {
namespace {

using match::IndexedRecord;
using match::MatchEngine;
using match::SqliteMatchStore;
using records::v1::NormalizedRecord;

// Final versions of a small generated world, validated and normalized as ingest does.
class FinalRecords : public datagen::RecordSink {
 public:
  absl::Status Add(const datagen::AgencyRecord& record, bool final_version) override {
    if (final_version) final_[record.agency + ":" + record.record.source_record_id()] = record;
    return absl::OkStatus();
  }
  std::vector<NormalizedRecord> Normalized() const {
    const common::IdTokenizer tokenizer = *common::IdTokenizer::Create("incremental-test-secret!");
    const ingest::RecordValidator validator(&tokenizer, common::Clock::Real());
    std::vector<NormalizedRecord> out;
    for (const auto& [key, g] : final_) {
      records::v1::Record copy = g.record;
      ingest::ValidationResult result = validator.Validate(g.agency, copy);
      if (result.rejected()) continue;
      NormalizedRecord n =
          ingest::BuildNormalizedRecord(g.agency, std::move(copy), std::move(result));
      n.set_version(1);
      out.push_back(std::move(n));
    }
    return out;
  }

 private:
  std::map<std::string, datagen::AgencyRecord> final_;
};

std::vector<NormalizedRecord> GeneratedRecords(int64_t persons) {
  FinalRecords sink;
  datagen::GeneratorOptions options;
  options.persons = persons;
  options.seed = 11;
  const std::string truth = ::testing::TempDir() + "/incremental-truth";
  std::filesystem::create_directories(truth);
  EXPECT_TRUE(datagen::Generate(options, truth, sink, [](const char*, int64_t, int64_t) {}).ok());
  return sink.Normalized();
}

// A partition as sorted groups of record keys, whatever the person ids.
using Partition = std::vector<std::vector<std::string>>;

Partition Canonical(const std::map<std::string, std::string>& person_of) {
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& [record, person] : person_of) groups[person].push_back(record);
  Partition out;
  for (auto& [person, members] : groups) {
    std::sort(members.begin(), members.end());
    out.push_back(std::move(members));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, std::string> Links(SqliteMatchStore& store) {
  std::map<std::string, std::string> out;
  int64_t cursor = 0;
  for (;;) {
    auto page = store.ListLinks(cursor, 1000);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->empty()) break;
    for (const match::RecordLinkView& link : *page) {
      out[link.agency + ":" + link.source_record_id] = link.person_id;
      cursor = link.cursor;
    }
  }
  return out;
}

// A store with every record applied in `order`, in batches of `batch`, with the model estimated
// once on the whole set first (as a deployment that ran Relink would have it).
struct Applied {
  std::unique_ptr<SqliteMatchStore> store;
  std::unique_ptr<MatchEngine> engine;
};

Applied Apply(std::vector<NormalizedRecord> records, uint64_t seed, size_t batch,
              const match::LinkModel* model) {
  Applied a;
  a.store = *SqliteMatchStore::Open(":memory:");
  a.engine =
      std::make_unique<MatchEngine>(a.store.get(), match::ClueScorer(match::EligibilityRules()));
  if (model != nullptr) {
    EXPECT_TRUE(a.store
                    ->InTransaction([&](match::MatchTransaction& tx) {
                      return tx.SaveLinkModel(*model, absl::Now());
                    })
                    .ok());
  }
  std::mt19937_64 rng(seed);
  std::shuffle(records.begin(), records.end(), rng);
  for (size_t i = 0; i < records.size(); i += batch) {
    std::vector<NormalizedRecord> part(
        records.begin() + static_cast<long>(i),
        records.begin() + static_cast<long>(std::min(records.size(), i + batch)));
    EXPECT_TRUE(a.engine->UpsertRecords(part, absl::Now()).ok());
  }
  return a;
}

TEST(IncrementalLinkingTest, ArrivalOrderDoesNotChangeThePersonsAndMatchesFromScratch) {
  const std::vector<NormalizedRecord> records = GeneratedRecords(4000);
  ASSERT_GT(records.size(), 500u);

  // From scratch (estimating the model), through the same engine.
  Applied scratch = Apply(records, 1, records.size(), nullptr);
  auto relinked = scratch.engine->RelinkAll(absl::Now());
  ASSERT_TRUE(relinked.ok()) << relinked.status();
  const Partition from_scratch = Canonical(Links(*scratch.store));
  match::LinkModel model = relinked->model;
  model.live_records = 0;  // counted again as records arrive

  size_t groups_with_several = 0;
  for (const auto& g : from_scratch) groups_with_several += g.size() > 1;
  EXPECT_GT(groups_with_several, 50u);

  for (uint64_t seed : {2, 3, 4}) {
    Applied incremental = Apply(records, seed, 37, &model);
    const Partition got = Canonical(Links(*incremental.store));
    // Count records whose group differs, to say how far apart they are if they are.
    std::map<std::string, std::vector<std::string>> group_of;
    for (const auto& g : got) {
      for (const auto& r : g) group_of[r] = g;
    }
    int differing = 0;
    for (const auto& g : from_scratch) {
      for (const auto& r : g) differing += group_of[r] != g;
    }
    EXPECT_EQ(differing, 0) << "seed " << seed << ": " << differing << " of " << records.size()
                            << " records in a different group than from scratch";
  }
}

NormalizedRecord Named(const std::string& id, const records::v1::NormalizedPerson& person) {
  NormalizedRecord r;
  r.set_agency("civil_affairs");
  r.set_source_record_id(id);
  r.set_version(1);
  r.set_record_date("2026-01-01");
  *r.mutable_person() = person;
  r.mutable_record()->mutable_social_assistance();
  return r;
}

TEST(IncrementalLinkingTest, ARetractionSplitsThePersonItHeldTogether) {
  using match::testing::TestPerson;
  const std::string id = match::testing::ValidId("34152319620520157");
  std::string typo = id;
  typo[12] = typo[12] == '9' ? '8' : '9';
  // A and C share nothing strong; B is close to both: A's number mistyped, C's phone.
  const auto a = TestPerson("张伟").Birth("1962-05-20").Male().Region("341523").Id(id);
  const auto b = TestPerson("张伟").Birth("1962-05-20").Male().Id(typo).Phone("13900000001");
  const auto c =
      TestPerson("张伟").Birth("1962-05-20").Male().Phone("13900000001").Region("110101");
  // The prior of a province-sized index, so that three records are judged as in one.
  match::LinkModel model;
  model.matches_per_record = 1e-6;
  std::vector<NormalizedRecord> records = {Named("A", a), Named("B", b), Named("C", c)};
  Applied applied = Apply(records, 1, 3, &model);
  auto links = Links(*applied.store);
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links["civil_affairs:A"], links["civil_affairs:B"]);
  EXPECT_EQ(links["civil_affairs:B"], links["civil_affairs:C"]);

  NormalizedRecord retract;
  retract.set_agency("civil_affairs");
  retract.set_source_record_id("B");
  retract.set_version(2);
  retract.set_retracted(true);
  ASSERT_TRUE(applied.engine->UpsertRecords({retract}, absl::Now()).ok());
  links = Links(*applied.store);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_NE(links["civil_affairs:A"], links["civil_affairs:C"]);
}

}  // namespace
}  // namespace lifeline
