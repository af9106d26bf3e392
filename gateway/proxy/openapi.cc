#include "gateway/proxy/openapi.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

#include "gateway/domain/http_error.h"
#include "gateway/domain/route_template.h"

namespace lifeline::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

// A JSON value with sorted object keys, enough to write the document deterministically.
struct Json {
  enum class Kind { kObject, kArray, kString, kLiteral } kind = Kind::kObject;
  std::map<std::string, Json> object;
  std::vector<Json> array;
  std::string text;  // a string's text, or a literal (number, true, false)

  static Json String(std::string s) {
    Json j;
    j.kind = Kind::kString;
    j.text = std::move(s);
    return j;
  }
  static Json Literal(std::string s) {
    Json j;
    j.kind = Kind::kLiteral;
    j.text = std::move(s);
    return j;
  }
  static Json Array(std::vector<Json> items) {
    Json j;
    j.kind = Kind::kArray;
    j.array = std::move(items);
    return j;
  }
  Json& operator[](const std::string& key) { return object[key]; }

  void Write(std::string* out, int indent) const {
    const std::string pad(static_cast<size_t>(indent) * 2, ' ');
    const std::string inner(static_cast<size_t>(indent + 1) * 2, ' ');
    switch (kind) {
      case Kind::kString:
        absl::StrAppend(out, "\"", JsonEscape(text), "\"");
        return;
      case Kind::kLiteral:
        absl::StrAppend(out, text);
        return;
      case Kind::kArray: {
        if (array.empty()) return absl::StrAppend(out, "[]");
        absl::StrAppend(out, "[\n");
        for (size_t i = 0; i < array.size(); ++i) {
          absl::StrAppend(out, inner);
          array[i].Write(out, indent + 1);
          absl::StrAppend(out, i + 1 < array.size() ? ",\n" : "\n");
        }
        absl::StrAppend(out, pad, "]");
        return;
      }
      case Kind::kObject: {
        if (object.empty()) return absl::StrAppend(out, "{}");
        absl::StrAppend(out, "{\n");
        size_t i = 0;
        for (const auto& [key, value] : object) {
          absl::StrAppend(out, inner, "\"", JsonEscape(key), "\": ");
          value.Write(out, indent + 1);
          absl::StrAppend(out, ++i < object.size() ? ",\n" : "\n");
        }
        absl::StrAppend(out, pad, "}");
        return;
      }
    }
  }
};

std::string Ref(const std::string& full_name) {
  return absl::StrCat("#/components/schemas/", full_name);
}

class SchemaBuilder {
 public:
  explicit SchemaBuilder(Json* schemas) : schemas_(schemas) {}

  // The schema of one value of `field` (its element for a repeated field).
  Json ValueSchema(const FieldDescriptor* field) {
    Json schema;
    switch (field->type()) {
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        schema["type"] = Json::String("integer");
        schema["format"] = Json::String("int32");
        break;
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        schema["type"] = Json::String("integer");
        schema["format"] = Json::String("uint32");
        break;
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        // proto3 JSON writes 64-bit integers as decimal strings.
        schema["type"] = Json::String("string");
        schema["format"] = Json::String("int64");
        break;
      case FieldDescriptor::TYPE_FLOAT:
      case FieldDescriptor::TYPE_DOUBLE:
        schema["type"] = Json::String("number");
        break;
      case FieldDescriptor::TYPE_BOOL:
        schema["type"] = Json::String("boolean");
        break;
      case FieldDescriptor::TYPE_STRING:
        schema["type"] = Json::String("string");
        break;
      case FieldDescriptor::TYPE_BYTES:
        schema["type"] = Json::String("string");
        schema["format"] = Json::String("byte");
        break;
      case FieldDescriptor::TYPE_ENUM:
        AddEnum(field->enum_type());
        schema["$ref"] = Json::String(Ref(field->enum_type()->full_name()));
        break;
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageRef(field->message_type());
    }
    return schema;
  }

