# Helper functions shared by every directory of the build.
#
#   lifeline_cc_library(NAME <name> SRCS ... [HDRS ...] [DEPS ...])
#   lifeline_cc_binary(NAME <name> SRCS ... [DEPS ...])   (linked with jemalloc, LIFELINE_JEMALLOC)
#   lifeline_cc_test(NAME <name> SRCS ... [DEPS ...] LABELS unit|grpc|e2e [slow] [TIMEOUT s])
#     (`slow` tests are left out of the asan preset)
#   lifeline_proto_library(NAME <name> PROTOS ... [IMPORT_DIRS ...] [DEPS ...] [GRPC])
#   lifeline_fuzz_target(NAME <name> SRCS ... [DEPS ...] CORPUS <dir>)
#
# With LIFELINE_PCH (GCC, not clang-tidy), every target reuses one of two precompiled headers
# (cmake/pch/): library and binary code the standard library, protobuf, gRPC, Abseil, spdlog and
# prometheus-cpp; tests those plus GoogleTest. Parsing these headers was about 40 % of each
# file's compile time, and compiling dominates CI.

set(LIFELINE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)

function(_lifeline_apply_flags target)
  target_compile_options(${target} PRIVATE ${LIFELINE_WARNINGS})
  if(LIFELINE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(LIFELINE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(LIFELINE_CLANG_TIDY)
    set_target_properties(${target} PROPERTIES CXX_CLANG_TIDY "clang-tidy")
  endif()
endfunction()

# Flags shared by every target, and the precompiled header KIND (pch or test_pch) to reuse.
function(_lifeline_apply_common target)
  cmake_parse_arguments(ARG "" "PCH" "" ${ARGN})
  _lifeline_apply_flags(${target})
  if(LIFELINE_PCH)
    if(NOT ARG_PCH)
      set(ARG_PCH pch)
    endif()
    target_precompile_headers(${target} REUSE_FROM lifeline_${ARG_PCH})
    # The header was compiled with -pthread (which defines _REENTRANT) and spdlog's definitions;
    # a target must be compiled with the same ones or GCC refuses the header.
    target_compile_options(${target} PRIVATE -pthread)
    target_compile_definitions(${target} PRIVATE
                               $<TARGET_PROPERTY:spdlog::spdlog,INTERFACE_COMPILE_DEFINITIONS>)
  endif()
endfunction()

# The two precompiled headers (see the top of this file).
function(lifeline_define_pch)
  if(NOT LIFELINE_PCH)
    return()
  endif()
  set(base_deps gRPC::grpc++ protobuf::libprotobuf spdlog::spdlog prometheus-cpp::core
      absl::status absl::statusor absl::strings)
  add_library(lifeline_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/pch/pch_stub.cc)
  target_link_libraries(lifeline_pch PRIVATE ${base_deps})
  _lifeline_apply_flags(lifeline_pch)
  target_precompile_headers(lifeline_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/pch/lifeline_pch.h)
  add_library(lifeline_test_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/pch/pch_stub.cc)
  target_link_libraries(lifeline_test_pch PRIVATE ${base_deps} GTest::gtest GTest::gmock)
  _lifeline_apply_flags(lifeline_test_pch)
  target_precompile_headers(lifeline_test_pch PRIVATE
                            ${PROJECT_SOURCE_DIR}/cmake/pch/lifeline_pch.h
                            ${PROJECT_SOURCE_DIR}/cmake/pch/lifeline_test_pch.h)
endfunction()

function(lifeline_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  if(ARG_SRCS)
    add_library(${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
    target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
    _lifeline_apply_common(${ARG_NAME})
  else()
    add_library(${ARG_NAME} INTERFACE)
    target_include_directories(${ARG_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${ARG_NAME} INTERFACE ${ARG_DEPS})
  endif()
endfunction()

function(lifeline_cc_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} ${LIFELINE_MALLOC_LIBS})
  _lifeline_apply_common(${ARG_NAME})
endfunction()

function(lifeline_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    message(FATAL_ERROR "lifeline_cc_test(${ARG_NAME}) needs LABELS unit, grpc or e2e")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  _lifeline_apply_common(${ARG_NAME} PCH test_pch)
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                       ENVIRONMENT "LIFELINE_BIN_DIR=${CMAKE_BINARY_DIR}/bin;LIFELINE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# Generates C++ (and, with GRPC, gRPC service stubs) for PROTOS, given relative to the first of
# IMPORT_DIRS that contains them, and wraps the result in a static library.
function(lifeline_proto_library)
  cmake_parse_arguments(ARG "GRPC" "NAME" "PROTOS;IMPORT_DIRS;DEPS" ${ARGN})
  set(out_dir ${CMAKE_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out_dir})
  set(import_flags)
  foreach(dir ${ARG_IMPORT_DIRS})
    list(APPEND import_flags -I${dir})
  endforeach()
  set(srcs)
  set(hdrs)
  foreach(proto ${ARG_PROTOS})
    set(abs "")
    foreach(dir ${ARG_IMPORT_DIRS})
      if(NOT abs AND EXISTS ${dir}/${proto})
        set(abs ${dir}/${proto})
      endif()
    endforeach()
    if(NOT abs)
      message(FATAL_ERROR "proto ${proto} not found in ${ARG_IMPORT_DIRS}")
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outputs ${out_dir}/${stem}.pb.cc ${out_dir}/${stem}.pb.h)
    set(plugin_flags)
    if(ARG_GRPC)
      list(APPEND outputs ${out_dir}/${stem}.grpc.pb.cc ${out_dir}/${stem}.grpc.pb.h)
      set(plugin_flags --grpc_out=${out_dir} --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc ARGS --cpp_out=${out_dir} ${plugin_flags} ${import_flags} ${abs}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND srcs ${out_dir}/${stem}.pb.cc)
    list(APPEND hdrs ${out_dir}/${stem}.pb.h)
    if(ARG_GRPC)
      list(APPEND srcs ${out_dir}/${stem}.grpc.pb.cc)
      list(APPEND hdrs ${out_dir}/${stem}.grpc.pb.h)
    endif()
  endforeach()
  add_library(${ARG_NAME} STATIC ${srcs} ${hdrs})
  target_include_directories(${ARG_NAME} SYSTEM PUBLIC ${out_dir})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS} protobuf::libprotobuf)
  if(ARG_GRPC)
    target_link_libraries(${ARG_NAME} PUBLIC gRPC::grpc++)
  endif()
  set_target_properties(${ARG_NAME} PROPERTIES CXX_CLANG_TIDY "")
endfunction()

# A libFuzzer target: SRCS define LLVMFuzzerTestOneInput. Always builds <name>_replay, which runs
# every file of the seed CORPUS once through it (common/testing/fuzz_replay_main.cc) as a unit
# test; with clang also builds the fuzzer <name> itself (run it with `make fuzz`, preset fuzz).
function(lifeline_fuzz_target)
  cmake_parse_arguments(ARG "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_CORPUS)
    message(FATAL_ERROR "lifeline_fuzz_target(${ARG_NAME}) needs CORPUS <dir>")
  endif()
  get_filename_component(corpus ${ARG_CORPUS} ABSOLUTE)
  set(replay ${ARG_NAME}_replay)
  add_executable(${replay} ${ARG_SRCS} ${PROJECT_SOURCE_DIR}/common/testing/fuzz_replay_main.cc)
  target_link_libraries(${replay} PRIVATE ${ARG_DEPS})
  _lifeline_apply_common(${replay})
  set_target_properties(${replay} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${replay} COMMAND ${replay} ${corpus})
  set_tests_properties(${replay} PROPERTIES LABELS unit TIMEOUT 120)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_executable(${ARG_NAME} ${ARG_SRCS})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
    _lifeline_apply_flags(${ARG_NAME})
    target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined
                                               -fno-omit-frame-pointer)
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  endif()
endfunction()
