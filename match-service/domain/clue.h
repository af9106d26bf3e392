// Clues as the domain sees them: the category a person may fall under for one case, the
// evidence behind it, and a procurator's reviews.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lifeline/match/v1/match_service.pb.h"

namespace lifeline::match {

// Values are lifeline.match.v1.Category's (pinned below).
enum class Category {
  kUnspecified = 0,
  kSeriousInjury = 1,
  kUrgentTreatment = 2,
  kDependantOfDeceased = 3,
  kPropertyLoss = 4,
  kCivilTort = 5,
};
// Returns e.g. "CATEGORY_DEPENDANT_OF_DECEASED".
std::string_view CategoryName(Category category);

// Values are lifeline.match.v1.ClueStatus's (pinned below).
enum class ClueStatus {
  kUnspecified = 0,
  kPendingReview = 1,
  kApproved = 2,
  kRejected = 3,
  kMoreInfoRequested = 4,
  kExcluded = 5,
  kWithdrawn = 6,
};
std::string_view ClueStatusName(ClueStatus status);

// Values are lifeline.match.v1.ClueTier's.
enum class Tier { kUnspecified = 0, kLow = 1, kMedium = 2, kHigh = 3 };
// Returns true for APPROVED and REJECTED, which no later review or re-scoring changes.
bool IsDecided(ClueStatus status);

// Values are lifeline.match.v1.Review.Decision's (pinned below).
enum class Decision {
  kUnspecified = 0,
  kApprove = 1,
  kReject = 2,
  kRequestInfo = 3,
  kInfoReceived = 4,
};

// Values are lifeline.match.v1.RejectReason's (pinned below).
enum class RejectReason {
  kUnspecified = 0,
  kNotEligible = 1,
  kCompensated = 2,
  kAlreadyAssisted = 3,
  kNoHardship = 4,
  kMajorFault = 5,
  kClaimWaived = 6,
  kNotCooperating = 7,
  kFalseEvidence = 8,
  kLitigationFirst = 9,
  kDataError = 10,
  kDeclined = 11,
  kOther = 12,
};
// Returns the reason's short code, e.g. "no_hardship" for kNoHardship ("" for kUnspecified or a
// value out of range).
std::string RejectReasonCode(RejectReason reason);

static_assert(static_cast<int>(Category::kSeriousInjury) == v1::CATEGORY_SERIOUS_INJURY);
static_assert(static_cast<int>(Category::kUrgentTreatment) == v1::CATEGORY_URGENT_TREATMENT);
static_assert(static_cast<int>(Category::kDependantOfDeceased) ==
              v1::CATEGORY_DEPENDANT_OF_DECEASED);
static_assert(static_cast<int>(Category::kPropertyLoss) == v1::CATEGORY_PROPERTY_LOSS);
static_assert(static_cast<int>(Category::kCivilTort) == v1::CATEGORY_CIVIL_TORT);
static_assert(static_cast<int>(Category::kCivilTort) == v1::Category_MAX);
static_assert(static_cast<int>(ClueStatus::kPendingReview) == v1::CLUE_STATUS_PENDING_REVIEW);
static_assert(static_cast<int>(ClueStatus::kApproved) == v1::CLUE_STATUS_APPROVED);
static_assert(static_cast<int>(ClueStatus::kRejected) == v1::CLUE_STATUS_REJECTED);
static_assert(static_cast<int>(ClueStatus::kMoreInfoRequested) ==
              v1::CLUE_STATUS_MORE_INFO_REQUESTED);
static_assert(static_cast<int>(ClueStatus::kExcluded) == v1::CLUE_STATUS_EXCLUDED);
static_assert(static_cast<int>(ClueStatus::kWithdrawn) == v1::CLUE_STATUS_WITHDRAWN);
static_assert(static_cast<int>(ClueStatus::kWithdrawn) == v1::ClueStatus_MAX);
static_assert(static_cast<int>(Tier::kLow) == v1::CLUE_TIER_LOW);
static_assert(static_cast<int>(Tier::kMedium) == v1::CLUE_TIER_MEDIUM);
static_assert(static_cast<int>(Tier::kHigh) == v1::CLUE_TIER_HIGH);
static_assert(static_cast<int>(Tier::kHigh) == v1::ClueTier_MAX);
static_assert(static_cast<int>(Decision::kApprove) == v1::Review::DECISION_APPROVE);
static_assert(static_cast<int>(Decision::kReject) == v1::Review::DECISION_REJECT);
static_assert(static_cast<int>(Decision::kRequestInfo) == v1::Review::DECISION_REQUEST_INFO);
static_assert(static_cast<int>(Decision::kInfoReceived) == v1::Review::DECISION_INFO_RECEIVED);
static_assert(static_cast<int>(Decision::kInfoReceived) == v1::Review::Decision_MAX);
static_assert(static_cast<int>(RejectReason::kNoHardship) == v1::REJECT_REASON_NO_HARDSHIP);
static_assert(static_cast<int>(RejectReason::kDataError) == v1::REJECT_REASON_DATA_ERROR);
static_assert(static_cast<int>(RejectReason::kOther) == v1::REJECT_REASON_OTHER);
static_assert(static_cast<int>(RejectReason::kOther) == v1::RejectReason_MAX);

// Shown among a clue's possible exclusions while the data no longer supports a clue a procurator
// already asked more about (a pending one would be withdrawn instead).
inline constexpr char kNoLongerSupported[] = "data_no_longer_supports_clue";

// Exclusions the data can show (DOMAIN.md, Art. 8).
inline constexpr char kExclusionMajorFault[] = "victim_major_fault";
inline constexpr char kExclusionAssisted[] = "already_assisted";
inline constexpr char kExclusionPaid[] = "compensation_paid";

// Questions a clue raises for what the data cannot show (DOMAIN.md, Art. 8): a reviewer
// answers them before deciding. QuestionText gives the wording.
inline constexpr char kQuestionHardshipBeforeCase[] = "hardship_before_case";
inline constexpr char kQuestionEnforcementOngoing[] = "enforcement_ongoing";
inline constexpr char kQuestionNoCivilClaim[] = "no_civil_claim";
inline constexpr char kQuestionArticle8[] = "article_8_checklist";
// The question's wording ("" for an unknown code).
std::string_view QuestionText(std::string_view code);

// Evidence roles.
inline constexpr char kRoleCategory[] = "category";
inline constexpr char kRoleUnpaidCompensation[] = "unpaid_compensation";
inline constexpr char kRoleHardship[] = "hardship";
inline constexpr char kRoleExclusion[] = "exclusion";

// One fact behind a clue.
struct Evidence {
  std::string agency;
  std::string source_record_id;
  std::string field;
  std::string value;
  std::string date;
  std::string role;
  bool operator==(const Evidence&) const = default;
};

// The suggested amount: a point figure within [min_fen, max_fen] with the steps that gave it.
struct AmountRange {
  int64_t min_fen = 0;  // the floor, or the cap when the cap is lower
  int64_t max_fen = 0;  // the cap
  int64_t point_fen = 0;
  std::vector<std::string> rationale;
  bool operator==(const AmountRange&) const = default;
};

// Another person of a clue's family: help is decided and delivered per family (DOMAIN.md), so a
// clue shows the case's victims and near relatives and the household's members, each with their
// own hardship on record.
struct FamilyMember {
  std::string person_id;
  // How they belong, e.g. "victim (HARM_DEATH)", "near relative (RELATION_PARENT, depended on
  // the victim)", "household".
  std::vector<std::string> relations;
  // "minor" (under 18), "elderly" (60 or over) or "" from the birth date on record.
  std::string age_group;
  // Their own hardship signals on record (current, or begun after the case).
  std::vector<std::string> hardship_signals;
  bool operator==(const FamilyMember&) const = default;
};

// What the scorer finds for one (person, case, category): everything a clue shows except its
// identity and review state.
struct ClueCandidate {
  std::string person_id;
  std::string case_number;
  Category category = Category::kUnspecified;
  // The case's handling unit's 6-digit division code ("" when the record gives none).
  std::string region_code;
  double score = 0;
  std::vector<Evidence> evidence;
  std::vector<std::string> hardship_signals;
  std::vector<std::string> possible_exclusions;
  // Exclusions the data show (kExclusion*): the candidate is kept as EXCLUDED, not a clue.
  std::vector<std::string> exclusions;
  // Questions for what the data cannot show (kQuestion*).
  std::vector<std::string> questions;
  // Needs seen in the data, for the referral plan ("bereavement", "minor", ...).
  std::vector<std::string> needs;
  AmountRange suggested_amount;
  // The other persons of the case and the household, ordered by person id.
  std::vector<FamilyMember> family;
  bool operator==(const ClueCandidate&) const = default;
};

// A procurator's decision on a clue.
struct Review {
  Decision decision = Decision::kUnspecified;
  int64_t amount_fen = 0;
  // The note: why, what is asked for or came in.
  std::string reason;
  std::string reviewer;
  std::string review_time;
  RejectReason reject_reason = RejectReason::kUnspecified;  // rejections only
};

// One step in a clue's life (kEvent* kinds).
struct ClueEvent {
  std::string time;
  std::string actor;
  std::string kind;
  std::string detail;
  bool operator==(const ClueEvent&) const = default;
};

inline constexpr char kEventCreated[] = "created";
inline constexpr char kEventUpdated[] = "updated";
inline constexpr char kEventExcluded[] = "excluded";
inline constexpr char kEventIncluded[] = "included";
inline constexpr char kEventWithdrawn[] = "withdrawn";
inline constexpr char kEventRestored[] = "restored";
inline constexpr char kEventFlagged[] = "flagged";
inline constexpr char kEventReviewed[] = "reviewed";

inline constexpr char kEventVerificationRequested[] = "verification_requested";
inline constexpr char kEventVerificationAnswered[] = "verification_answered";
inline constexpr char kEventVerificationOverdue[] = "verification_overdue";

// A verification request for a clue (sent by referral-service to a town or village office) and,
// once given, the office's answer: evidence a reviewer weighs.
struct ClueVerification {
  std::string verification_id;
  std::string department;
  std::string question;
  std::string state;  // "REQUESTED", "CONFIRMED", "NOT_CONFIRMED"
  std::string requested_by;
  std::string requested_time;
  std::string respond_by;
  std::string answer_note;
  std::vector<std::string> attachments;  // "name (type, N bytes, sha256 HEX)"
  std::string answered_by;
  std::string answered_time;
  std::string escalated_time = {};  // when referral-service escalated it as overdue; empty if not
  bool operator==(const ClueVerification&) const = default;
};

// What recording `incoming` over what is `stored` (nullopt: nothing yet) does: whether it is
// written, and the history events it adds, in the order they happened. The request, its
// escalation as overdue (escalated_time set) and the answer are each written and noted once,
// whatever order their copies arrive in (a later copy carries what the earlier ones said, so a
// lost or late copy leaves no gap); nothing replaces an answer.
struct VerificationRecord {
  bool write = false;
  std::vector<ClueEvent> events;
};
VerificationRecord DecideVerificationRecord(const std::optional<ClueVerification>& stored,
                                            const ClueVerification& incoming);

// A stored clue.
struct Clue {
  std::string clue_id;
  ClueCandidate candidate;
  ClueStatus status = ClueStatus::kPendingReview;
  std::vector<Review> reviews;
  std::string created_time;
  std::string updated_time;
  std::string plan_id;
  // The data no longer supports the clue (kept because a procurator is working on it).
  bool unsupported = false;
  // Oldest first.
  std::vector<ClueEvent> history;
  // Oldest first.
  std::vector<ClueVerification> verifications;
};

}  // namespace lifeline::match
