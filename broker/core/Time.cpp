#include "broker/core/Time.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace legate {
namespace {

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm toUtc(TimePoint t) {
    const std::time_t secs =
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return tm;
}

bool readInt(std::string_view text, size_t pos, size_t len, int& out) {
    if (pos + len > text.size()) {
        return false;
    }
    for (size_t i = pos; i < pos + len; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return true;
}

int daysInMonth(int year, int month) {
    static constexpr std::array<int, 12> kLen = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kLen[month - 1];
}

std::optional<TimePoint> fromFields(int year, int month, int day, int hour, int minute,
                                    int second) {
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
        minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second == 60 ? 59 : second;  // leap second: clamp
    return TimePoint{std::chrono::seconds{timegm(&tm)}};
}

}  // namespace

std::string toRfc3339(TimePoint t) {
    const std::tm tm = toUtc(t);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::optional<TimePoint> parseRfc3339(std::string_view s) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (s.size() < 20 || !readInt(s, 0, 4, year) || s[4] != '-' || !readInt(s, 5, 2, month) ||
        s[7] != '-' || !readInt(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
        !readInt(s, 11, 2, hour) || s[13] != ':' || !readInt(s, 14, 2, minute) || s[16] != ':' ||
        !readInt(s, 17, 2, second)) {
        return std::nullopt;
    }
    size_t pos = 19;
    if (s[pos] == '.') {
        ++pos;
        const size_t digits = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            ++pos;
        }
        if (pos == digits) {
            return std::nullopt;
        }
    }
    int offsetSeconds = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh = 0, om = 0;
        if (!readInt(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !readInt(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offsetSeconds = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    auto t = fromFields(year, month, day, hour, minute, second);
    if (!t) {
        return std::nullopt;
    }
    return *t - std::chrono::seconds{offsetSeconds};
}

std::string toHttpDate(TimePoint t) {
    const std::tm tm = toUtc(t);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

std::optional<TimePoint> parseHttpDate(std::string_view s) {
    // "Sun, 06 Nov 1994 08:49:37 GMT", day may be one digit.
    if (s.size() < 28 || s[3] != ',' || s[4] != ' ') {
        return std::nullopt;
    }
    bool dayNameOk = false;
    for (const char* d : kDays) {
        dayNameOk = dayNameOk || s.substr(0, 3) == d;
    }
    if (!dayNameOk) {
        return std::nullopt;
    }
    size_t pos = 5;
    const size_t dayLen = s[6] == ' ' ? 1 : 2;
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    if (!readInt(s, pos, dayLen, day)) {
        return std::nullopt;
    }
    pos += dayLen;
    // The rest is " Nov 1994 08:49:37 GMT": exactly 22 characters.
    if (s.size() != pos + 22) {
        return std::nullopt;
    }
    if (s[pos] != ' ' || s[pos + 4] != ' ') {
        return std::nullopt;
    }
    int month = 0;
    for (int i = 0; i < 12; ++i) {
        if (s.substr(pos + 1, 3) == kMonths[i]) {
            month = i + 1;
        }
    }
    if (month == 0 || !readInt(s, pos + 5, 4, year) || s[pos + 9] != ' ' ||
        !readInt(s, pos + 10, 2, hour) || s[pos + 12] != ':' || !readInt(s, pos + 13, 2, minute) ||
        s[pos + 15] != ':' || !readInt(s, pos + 16, 2, second) || s.substr(pos + 18) != " GMT") {
        return std::nullopt;
    }
    return fromFields(year, month, day, hour, minute, second);
}

}  // namespace legate
