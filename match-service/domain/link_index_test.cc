#include "match-service/domain/link_index.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

records::v1::NormalizedPerson Person(const std::string& name, const std::string& birth,
                                     const std::string& region) {
  records::v1::NormalizedPerson p;
  p.set_name_normalized(name);
  p.set_name_original(name);
  p.set_birth_date(birth);
  p.set_region_code(region);
  // As ingest writes it: one syllable per Han character; a Latin name case-folded.
  static const std::map<std::string, std::string> kPinyin = {
      {"测试甲", "ce shi jia"},  {"测试乙", "ce shi yi"},      {"测试丙", "ce shi bing"},
      {"陈大文", "chen da wen"}, {"陈小明", "chen xiao ming"}, {"CHAN TAI MAN", "chan tai man"}};
  p.set_name_pinyin(kPinyin.at(name));
  return p;
}

LinkIndex::Entry Entry(const std::string& source, const std::string& person_id,
                       const records::v1::NormalizedPerson& p) {
  LinkIndex::Entry e;
  e.agency = "civil_affairs";
  e.source_record_id = source;
  e.person_id = person_id;
  e.link_reason = "singleton";
  e.features = linkage::ExtractFeatures(p);
  return e;
}

// The blocking key records of one name and birth date share (name_birth).
linkage::BlockKey NameBirthKey(const records::v1::NormalizedPerson& p) {
  std::vector<linkage::BlockKey> keys;
  linkage::BlockingKeys(linkage::ExtractFeatures(p), &keys);
  const auto& kinds = linkage::BlockingKeyKinds();
  for (const linkage::BlockKey& k : keys) {
    if (kinds[k.kind] == "name_birth") return k;
  }
  ADD_FAILURE() << "no name_birth key";
  return {};
}

TEST(InternedTest, EqualValuesShareOneCopyThatOutlivesTheirSources) {
  Interned a;
  {
    std::string source = "disabled_persons_federation";
    a = source;
    source.assign(source.size(), 'x');  // the source changes and goes away
  }
  const Interned b(std::string("disabled_persons_federation"));
  EXPECT_EQ(a, "disabled_persons_federation");
  EXPECT_EQ(a.view().data(), b.view().data());
  EXPECT_NE(Interned("court").view().data(), a.view().data());
  EXPECT_TRUE(Interned().empty());
  EXPECT_TRUE(Interned("").empty());
}

TEST(LinkIndexTest, PutFindsHoldersPersonsAndNameCounts) {
  LinkIndex index;
  const auto a = Person("测试甲", "1980-03-04", "110101");
  index.Put(1, Entry("r1", "per_1", a));
  index.Put(2, Entry("r2", "per_2", a));
  index.Put(3, Entry("r3", "per_1", Person("测试乙", "1990-01-01", "110101")));
  EXPECT_EQ(index.live_records(), 3);
  EXPECT_EQ(index.named_records(), 3);
  EXPECT_EQ(index.NameCount(index.Find(1)->features.pinyin_key), 2);
  EXPECT_THAT(index.RecordsOf("per_1"), ElementsAre(1, 3));
  EXPECT_THAT(index.RecordsOf("per_9"), IsEmpty());

  std::vector<int64_t> holders;
  EXPECT_TRUE(index.Holders(NameBirthKey(a), 10, &holders));
  EXPECT_THAT(holders, UnorderedElementsAre(1, 2));
}

