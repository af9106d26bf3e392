// The facts match-service keeps from each agency record: who the record is about and what the
// agency says, as plain C++ (no protobuf). rpc/ fills these from lifeline.records.v1 messages; the
// enum values and names mirror the proto enums so evidence reads the same in both worlds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lifeline::match {

// Agency codes (records.proto conventions).
inline constexpr char kAgencyProcuratorate[] = "procuratorate";
inline constexpr char kAgencyCourt[] = "court";
inline constexpr char kAgencyCivilAffairs[] = "civil_affairs";
inline constexpr char kAgencyDisabledPersonsFederation[] = "disabled_persons_federation";
inline constexpr char kAgencyRuralRevitalization[] = "rural_revitalization";
inline constexpr char kAgencyWomensFederation[] = "womens_federation";
inline constexpr char kAgencyExServicemenAffairs[] = "ex_servicemen_affairs";
inline constexpr char kAgencyMedicalSecurity[] = "medical_security";

// Returns true for the agencies whose records can show hardship (every agency other than the
// procuratorate and the court).
bool IsHardshipAgency(std::string_view agency);

// Payload kind of a record; names are the proto oneof field names.
enum class RecordKind {
  kUnspecified = 0,
  kCriminalVictim,
  kNearRelative,
  kAssistanceGranted,
  kCivilJudgment,
  kEnforcement,
  kSocialAssistance,
  kDisabilityCertificate,
  kPovertyMonitoring,
  kWomenChildrenDifficulty,
  kVeteranStatus,
  kMedicalExpense,
};
// Returns e.g. "criminal_victim"; "unspecified" for kUnspecified.
std::string_view RecordKindName(RecordKind kind);

enum class Sex { kUnspecified = 0, kMale = 1, kFemale = 2 };

enum class Crime {
  kUnspecified = 0,
  kTraffic = 1,
  kIntentionalInjury = 2,
  kHomicide = 3,
  kRobbery = 4,
  kFraud = 5,
  kSexualOffence = 6,
  kDomesticViolence = 7,
  kOther = 8,
};
std::string_view CrimeName(Crime value);

enum class OffenderStatus {
  kUnspecified = 0,
  kUnknown = 1,
  kInCustody = 2,
  kDeceased = 3,
  kAtLarge = 4,
  kSentenced = 5,
};
std::string_view OffenderStatusName(OffenderStatus value);

enum class Harm {
  kUnspecified = 0,
  kDeath = 1,
  kSeriousInjury = 2,
  kMinorInjury = 3,
  kPropertyLoss = 4
};
std::string_view HarmName(Harm value);

enum class Relation {
  kUnspecified = 0,
  kParent = 1,
  kSpouse = 2,
  kChild = 3,
  kSibling = 4,
  kGrandparent = 5,
  kGrandchild = 6,
  kOtherDependant = 7,
};
std::string_view RelationName(Relation value);

enum class EnforcementStatus {
  kUnspecified = 0,
  kOngoing = 1,
  kTerminatedNoProperty = 2,
  kConcluded = 3
};
std::string_view EnforcementStatusName(EnforcementStatus value);

enum class Programme {
  kUnspecified = 0,
  kUrbanMinimumLiving = 1,
  kRuralMinimumLiving = 2,
  kExtremePoverty = 3,
  kLowIncome = 4,
  kTemporaryAssistance = 5,
};
std::string_view ProgrammeName(Programme value);

enum class DisabilityKind {
  kUnspecified = 0,
  kVisual = 1,
  kHearing = 2,
  kSpeech = 3,
  kLimb = 4,
  kIntellectual = 5,
  kMental = 6,
  kMultiple = 7,
};
std::string_view DisabilityKindName(DisabilityKind value);

enum class PovertyCategory {
  kUnspecified = 0,
  kUnstable = 1,
  kMarginal = 2,
  kSuddenHardship = 3,
  kFormerlyPoor = 4,
};
std::string_view PovertyCategoryName(PovertyCategory value);

