// Precompiled header of the GoogleTest programs (cmake/Pch.cmake): the library one plus
// GoogleTest and GoogleMock, which every test translation unit parses.
#pragma once

#include "legate_pch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
