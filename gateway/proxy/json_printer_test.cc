#include "gateway/proxy/json_printer.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "lifeline/gateway/v1/audit_service.pb.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/match/v1/match_service.pb.h"
#include "lifeline/referral/v1/referral_service.pb.h"

namespace lifeline::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Fills every field of `message` (and of its messages, to `depth`) with values drawn from `rng`:
// defaults too, so omission is exercised; `plain` keeps strings to text both printers escape
// alike.
void Fill(Message* message, std::mt19937* rng, int depth, bool plain) {
  const Descriptor* type = message->GetDescriptor();
  const auto* reflection = message->GetReflection();
  auto pick = [&](int n) { return static_cast<int>((*rng)() % static_cast<unsigned>(n)); };
  const std::vector<std::string> texts =
      plain ? std::vector<std::string>{"",
                                       "a",
                                       "测试乙",
                                       "340102",
                                       "2025-06-30T00:00:00Z",
                                       "clu_0661d5c0",
                                       "家庭困难 village committee"}
            : std::vector<std::string>{"",
                                       "quote \" back \\ slash",
                                       "tab\tnew\nline\r",
                                       "<script>&</script>",
                                       "\x01\x1f\x7f",
                                       "line\u2028sep",
                                       "😀 emoji",
                                       "bad \xff\xfe utf8"};
  auto set_one = [&](const FieldDescriptor* field, bool add) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        const int32_t v = pick(3) == 0 ? 0 : static_cast<int32_t>((*rng)());
        add ? reflection->AddInt32(message, field, v) : reflection->SetInt32(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        const uint32_t v = pick(3) == 0 ? 0 : (*rng)();
        add ? reflection->AddUInt32(message, field, v) : reflection->SetUInt32(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        const int64_t v =
            pick(3) == 0 ? 0 : (static_cast<int64_t>((*rng)()) << 31) * (pick(2) == 0 ? 1 : -1);
        add ? reflection->AddInt64(message, field, v) : reflection->SetInt64(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        const uint64_t v = pick(3) == 0 ? 0 : static_cast<uint64_t>((*rng)()) << 33;
        add ? reflection->AddUInt64(message, field, v) : reflection->SetUInt64(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        const std::vector<double> values = {0.0,
                                            1.0,
                                            0.85,
                                            1.0 / 3.0,
                                            123456.789,
                                            1e21,
                                            -2.5e-7,
                                            0.1 + 0.2,
                                            std::numeric_limits<double>::infinity(),
                                            std::numeric_limits<double>::quiet_NaN()};
        const double v = values[static_cast<size_t>(pick(static_cast<int>(values.size())))];
        add ? reflection->AddDouble(message, field, v) : reflection->SetDouble(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        const float v = pick(2) == 0 ? 0.0f : 0.3f;
        add ? reflection->AddFloat(message, field, v) : reflection->SetFloat(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const bool v = pick(2) == 0;
        add ? reflection->AddBool(message, field, v) : reflection->SetBool(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = field->enum_type();
        const int v = e->value(pick(e->value_count()))->number();
        add ? reflection->AddEnumValue(message, field, v)
            : reflection->SetEnumValue(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v = texts[static_cast<size_t>(pick(static_cast<int>(texts.size())))];
        if (field->type() == FieldDescriptor::TYPE_BYTES) v = "\x00\xff bytes" + v;
        add ? reflection->AddString(message, field, v) : reflection->SetString(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (depth <= 0) break;
        Message* child = add ? reflection->AddMessage(message, field)
                             : reflection->MutableMessage(message, field);
        Fill(child, rng, depth - 1, plain);
        break;
      }
    }
  };
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (pick(4) == 0) continue;  // left unset
    if (field->is_repeated()) {
      const int n = pick(4);
      for (int k = 0; k < n; ++k) set_one(field, true);
    } else {
      set_one(field, false);
    }
  }
}

// Every message type of the services the gateway fronts (requests, responses and what they
// hold), by descriptor.
std::vector<const Descriptor*> GatewayMessages() {
  std::vector<const Descriptor*> out;
  for (const auto* file :
       {match::v1::Clue::descriptor()->file(), ingest::v1::SubmitBatchRequest::descriptor()->file(),
        referral::v1::Plan::descriptor()->file(), gateway::v1::AuditEntry::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) out.push_back(file->message_type(i));
  }
  return out;
}

bool HasMap(const Descriptor* type, int depth = 0) {
  if (depth > 6) return false;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_map()) return true;
    if (field->message_type() != nullptr && HasMap(field->message_type(), depth + 1)) return true;
  }
  return false;
}

std::string Print(const Message& message) {
  std::string out;
  AppendJson(message, &out);
  return out;
}

// Messages whose strings both printers escape alike print to the very text protobuf's own printer
// gives (maps aside: its member order follows the map's iteration); every message, with any
// string, reads back through protobuf's JSON parser as the message printed.
TEST(JsonPrinterTest, AgreesWithProtobufsPrinterOnEveryGatewayMessage) {
  google::protobuf::DynamicMessageFactory factory;
  std::mt19937 rng(20261204);
  int compared_text = 0;
  for (const Descriptor* type : GatewayMessages()) {
    for (int round = 0; round < 40; ++round) {
      const bool plain = round % 2 == 0;
      std::unique_ptr<Message> message(factory.GetPrototype(type)->New());
      Fill(message.get(), &rng, 4, plain);
      const std::string ours = Print(*message);
      if (plain && !HasMap(type)) {
        std::string theirs;
        ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*message, &theirs).ok());
        ASSERT_EQ(ours, theirs) << type->full_name();
        ++compared_text;
      }
      std::unique_ptr<Message> back(factory.GetPrototype(type)->New());
      const auto parsed = google::protobuf::util::JsonStringToMessage(ours, back.get());
      ASSERT_TRUE(parsed.ok()) << type->full_name() << ": " << parsed << "\n" << ours;
      // NaN never equals itself: compare the texts.
      EXPECT_EQ(Print(*back), ours) << type->full_name();
    }
  }
  EXPECT_GT(compared_text, 100);
}

TEST(JsonPrinterTest, EscapesForHtmlAndReplacesInvalidUtf8) {
  match::v1::GetClueRequest request;
  request.set_clue_id(std::string("<a href=\"x\">\\</a>\n\x01\u2028 测\xff"));
  EXPECT_EQ(Print(request),
            "{\"clueId\":\"\\u003ca href=\\\"x\\\"\\u003e\\\\\\u003c/a\\u003e\\n\\u0001\\u2028 "
            "测\xEF\xBF\xBD\"}");
  EXPECT_EQ(Print(match::v1::GetClueRequest()), "{}");
}

}  // namespace
}  // namespace lifeline::gateway