TEST(LinkIndexTest, ReplacingAndRemovingARecordMovesItsKeysCountsAndPerson) {
  LinkIndex index;
  const auto a = Person("测试甲", "1980-03-04", "110101");
  const auto b = Person("测试丙", "1970-05-06", "110101");
  index.Put(1, Entry("r1", "per_1", a));
  index.Put(1, Entry("r1", "per_2", b));  // a new version of the same record
  EXPECT_EQ(index.live_records(), 1);
  std::vector<int64_t> holders;
  index.Holders(NameBirthKey(a), 10, &holders);
  EXPECT_THAT(holders, IsEmpty());
  index.Holders(NameBirthKey(b), 10, &holders);
  EXPECT_THAT(holders, ElementsAre(1));
  EXPECT_THAT(index.RecordsOf("per_1"), IsEmpty());
  EXPECT_THAT(index.RecordsOf("per_2"), ElementsAre(1));
  EXPECT_EQ(index.NameCount(linkage::ExtractFeatures(a).pinyin_key), 0);

  index.Remove(1);
  index.Remove(7);  // unknown: ignored
  EXPECT_EQ(index.live_records(), 0);
  EXPECT_EQ(index.named_records(), 0);
  EXPECT_EQ(index.Find(1), nullptr);
  holders.clear();
  index.Holders(NameBirthKey(b), 10, &holders);
  EXPECT_THAT(holders, IsEmpty());
}

TEST(LinkIndexTest, SearchFindsRecordsByIdTokenAndExactNameAndFollowsChanges) {
  LinkIndex index;
  auto with_id = [](records::v1::NormalizedPerson p, const std::string& token) {
    p.set_id_token(token);
    return p;
  };
  const auto a = Person("测试甲", "1980-03-04", "110101");
  index.Put(1, Entry("r1", "per_1", with_id(a, "tok-a")));
  index.Put(2, Entry("r2", "per_2", a));  // same name, no number
  index.Put(3, Entry("r3", "per_1", with_id(Person("测试乙", "1980-03-04", "110101"), "tok-a")));
  index.Put(4, Entry("r4", "per_3", Person("测试丙", "1980-03-04", "110101")));

  EXPECT_THAT(index.Search("tok-a", ""), ElementsAre(1, 3));
  EXPECT_THAT(index.Search("tok-a", "测试乙"), ElementsAre(3));
  EXPECT_THAT(index.Search("", "测试甲"), ElementsAre(1, 2));
  EXPECT_THAT(index.Search("tok-b", ""), IsEmpty());
  EXPECT_THAT(index.Search("", "测试"), IsEmpty());  // exact names only
  EXPECT_THAT(index.Search("", ""), IsEmpty());

  index.Put(1, Entry("r1", "per_1", with_id(Person("测试丙", "1980-03-04", "110101"), "tok-c")));
  index.Remove(2);
  EXPECT_THAT(index.Search("", "测试甲"), IsEmpty());
  EXPECT_THAT(index.Search("", "测试丙"), ElementsAre(1, 4));
  EXPECT_THAT(index.Search("tok-a", ""), ElementsAre(3));
  EXPECT_THAT(index.Search("tok-c", "测试丙"), ElementsAre(1));
}

// One dwelling: an address down to a house or room number, written with or without spaces and
// full-width digits; a street or village alone is none.
TEST(LinkIndexTest, DwellingFindsTheRecordsAtOneAddressAndFollowsChanges) {
  using linkage::DwellingOf;
  EXPECT_NE(DwellingOf("安徽省测试县测试村九组40号"), 0u);
  EXPECT_EQ(DwellingOf("安徽省测试县测试村九组40号"), DwellingOf("安徽省 测试县测试村九组４０号"));
  EXPECT_NE(DwellingOf("安徽省测试县测试村九组40号"), DwellingOf("安徽省测试县测试村九组41号"));
  EXPECT_NE(DwellingOf("合肥市测试路8栋502室"), 0u);
  for (const char* none :
       {"", "安徽省测试县测试村九组", "测试村40号", "安徽省测试县测试村第九号"}) {
    EXPECT_EQ(DwellingOf(none), 0u) << none;
  }
  LinkIndex index;
  auto at = [](const std::string& address) {
    records::v1::NormalizedPerson p = Person("测试甲", "1980-03-04", "110101");
    p.set_address(address);
    return p;
  };
  index.Put(1, Entry("r1", "per_1", at("安徽省测试县测试村九组40号")));
  index.Put(2, Entry("r2", "per_2", at("安徽省测试县测试村九组40号")));
  index.Put(3, Entry("r3", "per_3", at("安徽省测试县测试村九组41号")));
  const uint64_t home = DwellingOf("安徽省测试县测试村九组40号");
  EXPECT_THAT(index.Dwelling(home, 10), ElementsAre(1, 2));
  EXPECT_THAT(index.Dwelling(home, 1), IsEmpty());  // more records than a dwelling holds
  EXPECT_THAT(index.Dwelling(0, 10), IsEmpty());
  index.Put(2, Entry("r2", "per_2", at("安徽省测试县测试村九组41号")));  // moved
  EXPECT_THAT(index.Dwelling(home, 10), ElementsAre(1));
  index.Remove(1);
  EXPECT_THAT(index.Dwelling(home, 10), IsEmpty());
}

