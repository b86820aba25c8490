# Precompiled headers: one for the libraries and programs (cmake/legate_pch.h), one for
# the test programs (cmake/legate_test_pch.h, which adds GoogleTest/GoogleMock).  Each is
# compiled once, by a small object library, and every other target reuses it
# (REUSE_FROM), so nlohmann/json, gtest and the standard library are parsed twice per
# build instead of once per translation unit.  The compile options are global
# (add_compile_options in the top CMakeLists.txt) and so are Poco's feature macros
# (legate_global_poco_definitions below): g++ refuses a PCH when a macro that system
# headers test (_XOPEN_SOURCE, _REENTRANT, ...) differs between it and the source, and
# -Winvalid-pch (added by CMake) makes that an error, so a PCH is never silently unused.
#
# -DLEGATE_PCH=OFF builds without them (proves every source includes what it uses).
#
# Off by default under clang: a clang PCH records the absolute paths of its build folder,
# so its bytes differ from clone to clone, and ccache, which hashes the PCH into the key
# of every object that uses it, then misses on every object of every new clone (measured:
# a warm cache gave 0 hits for the sanitizer build in a second clone).  Without the PCH
# clang's objects hit across clones; g++'s .gch carries no such paths.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(legate_pch_default ON)
else()
    set(legate_pch_default OFF)
endif()
option(LEGATE_PCH "Precompile the common headers (cmake/legate_pch.h)" ${legate_pch_default})

set(LEGATE_PCH_ANCHOR ${CMAKE_BINARY_DIR}/legate_pch_anchor.cpp)
if(LEGATE_PCH)
    # Where <legate_pch.h> is found, for every target: ccache preprocesses each source
    # with the -include of the PCH's generated header to compute its key.
    include_directories(${PROJECT_SOURCE_DIR}/cmake)
endif()

# legate_pch_target(NAME HEADER DEPS...): the object library that owns one PCH.
function(legate_pch_target name header)
    if(NOT EXISTS ${LEGATE_PCH_ANCHOR})
        file(WRITE ${LEGATE_PCH_ANCHOR} "// anchors the precompiled headers (cmake/Pch.cmake)\n")
    endif()
    add_library(${name} OBJECT ${LEGATE_PCH_ANCHOR})
    target_link_libraries(${name} PRIVATE ${ARGN})
    # Named in angle brackets: CMake then writes `#include <legate_pch.h>` into the
    # generated cmake_pch.hxx instead of the header's absolute path, so the file (and
    # every ccache key that hashes it) is the same in every clone.
    target_precompile_headers(${name} PRIVATE <${header}>)
endfunction()

# legate_apply_pch(DIR): every compiled target defined in DIR and below reuses a PCH:
# the test one for targets that link GoogleTest (directly or through the test support
# libraries), the library one for the others.
function(legate_apply_pch dir)
    if(NOT LEGATE_PCH)
        return()
    endif()
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target ${targets})
        get_target_property(type ${target} TYPE)
        if(NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|EXECUTABLE|OBJECT_LIBRARY)$"
           OR target MATCHES "^legate_(test_)?pch$")
            continue()
        endif()
        get_target_property(links ${target} LINK_LIBRARIES)
        if(links MATCHES "(^|;)(GTest::gtest|legate_test_support|ido_test_support)(;|$)"
           AND TARGET legate_test_pch)
            target_precompile_headers(${target} REUSE_FROM legate_test_pch)
        else()
            target_precompile_headers(${target} REUSE_FROM legate_pch)
        endif()
    endforeach()
    get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    foreach(subdir ${subdirs})
        legate_apply_pch(${subdir})
    endforeach()
endfunction()

# legate_global_poco_definitions(): Poco's interface definitions (_XOPEN_SOURCE=500,
# _REENTRANT, POCO_*, ...) for every target, so that every translation unit sees the same
# system-header configuration as the precompiled headers.
function(legate_global_poco_definitions)
    get_target_property(defs Poco::Foundation INTERFACE_COMPILE_DEFINITIONS)
    if(defs)
        set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY COMPILE_DEFINITIONS ${defs})
    endif()
endfunction()
