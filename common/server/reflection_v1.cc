#include "common/server/reflection_v1.h"

#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

namespace lifeline::common {
namespace {

using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

void SetError(grpc::StatusCode code, const std::string& message,
              ServerReflectionResponse* response) {
  response->mutable_error_response()->set_error_code(static_cast<int>(code));
  response->mutable_error_response()->set_error_message(message);
}

// Adds `file` and, first, the dependencies not yet sent on this stream (as v1alpha does).
void AddFile(const google::protobuf::FileDescriptor* file, std::set<std::string>* sent,
             ServerReflectionResponse* response) {
  if (!sent->insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) AddFile(file->dependency(i), sent, response);
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  response->mutable_file_descriptor_response()->add_file_descriptor_proto(
      proto.SerializeAsString());
}

void Answer(const ServerReflectionRequest& request, const std::vector<std::string>& services,
            std::set<std::string>* sent, ServerReflectionResponse* response) {
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  auto send_file = [&](const google::protobuf::FileDescriptor* file, const std::string& what) {
    if (file == nullptr)
      return SetError(grpc::StatusCode::NOT_FOUND, what + " not found", response);
    // The requested file always comes back, even when sent before on this stream.
    sent->erase(file->name());
    AddFile(file, sent, response);
  };
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kListServices:
      for (const std::string& name : services) {
        response->mutable_list_services_response()->add_service()->set_name(name);
      }
      return;
    case ServerReflectionRequest::kFileByFilename:
      return send_file(pool->FindFileByName(request.file_by_filename()), "file");
    case ServerReflectionRequest::kFileContainingSymbol:
      return send_file(pool->FindFileContainingSymbol(request.file_containing_symbol()), "symbol");
    case ServerReflectionRequest::kFileContainingExtension: {
      const google::protobuf::Descriptor* type =
          pool->FindMessageTypeByName(request.file_containing_extension().containing_type());
      const google::protobuf::FieldDescriptor* extension =
          type == nullptr ? nullptr
                          : pool->FindExtensionByNumber(
                                type, request.file_containing_extension().extension_number());
      return send_file(extension == nullptr ? nullptr : extension->file(), "extension");
    }
    case ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const google::protobuf::Descriptor* type =
          pool->FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) return SetError(grpc::StatusCode::NOT_FOUND, "type not found", response);
      std::vector<const google::protobuf::FieldDescriptor*> extensions;
      pool->FindAllExtensions(type, &extensions);
      auto* numbers = response->mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const auto* extension : extensions) numbers->add_extension_number(extension->number());
      return;
    }
    case ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      return SetError(grpc::StatusCode::UNIMPLEMENTED, "request not implemented", response);
  }
}

}  // namespace

grpc::Status ReflectionV1Service::ServerReflectionInfo(
    grpc::ServerContext* /*context*/,
    grpc::ServerReaderWriter<ServerReflectionResponse, ServerReflectionRequest>* stream) {
  std::set<std::string> sent;
  ServerReflectionRequest request;
  while (stream->Read(&request)) {
    ServerReflectionResponse response;
    response.set_valid_host(request.host());
    *response.mutable_original_request() = request;
    Answer(request, *services_, &sent, &response);
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace lifeline::common