TEST(LinkIndexTest, AKeyKeepsItsRemainingHoldersAsOthersLeave) {
  LinkIndex index;
  const auto a = Person("测试甲", "1980-03-04", "110101");
  for (int64_t id = 1; id <= 3; ++id) index.Put(id, Entry(std::to_string(id), "", a));
  const linkage::BlockKey key = NameBirthKey(a);
  for (int64_t gone : {2, 1, 3}) {
    index.Remove(gone);
    std::vector<int64_t> holders;
    EXPECT_TRUE(index.Holders(key, 10, &holders));
    std::vector<int64_t> want;
    for (int64_t id = 1; id <= 3; ++id) {
      if (index.Find(id) != nullptr) want.push_back(id);
    }
    EXPECT_THAT(holders, UnorderedElementsAreArray(want)) << "after removing " << gone;
  }
  index.Put(4, Entry("4", "", a));
  std::vector<int64_t> holders;
  EXPECT_FALSE(index.Holders(key, 0, &holders));  // one holder is more than none
  EXPECT_TRUE(index.Holders(key, 1, &holders));
  EXPECT_THAT(holders, ElementsAre(4));
}

TEST(LinkIndexTest, AnOversizedBlockGivesNoHolders) {
  LinkIndex index;
  const auto a = Person("测试甲", "1980-03-04", "110101");
  for (int64_t id = 1; id <= 5; ++id) index.Put(id, Entry(std::to_string(id), "", a));
  std::vector<int64_t> holders = {99};
  EXPECT_FALSE(index.Holders(NameBirthKey(a), 4, &holders));
  EXPECT_THAT(holders, ElementsAre(99));  // what was there stays; nothing added
  EXPECT_TRUE(index.Holders(NameBirthKey(a), 5, &holders));
  EXPECT_EQ(holders.size(), 6u);
}

TEST(LinkIndexTest, AnIndexOnlyKeyMeetsOnlyOpenHolders) {
  // A Han name's Cantonese surname keys are index-only: they meet a romanized name's keys, not
  // each other.
  LinkIndex index;
  const auto han = Person("陈大文", "1980-03-04", "810000");
  const auto latin = Person("CHAN TAI MAN", "1980-03-04", "810000");
  index.Put(1, Entry("r1", "", han));
  index.Put(2, Entry("r2", "", Person("陈小明", "1980-03-04", "810000")));
  index.Put(3, Entry("r3", "", latin));
  std::vector<linkage::BlockKey> han_keys;
  std::vector<linkage::BlockKey> latin_keys;
  linkage::BlockingKeys(linkage::ExtractFeatures(han), &han_keys);
  linkage::BlockingKeys(linkage::ExtractFeatures(latin), &latin_keys);
  const linkage::BlockKey* shared = nullptr;
  for (const linkage::BlockKey& k : han_keys) {
    for (const linkage::BlockKey& l : latin_keys) {
      if (k.index_only && !l.index_only && k.key == l.key) shared = &k;
    }
  }
  ASSERT_NE(shared, nullptr) << "no index-only key of the Han name meets the romanized name";
  std::vector<int64_t> holders;
  index.Holders(*shared, 10, &holders);
  EXPECT_THAT(holders, ElementsAre(3));
  linkage::BlockKey open = *shared;
  open.index_only = false;
  holders.clear();
  index.Holders(open, 10, &holders);
  EXPECT_THAT(holders, UnorderedElementsAre(1, 2, 3));
}