  Json FieldSchema(const FieldDescriptor* field) {
    if (field->is_map()) {
      Json schema;
      schema["type"] = Json::String("object");
      schema["additionalProperties"] = ValueSchema(field->message_type()->map_value());
      return schema;
    }
    if (field->is_repeated()) {
      Json schema;
      schema["type"] = Json::String("array");
      schema["items"] = ValueSchema(field);
      return schema;
    }
    return ValueSchema(field);
  }

  // A reference to `type`'s schema (well-known types inline), adding the schema when new.
  Json MessageRef(const Descriptor* type) {
    Json schema;
    const std::string& name = type->full_name();
    if (name == "google.protobuf.Timestamp") {
      schema["type"] = Json::String("string");
      schema["format"] = Json::String("date-time");
      return schema;
    }
    if (name == "google.protobuf.Duration") {
      schema["type"] = Json::String("string");
      return schema;
    }
    if (name == "google.protobuf.Struct") {
      schema["type"] = Json::String("object");
      return schema;
    }
    if (name == "google.protobuf.Value" || name == "google.protobuf.Any") return Json();
    AddMessage(type);
    schema["$ref"] = Json::String(Ref(name));
    return schema;
  }

 private:
  void AddEnum(const EnumDescriptor* type) {
    if (!seen_.insert(type->full_name()).second) return;
    Json schema;
    schema["type"] = Json::String("string");
    std::vector<Json> values;
    for (int i = 0; i < type->value_count(); ++i)
      values.push_back(Json::String(type->value(i)->name()));
    schema["enum"] = Json::Array(std::move(values));
    (*schemas_)[type->full_name()] = std::move(schema);
  }

  void AddMessage(const Descriptor* type) {
    if (!seen_.insert(type->full_name()).second) return;
    (*schemas_)[type->full_name()] = Json();  // placeholder while recursing
    Json schema;
    schema["type"] = Json::String("object");
    Json properties;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      properties[field->json_name()] = FieldSchema(field);
    }
    schema["properties"] = std::move(properties);
    (*schemas_)[type->full_name()] = std::move(schema);
  }

  Json* schemas_;
  std::set<std::string> seen_;
};

Json JsonContent(Json schema) {
  Json content;
  content["application/json"]["schema"] = std::move(schema);
  return content;
}

Json ErrorResponse(const std::string& description) {
  Json response;
  response["description"] = Json::String(description);
  response["content"] = JsonContent([] {
    Json ref;
    ref["$ref"] = Json::String(Ref("Error"));
    return ref;
  }());
  return response;
}

// The top-level fields a client may set in the query: scalars, enums and lists of them, not
// bound by the path or the body.
std::vector<const FieldDescriptor*> QueryFields(const ApiRoute& route,
                                                const std::set<std::string>& path_fields) {
  std::vector<const FieldDescriptor*> fields;
  if (route.body == "*") return fields;
  const Descriptor* input = route.method->input_type();
  for (int i = 0; i < input->field_count(); ++i) {
    const FieldDescriptor* field = input->field(i);
    if (path_fields.count(field->name()) != 0 || field->name() == route.body) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
    fields.push_back(field);
  }
  return fields;
}

Json SimpleGet(const std::string& summary, const std::string& content_type) {
  Json operation;
  operation["summary"] = Json::String(summary);
  operation["security"] = Json::Array({});
  Json ok;
  ok["description"] = Json::String("OK");
  Json schema;
  schema["type"] = Json::String(content_type == "text/plain" ? "string" : "object");
  ok["content"][content_type]["schema"] = std::move(schema);
  operation["responses"]["200"] = std::move(ok);
  return operation;
}

}  // namespace

