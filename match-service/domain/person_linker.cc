#include "match-service/domain/person_linker.h"

namespace lifeline::match {

LinkDecision PersonLinker::Link(const NormalizedPerson& person, const LinkContext& context) const {
  if (!person.id_token().empty()) return LinkDecision{context.token_person_id, kLinkIdToken};
  // A new version of a token-less record stays with its own singleton person.
  if (!context.current_person_id.empty() && context.current_person_is_singleton) {
    return LinkDecision{context.current_person_id, kLinkSingleton};
  }
  return LinkDecision{"", kLinkSingleton};
}

}  // namespace lifeline::match
