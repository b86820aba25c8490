#pragma once
/// `Result<T>`: a value or the `acme::Problem` that explains why there is none.
///
/// C++20 has no std::expected; this is the small subset Legate needs.  Errors that
/// outside input can cause travel as values; exceptions stay at library boundaries.

#include <cassert>
#include <utility>
#include <variant>

#include "broker/core/Problem.h"

namespace legate {

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(acme::Problem problem) : v_(std::in_place_index<1>, std::move(problem)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const acme::Problem& problem() const& {
        assert(!ok());
        return std::get<1>(v_);
    }
    acme::Problem&& problem() && {
        assert(!ok());
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<T, acme::Problem> v_;
};

/// Success carries nothing: `Status` is `Result<void>` in spirit.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() {
    return Ok{};
}

}  // namespace legate

/// Propagates a failed Result out of the enclosing function, which must return a Result.
#define LEGATE_TRY(expr)                                    \
    do {                                                    \
        auto&& legate_try_result_ = (expr);                 \
        if (!legate_try_result_.ok()) {                     \
            return std::move(legate_try_result_).problem(); \
        }                                                   \
    } while (false)
