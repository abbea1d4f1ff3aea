# rapport_module(NAME n SRCS ... DEPS ...) declares one module as a static library.
# A module links only the modules its layer allows (see docs/architecture.md), so a
# forbidden call fails at link time.
# rapport_test(NAME n SRCS ... DEPS ...) declares a GoogleTest binary registered with CTest.

set(RAPPORT_WARNINGS -Wall -Wextra -Wshadow -Werror=switch -Wno-missing-field-initializers)

function(rapport_apply_sanitizers target)
  if(RAPPORT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${RAPPORT_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${RAPPORT_SANITIZE})
  endif()
endfunction()

function(rapport_module)
  cmake_parse_arguments(M "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(rapport_${M_NAME} STATIC ${M_SRCS})
  target_include_directories(rapport_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(rapport_${M_NAME} PRIVATE ${RAPPORT_WARNINGS})
  target_link_libraries(rapport_${M_NAME} PUBLIC ${M_DEPS})
  rapport_apply_sanitizers(rapport_${M_NAME})
endfunction()

function(rapport_test)
  cmake_parse_arguments(T "" "NAME" "SRCS;DEPS;PROPERTIES" ${ARGN})
  if(NOT RAPPORT_BUILD_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SRCS})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_options(${T_NAME} PRIVATE ${RAPPORT_WARNINGS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  rapport_apply_sanitizers(${T_NAME})
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 ${T_PROPERTIES})
endfunction()
