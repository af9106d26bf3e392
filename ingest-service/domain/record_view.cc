#include "ingest-service/domain/record_view.h"

#include <utility>

namespace lifeline::ingest {

const FieldValue* RecordView::Find(std::string_view path) const {
  for (const FieldValue& field : fields) {
    if (field.path == path) return &field;
  }
  return nullptr;
}

std::string_view RecordView::Own(std::string text) {
  owned.push_back(std::make_shared<const std::string>(std::move(text)));
  return *owned.back();
}

std::string_view RecordView::Text(std::string_view path) const {
  const FieldValue* field = Find(path);
  return field == nullptr ? std::string_view() : field->text;
}

int64_t RecordView::Number(std::string_view path) const {
  const FieldValue* field = Find(path);
  return field == nullptr ? 0 : field->number;
}

}  // namespace lifeline::ingest