TEST(LinkIndexTest, SetLinkMovesARecordBetweenPersons) {
  LinkIndex index;
  index.Put(1, Entry("r1", "per_1", Person("测试甲", "1980-03-04", "110101")));
  index.Put(2, Entry("r2", "per_2", Person("测试甲", "1980-03-04", "110101")));
  RecordLink link;
  link.record_id = 2;
  link.person_id = "per_1";
  link.reason = "probabilistic";
  link.partner_record_id = 1;
  link.vector = 42;
  index.SetLink(link);
  EXPECT_THAT(index.RecordsOf("per_1"), ElementsAre(1, 2));
  EXPECT_THAT(index.RecordsOf("per_2"), IsEmpty());
  EXPECT_EQ(index.Find(2)->link_reason, "probabilistic");
  EXPECT_EQ(index.Find(2)->link_partner, 1);
  EXPECT_EQ(index.Find(2)->link_vector, 42u);
}

TEST(LinkIndexTest, ReviewsAndPossibleMatchesAmongANeighbourhood) {
  LinkIndex index;
  MatchReview review;
  review.record_a = 5;
  review.record_b = 2;
  review.same = true;
  index.PutReview(review);
  review.same = false;  // a later decision on the same two records replaces it
  index.PutReview(review);
  const std::vector<MatchReview> among = index.ReviewsAmong({2, 3, 5});
  ASSERT_EQ(among.size(), 1u);
  EXPECT_EQ(among[0].record_a, 2);
  EXPECT_EQ(among[0].record_b, 5);
  EXPECT_FALSE(among[0].same);
  EXPECT_THAT(index.ReviewsAmong({2, 3}), IsEmpty());

  index.AddPossible(9, 4);
  index.AddPossible(4, 7);
  EXPECT_THAT(index.PossibleAmong({4, 9}), ElementsAre(std::make_pair(int64_t{4}, int64_t{9})));
  index.RemovePossible(4, 9);
  EXPECT_THAT(index.PossibleAmong({4, 9}), IsEmpty());
  EXPECT_THAT(index.PossibleAmong({4, 7}), ElementsAre(std::make_pair(int64_t{4}, int64_t{7})));
  index.ClearPossible();
  EXPECT_THAT(index.PossibleAmong({4, 7}), IsEmpty());
}

TEST(LinkIndexTest, BuildReadsEveryRecordAndStartsUnchanged) {
  std::vector<IndexedRecord> stored;
  for (int64_t id = 1; id <= 5000; ++id) {  // more than one extraction chunk
    IndexedRecord r;
    r.record_id = id;
    r.agency = "civil_affairs";
    r.source_record_id = std::to_string(id);
    r.person_id = "per_" + std::to_string(id % 7);
    r.person = Person(id % 2 == 0 ? "测试甲" : "测试乙", "1980-03-04", "110101");
    stored.push_back(r);
  }
  MatchReview review;
  review.record_a = 1;
  review.record_b = 2;
  auto built = LinkIndex::Build(
      [&](const auto& each) -> absl::Status {
        for (const IndexedRecord& r : stored) {
          if (absl::Status s = each(r); !s.ok()) return s;
        }
        return absl::OkStatus();
      },
      {review}, {{3, 4}}, 2);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_FALSE(built->changed());
  EXPECT_EQ(built->live_records(), 5000);
  EXPECT_EQ(built->NameCount(built->Find(2)->features.pinyin_key), 2500);
  EXPECT_EQ(built->Find(4999)->features.pinyin_key, built->Find(1)->features.pinyin_key);
  EXPECT_EQ(built->RecordsOf("per_3").size(), 714u);
  EXPECT_EQ(built->ReviewsAmong({1, 2}).size(), 1u);
  EXPECT_EQ(built->PossibleAmong({3, 4}).size(), 1u);

  auto failed = LinkIndex::Build(
      [](const auto&) { return absl::DataLossError("stored record does not parse"); }, {}, {}, 1);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace lifeline::match
