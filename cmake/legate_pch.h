// Precompiled header shared by every library and program target (cmake/Pch.cmake).
//
// Only headers that are stable (the standard library, nlohmann/json, OpenSSL, Poco's
// most used classes) belong here: a change to this file rebuilds everything.  Sources
// still include what they use; the build with -DLEGATE_PCH=OFF proves it.
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
#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
