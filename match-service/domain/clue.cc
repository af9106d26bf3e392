#include "match-service/domain/clue.h"

namespace lifeline::match {

std::string_view CategoryName(Category category) {
  switch (category) {
    case Category::kSeriousInjury:
      return "CATEGORY_SERIOUS_INJURY";
    case Category::kUrgentTreatment:
      return "CATEGORY_URGENT_TREATMENT";
    case Category::kDependantOfDeceased:
      return "CATEGORY_DEPENDANT_OF_DECEASED";
    case Category::kPropertyLoss:
      return "CATEGORY_PROPERTY_LOSS";
    case Category::kUnspecified:
      break;
  }
  return "CATEGORY_UNSPECIFIED";
}

std::string_view ClueStatusName(ClueStatus status) {
  switch (status) {
    case ClueStatus::kPendingReview:
      return "CLUE_STATUS_PENDING_REVIEW";
    case ClueStatus::kApproved:
      return "CLUE_STATUS_APPROVED";
    case ClueStatus::kRejected:
      return "CLUE_STATUS_REJECTED";
    case ClueStatus::kMoreInfoRequested:
      return "CLUE_STATUS_MORE_INFO_REQUESTED";
    case ClueStatus::kUnspecified:
      break;
  }
  return "CLUE_STATUS_UNSPECIFIED";
}

bool IsDecided(ClueStatus status) {
  return status == ClueStatus::kApproved || status == ClueStatus::kRejected;
}

}  // namespace lifeline::match
