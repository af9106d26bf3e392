// The review console's static files (gateway/console/), compiled into the gateway at build time
// and served under /console/ without a token; the pages then call the API with the user's token.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lifeline::gateway {

// name ("index.html", "app.js", ...) -> bytes. Generated (gateway/tools/embed_main.cc).
const std::map<std::string, std::string>& EmbeddedConsoleFiles();

struct StaticFile {
  const std::string* body;
  std::string content_type;
};

// The file for a request path under /console/ ("/console/" and "/console" give index.html), or
// nullopt for a name `files` does not hold (no path walking: names are looked up as they are).
std::optional<StaticFile> FindConsoleFile(const std::map<std::string, std::string>& files,
                                          std::string_view path);

}  // namespace lifeline::gateway
