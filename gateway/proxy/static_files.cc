#include "gateway/proxy/static_files.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lifeline::gateway {
namespace {

std::string ContentTypeOf(std::string_view name) {
  auto ends_with = [name](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace

std::optional<StaticFile> FindConsoleFile(const std::map<std::string, std::string>& files,
                                          std::string_view path) {
  constexpr std::string_view kPrefix = "/console";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view name = path.substr(kPrefix.size());
  if (name.empty() || name == "/") {
    name = "index.html";
  } else if (name.front() == '/') {
    name.remove_prefix(1);
  } else {
    return std::nullopt;
  }
  auto it = files.find(std::string(name));
  if (it == files.end()) return std::nullopt;
  return StaticFile{&it->second, ContentTypeOf(name)};
}

}  // namespace lifeline::gateway
