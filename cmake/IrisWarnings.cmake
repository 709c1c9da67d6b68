# Project-wide compile flags: warnings (errors in CI), sanitizers.
# iris_part(NAME ...) below is how every part declares its library and its tests.

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                    -Wimplicit-fallthrough)
if(IRIS_WERROR)
  add_compile_options(-Werror)
endif()

# A fuzz build instruments every library for coverage, not only the fuzz drivers: libFuzzer
# is blind to code compiled without it.
if(IRIS_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(IRIS_SANITIZE)
  add_compile_options(-fsanitize=${IRIS_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${IRIS_SANITIZE})
endif()

# iris_add_tests(PART SOURCES... [LIBS ...])
# One gtest binary per part, `iris_<part>_tests`, every case registered with CTest.
function(iris_add_tests part)
  if(NOT IRIS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  set(target iris_${part}_tests)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE iris_${part} ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS unit)
endfunction()

# iris_add_fuzzer(NAME SOURCE [LIBS ...])
# A libFuzzer target, built only with -DIRIS_FUZZ=ON and clang (scripts/test's fuzz stage).
# Run from scripts/test for a bounded time; corpus seeds may live beside the source.
function(iris_add_fuzzer name source)
  if(NOT IRIS_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(${name} ${source})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  set_property(GLOBAL APPEND PROPERTY IRIS_FUZZERS ${name})
endfunction()
