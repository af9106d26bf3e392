#include "gateway/proxy/openapi.h"

#include <set>
#include <string>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "gateway/proxy/api_routes.h"

namespace lifeline::gateway {
namespace {

google::protobuf::Struct Parse(const std::string& json) {
  google::protobuf::Struct document;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &document).ok());
  return document;
}

const google::protobuf::Struct& Object(const google::protobuf::Struct& parent,
                                       const std::string& key) {
  static const google::protobuf::Struct* empty = new google::protobuf::Struct();
  auto it = parent.fields().find(key);
  return it == parent.fields().end() ? *empty : it->second.struct_value();
}

// Every route the gateway serves is in the document it serves, with its method, its path
// parameters and its response schema; and the built document is the one the routes give now.
TEST(OpenApiTest, TheBuiltDocumentHasEveryRoute) {
  auto routes = RoutesFromServices(LifelineServices());
  ASSERT_TRUE(routes.ok()) << routes.status();
  const std::string& built = BuiltOpenApiDocument();
  EXPECT_EQ(built, OpenApiDocument(*routes)) << "the built document is stale";
  const google::protobuf::Struct document = Parse(built);
  const google::protobuf::Struct& paths = Object(document, "paths");
  ASSERT_GT(routes->size(), 20u);
  for (const ApiRoute& route : *routes) {
    std::string method = route.http_method;
    for (char& c : method) c = static_cast<char>(c - 'A' + 'a');
    SCOPED_TRACE(route.http_method + " " + route.path_template);
    const google::protobuf::Struct& operation = Object(Object(paths, route.path_template), method);
    ASSERT_FALSE(operation.fields().empty());
    EXPECT_EQ(operation.fields().at("operationId").string_value(), route.method->name());
    const std::string response_ref =
        Object(Object(Object(Object(Object(operation, "responses"), "200"), "content"),
                      "application/json"),
               "schema")
            .fields()
            .at("$ref")
            .string_value();
    EXPECT_EQ(response_ref, "#/components/schemas/" + route.method->output_type()->full_name());
    EXPECT_TRUE(Object(Object(document, "components"), "schemas")
                    .fields()
                    .contains(route.method->output_type()->full_name()));
  }
  for (const char* fixed : {"/healthz", "/readyz", "/openapi.json"}) {
    EXPECT_FALSE(Object(Object(paths, fixed), "get").fields().empty()) << fixed;
  }
  EXPECT_EQ(paths.fields().size(), [&] {
    std::set<std::string> templates;
    for (const ApiRoute& route : *routes) templates.insert(route.path_template);
    return templates.size() + 3;
  }());
}

TEST(OpenApiTest, DescribesParametersBodiesAndTypes) {
  const google::protobuf::Struct document = Parse(BuiltOpenApiDocument());
  const google::protobuf::Struct& paths = Object(document, "paths");
  const google::protobuf::Struct& review =
      Object(Object(paths, "/v1/clues/{clue_id}:review"), "post");
  ASSERT_FALSE(review.fields().empty());
  EXPECT_TRUE(review.fields().contains("requestBody"));
  const auto& parameters = review.fields().at("parameters").list_value();
  ASSERT_EQ(parameters.values_size(), 1);
  EXPECT_EQ(parameters.values(0).struct_value().fields().at("in").string_value(), "path");
  // A list route takes its filters from the query.
  const google::protobuf::Struct& list = Object(Object(paths, "/v1/clues"), "get");
  bool has_page_size = false;
  for (const auto& parameter : list.fields().at("parameters").list_value().values()) {
    has_page_size |= parameter.struct_value().fields().at("name").string_value() == "page_size";
  }
  EXPECT_TRUE(has_page_size);
  // 64-bit integers are strings in proto3 JSON; enums list their names.
  const google::protobuf::Struct& request = Object(
      Object(Object(document, "components"), "schemas"), "lifeline.match.v1.ReviewClueRequest");
  EXPECT_EQ(Object(Object(request, "properties"), "amountFen").fields().at("type").string_value(),
            "string");
  EXPECT_EQ(Object(Object(request, "properties"), "decision").fields().at("$ref").string_value(),
            "#/components/schemas/lifeline.match.v1.Review.Decision");
}

}  // namespace
}  // namespace lifeline::gateway
