#include "tools/lifeline/match_review.h"

#include <cmath>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tools/lifeline/rules_command.h"

namespace lifeline::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void AddField(match::v1::PairExplanation* pair, const std::string& field, const std::string& level,
              double weight) {
  match::v1::FieldComparison* f = pair->add_fields();
  f->set_field(field);
  f->set_level(level);
  f->set_weight(weight);
}

// Same name, birth dates months apart, nothing else: a possible match at a prior of -2.
match::v1::PairExplanation PossiblePair() {
  match::v1::PairExplanation pair;
  pair.set_record_a("civil_affairs:MA-1");
  pair.set_record_b("court:J-1");
  AddField(&pair, "name", "exact", 9.78);
  AddField(&pair, "birth_date", "different", -5.32);
  AddField(&pair, "sex", "missing", 0);
  AddField(&pair, "region", "missing", 0);
  pair.set_weight(4.46);
  pair.set_identity_weight(4.46);
  pair.set_probability(1 / (1 + std::exp2(-(4.46 - 2))));
  pair.set_link_weight(8.63);
  pair.set_possible_weight(2);
  pair.set_person_a("per_a");
  pair.set_person_b("per_b");
  return pair;
}

TEST(CheckRecordKeyTest, NeedsAnAgencyAndARecordId) {
  EXPECT_TRUE(CheckRecordKey("court:J-1", "RECORD_A").ok());
  EXPECT_TRUE(CheckRecordKey("court:J:2024:1", "RECORD_A").ok());
  for (const char* bad : {"", "court", ":J-1", "court:", ":"}) {
    absl::Status st = CheckRecordKey(bad, "RECORD_B");
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(st.message(), HasSubstr("RECORD_B")) << bad;
  }
}

TEST(LevelSummaryTest, LeavesOutMissingFieldsAndShortensNames) {
  match::v1::PairExplanation pair = PossiblePair();
  AddField(&pair, "id_number", "near", 7.5);
  EXPECT_EQ(LevelSummary(pair.fields()), "name:exact birth:different id:near");
  match::v1::PairExplanation empty;
  AddField(&empty, "name", "missing", 0);
  EXPECT_EQ(LevelSummary(empty.fields()), "-");
}

TEST(PrintPairExplanationTest, ShowsEachFieldTheTotalPriorThresholdsAndBand) {
  std::ostringstream out;
  PrintPairExplanation(PossiblePair(), out);
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("civil_affairs:MA-1 and court:J-1"));
  EXPECT_THAT(text, HasSubstr("name         exact             +9.78"));
  EXPECT_THAT(text, HasSubstr("birth_date   different         -5.32"));
  EXPECT_THAT(text, HasSubstr("missing on either side (weigh nothing): sex, region"));
  EXPECT_THAT(text, HasSubstr("+4.46   identity +4.46, context +0.00"));
  EXPECT_THAT(text, HasSubstr("-2.00   (log2 odds"));
  EXPECT_THAT(text, HasSubstr("+2.46   probability 0.846"));
  EXPECT_THAT(text, HasSubstr("link at +8.63 (probability 0.99), possible match at +2.00 "
                              "(probability 0.50)"));
  EXPECT_THAT(text, HasSubstr("by weight: possible match"));
  EXPECT_THAT(text, HasSubstr("persons: per_a and per_b (two persons)"));
  EXPECT_THAT(text, HasSubstr("review: none"));
  EXPECT_THAT(text, Not(HasSubstr("only the strongest context agreement")));
}

TEST(PrintPairExplanationTest, SaysWhenContextAgreementsDoNotAllCount) {
  match::v1::PairExplanation pair = PossiblePair();
  AddField(&pair, "phone", "same", 13.0);
  AddField(&pair, "household", "same", 13.1);
  pair.set_weight(4.46 + 13.1);
  pair.set_context_weight(13.1);
  pair.set_probability(1.0);  // beyond a double's reach: no prior can be read back
  pair.set_person_b("per_a");
  pair.set_review("confirmed");
  std::ostringstream out;
  PrintPairExplanation(pair, out);
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("(the fields add to +30.56: only the strongest context agreement "
                              "counts)"));
  EXPECT_THAT(text, Not(HasSubstr("prior")));
  EXPECT_THAT(text, HasSubstr("thresholds: link at +8.63, possible match at +2.00"));
  EXPECT_THAT(text, HasSubstr("by weight: at or above the link weight"));
  EXPECT_THAT(text, HasSubstr("persons: per_a (one person)"));
  EXPECT_THAT(text, HasSubstr("review: confirmed"));
}

TEST(PrintPersonTest, ShowsEachRecordsLink) {
  match::v1::Person person;
  person.set_person_id("per_a");
  person.set_display_name("Zhou");
  person.set_birth_date("1970-02-11");
  match::v1::RecordRef* a = person.add_records();
  a->set_agency("court");
  a->set_source_record_id("J-1");
  a->set_version(2);
  a->set_kind("civil_judgment");
  a->set_link_reason("confirmed");
  a->set_linked_to("civil_affairs:MA-1");
  a->set_link_weight(4.463);
  *a->mutable_comparison() = PossiblePair().fields();
  match::v1::RecordRef* b = person.add_records();
  b->set_agency("civil_affairs");
  b->set_source_record_id("MA-1");
  b->set_version(1);
  b->set_kind("social_assistance");
  b->set_link_reason("singleton");
  std::ostringstream out;
  PrintPerson(person, out);
  EXPECT_THAT(out.str(), HasSubstr("person per_a  Zhou  born 1970-02-11\n  2 record(s):\n"));
  EXPECT_THAT(out.str(), HasSubstr("court:J-1 v2 civil_judgment: confirmed, joined to "
                                   "civil_affairs:MA-1 at +4.46 (name:exact birth:different)\n"));
  EXPECT_THAT(out.str(), HasSubstr("civil_affairs:MA-1 v1 social_assistance: singleton\n"));
}

TEST(PrintRulesPreviewTest, TotalsGroupsAndExamples) {
  match::v1::RulesPreview preview;
  preview.set_persons_scored(3);
  preview.mutable_total()->set_tier_down(1);
  preview.mutable_total()->set_amount_changed(1);
  match::v1::PreviewGroup* group = preview.add_groups();
  group->set_category(match::v1::CATEGORY_DEPENDANT_OF_DECEASED);
  group->set_city("3415");
  group->mutable_counts()->set_tier_down(1);
  match::v1::PreviewExample* example = preview.add_examples();
  example->set_change("tier_down");
  example->set_clue_id("clu_1");
  example->set_case_number("TEST-1");
  example->set_category(match::v1::CATEGORY_DEPENDANT_OF_DECEASED);
  example->set_region_code("341523");
  example->set_score_before(95);
  example->set_score_after(95);
  example->set_tier_before(match::v1::CLUE_TIER_HIGH);
  example->set_tier_after(match::v1::CLUE_TIER_MEDIUM);
  example->set_point_fen_before(5184000);
  example->set_point_fen_after(3456000);
  std::ostringstream out;
  PrintRulesPreview(preview, out);
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("3 person(s) scored; nothing was written"));
  EXPECT_THAT(text, HasSubstr("added 0, dropped 0, tier up 0, tier down 1, amount changed 1"));
  EXPECT_THAT(text, HasSubstr("dependant_of_deceased  3415"));
  EXPECT_THAT(text, HasSubstr("tier_down clu_1  case TEST-1  dependant_of_deceased  region "
                              "341523  score 95.0 -> 95.0  tier high -> medium  amount "
                              "51,840.00 -> 34,560.00 yuan"));
}

}  // namespace
}  // namespace lifeline::tools
