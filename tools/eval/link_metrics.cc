#include "tools/eval/link_metrics.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace lifeline::eval {

LinkReport EvaluateLinks(const Truth& truth, const std::vector<Link>& links) {
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, size_t> index;
  index.reserve(truth.records.size());
  for (size_t i = 0; i < truth.records.size(); ++i) {
    index.emplace(std::make_pair(absl::string_view(truth.records[i].agency),
                                 absl::string_view(truth.records[i].source_record_id)),
                  i);
  }
  LinkReport report;
  report.links = static_cast<int64_t>(links.size());
  std::vector<std::string> person_of(truth.records.size());
  for (const Link& link : links) {
    auto it = index.find(
        std::make_pair(absl::string_view(link.agency), absl::string_view(link.source_record_id)));
    if (it == index.end()) {
      ++report.unknown_links;
      continue;
    }
    person_of[it->second] = link.person_id;
  }
  for (const std::string& person : person_of) {
    if (person.empty()) ++report.unlinked_records;
  }
  report.pairs = ComputePairMetrics(truth.records, person_of);
  return report;
}

}  // namespace lifeline::eval