std::string OpenApiDocument(const std::vector<ApiRoute>& routes) {
  Json doc;
  doc["openapi"] = Json::String("3.0.3");
  doc["info"]["title"] = Json::String("Lifeline gateway");
  doc["info"]["version"] = Json::String("v1");
  doc["info"]["description"] = Json::String(
      "HTTP/JSON API of Lifeline, generated from the google.api.http annotations of its gRPC "
      "services. Every route needs `Authorization: Bearer <token>` (an API key or a JWT); roles "
      "decide who may call what (gateway/README.md).");
  Json schemas;
  SchemaBuilder builder(&schemas);
  Json paths;
  for (const ApiRoute& route : routes) {
    auto parsed = RouteTemplate::Parse(route.path_template);
    std::set<std::string> path_fields;
    // OpenAPI path templates name variables as they are; "{partner.department}" stays one name.
    if (parsed.ok()) {
      for (const std::string& variable : parsed->variables()) path_fields.insert(variable);
    }
    Json operation;
    operation["operationId"] = Json::String(route.method->name());
    operation["summary"] = Json::String(route.method->full_name());
    operation["tags"] = Json::Array({Json::String(route.method->service()->name())});
    std::vector<Json> parameters;
    for (const std::string& variable : path_fields) {
      Json parameter;
      parameter["name"] = Json::String(variable);
      parameter["in"] = Json::String("path");
      parameter["required"] = Json::Literal("true");
      std::vector<const FieldDescriptor*> parents;
      const FieldDescriptor* field =
          ResolveFieldPath(route.method->input_type(), variable, &parents);
      parameter["schema"] = field != nullptr ? builder.FieldSchema(field) : [] {
        Json s;
        s["type"] = Json::String("string");
        return s;
      }();
      parameters.push_back(std::move(parameter));
    }
    for (const FieldDescriptor* field : QueryFields(route, path_fields)) {
      Json parameter;
      parameter["name"] = Json::String(field->name());
      parameter["in"] = Json::String("query");
      parameter["schema"] = builder.FieldSchema(field);
      parameters.push_back(std::move(parameter));
    }
    if (!parameters.empty()) operation["parameters"] = Json::Array(std::move(parameters));
    if (!route.body.empty()) {
      const Descriptor* body_type = route.method->input_type();
      if (route.body != "*") {
        const FieldDescriptor* field = body_type->FindFieldByName(route.body);
        if (field != nullptr && field->message_type() != nullptr) body_type = field->message_type();
      }
      operation["requestBody"]["required"] = Json::Literal("true");
      operation["requestBody"]["content"] = JsonContent(builder.MessageRef(body_type));
    }
    Json ok;
    ok["description"] = Json::String("OK");
    ok["content"] = JsonContent(builder.MessageRef(route.method->output_type()));
    operation["responses"]["200"] = std::move(ok);
    for (const auto& [code, description] : std::vector<std::pair<std::string, std::string>>{
             {"400", "invalid request"},
             {"401", "missing or bad token"},
             {"403", "role, scope or region does not allow it"},
             {"404", "not found"},
             {"409", "conflicts with the current state"},
             {"429", "rate limited (Retry-After) or a service is behind"},
             {"503", "a service is unavailable"}}) {
      operation["responses"][code] = ErrorResponse(description);
    }
    std::string method = route.http_method;
    for (char& c : method) c = static_cast<char>(c - 'A' + 'a');
    paths[route.path_template][method] = std::move(operation);
  }
  paths["/healthz"]["get"] = SimpleGet("The gateway process is up (no token)", "text/plain");
  paths["/readyz"]["get"] =
      SimpleGet("Every upstream service serves (200) or not (503); no token", "application/json");
  paths["/openapi.json"]["get"] = SimpleGet("This document (no token)", "application/json");
  doc["paths"] = std::move(paths);

  Json error;
  error["type"] = Json::String("object");
  error["properties"]["code"]["type"] = Json::String("integer");
  error["properties"]["status"]["type"] = Json::String("string");
  error["properties"]["message"]["type"] = Json::String("string");
  schemas["Error"] = std::move(error);
  doc["components"]["schemas"] = std::move(schemas);
  doc["components"]["securitySchemes"]["bearer"]["type"] = Json::String("http");
  doc["components"]["securitySchemes"]["bearer"]["scheme"] = Json::String("bearer");
  Json security;
  security["bearer"] = Json::Array({});
  doc["security"] = Json::Array({std::move(security)});

  std::string out;
  doc.Write(&out, 0);
  out.push_back('\n');
  return out;
}

}  // namespace lifeline::gateway