enum class WomenChildrenKind {
  kUnspecified = 0,
  kSingleMother = 1,
  kDomesticViolenceVictim = 2,
  kLeftBehindWoman = 3,
  kLeftBehindChild = 4,
  kFinancialDifficulty = 5,
  kOther = 6,
};
std::string_view WomenChildrenKindName(WomenChildrenKind value);

enum class VeteranKind {
  kUnspecified = 0,
  kVeteran = 1,
  kEntitledGroup = 2,
  kVeteranInDifficulty = 3
};
std::string_view VeteranKindName(VeteranKind value);

// Who a record is about, after ingest's normalization. Never a raw ID number.
struct PersonKey {
  std::string id_token;
  std::string id_masked;
  std::string name_original;
  std::string name_normalized;
  Sex sex = Sex::kUnspecified;
  std::string birth_date;
  std::string region_code;
  std::string household_id;
};

struct VictimFacts {
  std::string case_number;
  Crime crime = Crime::kUnspecified;
  std::string case_date;
  OffenderStatus offender_status = OffenderStatus::kUnspecified;
  Harm harm = Harm::kUnspecified;
  int32_t disability_grade = 0;
  int64_t property_loss_fen = 0;
  bool victim_major_fault = false;
  bool needs_urgent_treatment = false;
};

struct RelativeFacts {
  std::string case_number;
  std::string victim_record_id;
  Relation relation = Relation::kUnspecified;
  bool depended_on_victim = false;
};

struct AssistanceFacts {
  std::string case_number;
  int64_t amount_fen = 0;
  std::string granted_date;
};

struct JudgmentFacts {
  std::string case_number;
  std::string judgment_number;
  int64_t amount_awarded_fen = 0;
  std::string judgment_date;
};

struct EnforcementFacts {
  std::string case_number;
  std::string judgment_number;
  std::string enforcement_number;
  int64_t amount_awarded_fen = 0;
  int64_t amount_paid_fen = 0;
  EnforcementStatus status = EnforcementStatus::kUnspecified;
  std::string status_date;
};

struct SocialAssistanceFacts {
  Programme programme = Programme::kUnspecified;
  bool household_head = false;
  std::string start_date;
  std::string end_date;
};

struct DisabilityFacts {
  DisabilityKind kind = DisabilityKind::kUnspecified;
  int32_t grade = 0;
  std::string issue_date;
};

struct PovertyMonitoringFacts {
  PovertyCategory category = PovertyCategory::kUnspecified;
  std::string start_date;
  std::string end_date;
};

struct WomenChildrenFacts {
  WomenChildrenKind kind = WomenChildrenKind::kUnspecified;
  std::string start_date;
};

struct VeteranFacts {
  VeteranKind kind = VeteranKind::kUnspecified;
  std::string start_date;
};

struct MedicalFacts {
  int32_t year = 0;
  int64_t out_of_pocket_fen = 0;
  bool catastrophic = false;
};

// One version of one agency record. Only the payload struct matching `kind` is meaningful; the
// others keep their defaults.
struct RecordFacts {
  std::string agency;
  std::string source_record_id;
  int64_t version = 0;
  std::string record_date;
  bool retracted = false;
  RecordKind kind = RecordKind::kUnspecified;
  PersonKey person;

  VictimFacts victim;
  RelativeFacts relative;
  AssistanceFacts assistance;
  JudgmentFacts judgment;
  EnforcementFacts enforcement;
  SocialAssistanceFacts social_assistance;
  DisabilityFacts disability;
  PovertyMonitoringFacts poverty;
  WomenChildrenFacts women_children;
  VeteranFacts veteran;
  MedicalFacts medical;

  // Returns the criminal case number the record belongs to, or "" for kinds without one.
  const std::string& CaseNumber() const;
};

}  // namespace lifeline::match
