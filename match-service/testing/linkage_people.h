// Builds NormalizedPersons for linkage tests the way ingest-service normalizes them: the name
// through the shared NameNormalizer, the resident ID number into its keyed token (when valid)
// and near-match forms, documents into a keyed (type, number) token. Test data only: every name
// and number here is made up.
#pragma once

#include <string>
#include <string_view>

#include "common/identity/id_near_match.h"
#include "common/identity/id_number.h"
#include "common/identity/id_token.h"
#include "common/identity/name_normalizer.h"
#include "lifeline/records/v1/records.pb.h"

namespace lifeline::match::testing {

inline const common::IdTokenizer& TestTokenizer() {
  static const auto* tokenizer =
      new common::IdTokenizer(*common::IdTokenizer::Create("linkage-test-secret-0123456789"));
  return *tokenizer;
}

class TestPerson {
 public:
  explicit TestPerson(std::string_view name) {
    person_.set_name_original(std::string(name));
    common::NormalizedName n = common::DefaultNameNormalizer().Normalize(name);
    person_.set_name_normalized(n.normalized);
    person_.set_name_pinyin(n.pinyin);
  }
  TestPerson& Birth(std::string_view date) {
    person_.set_birth_date(std::string(date));
    return *this;
  }
  TestPerson& Male() {
    person_.set_sex(records::v1::SEX_MALE);
    return *this;
  }
  TestPerson& Female() {
    person_.set_sex(records::v1::SEX_FEMALE);
    return *this;
  }
  TestPerson& Region(std::string_view code) {
    person_.set_region_code(std::string(code));
    return *this;
  }
  TestPerson& Phone(std::string_view digits) {
    person_.set_phone_normalized(std::string(digits));
    return *this;
  }
  TestPerson& Household(std::string_view id) {
    person_.set_household_id(std::string(id));
    return *this;
  }
  TestPerson& Address(std::string_view address) {
    person_.set_address(std::string(address));
    return *this;
  }
  // A resident ID number as written; valid ones get a token, every one near-match forms.
  TestPerson& Id(std::string_view raw) {
    const common::ParsedIdNumber parsed = common::ParseIdNumber(raw);
    if (parsed.problem == common::IdNumberProblem::kNone) {
      person_.set_id_token(TestTokenizer().Token(parsed.canonical));
      person_.set_id_verified(true);
    }
    const common::IdNearForm near = common::IdNearEncoder(TestTokenizer()).Encode(parsed);
    person_.mutable_id_near()->set_core_token(near.core_token);
    person_.mutable_id_near()->set_prefix15_token(near.prefix15_token);
    for (uint64_t k : near.edit_keys) person_.mutable_id_near()->add_edit_keys(k);
    person_.mutable_id_near()->set_bigram_bloom(near.bigram_bloom);
    if (!parsed.region_code.empty()) person_.set_id_region_code(parsed.region_code);
    return *this;
  }
  TestPerson& Document(records::v1::IdType type, std::string_view number) {
    person_.set_document_type(type);
    person_.set_document_token(
        TestTokenizer().Token(records::v1::IdType_Name(type) + "|" + std::string(number)));
    return *this;
  }
  const records::v1::NormalizedPerson& person() const { return person_; }
  operator const records::v1::NormalizedPerson&() const { return person_; }  // NOLINT

 private:
  records::v1::NormalizedPerson person_;
};

// A valid 18-character number from its first 17 digits.
inline std::string ValidId(std::string_view first17) {
  return std::string(first17) + common::IdCheckCharacter(first17);
}

}  // namespace lifeline::match::testing
