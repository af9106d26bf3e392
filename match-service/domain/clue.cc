#include "match-service/domain/clue.h"

namespace lifeline::match {

std::string_view CategoryName(Category category) {
  return v1::Category_Name(static_cast<v1::Category>(category));
}

std::string_view ClueStatusName(ClueStatus status) {
  return v1::ClueStatus_Name(static_cast<v1::ClueStatus>(status));
}

bool IsDecided(ClueStatus status) {
  return status == ClueStatus::kApproved || status == ClueStatus::kRejected;
}

}  // namespace lifeline::match
