// Precompiled header shared by every library and program target (cmake/Pch.cmake).
//
// Only headers that are stable (the standard library, nlohmann/json, OpenSSL) belong
// here: a change to this file rebuilds everything.  No Poco: clang emits the inline
// virtual members of Poco's classes into every object that uses the PCH, and targets
// that do not link Poco (the fuzzers) then fail to link.  Sources still include what
// they use; the build with -DLEGATE_PCH=OFF proves it.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>
