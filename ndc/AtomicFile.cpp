#include "ndc/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace legate::ndc {
namespace {

using acme::ErrorType;
using acme::Problem;

Problem systemError(const std::string& what, const std::filesystem::path& path) {
    return Problem::make(ErrorType::serverInternal,
                         what + " " + path.string() + ": " + std::strerror(errno));
}

std::filesystem::path tempNameFor(const std::filesystem::path& path) {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    std::ostringstream name;
    name << "." << path.filename().string() << ".tmp-" << ::getpid() << "-" << std::hex << random();
    return path.parent_path() / name.str();
}

Status syncDirectory(const std::filesystem::path& dir) {
    const auto name = dir.empty() ? std::filesystem::path(".") : dir;
    const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return systemError("open", name);
    }
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) {
        return systemError("fsync", name);
    }
    return okStatus();
}

/// Writes a new temp file next to `path` with `mode`, fsynced; returns its name.
Result<std::filesystem::path> writeTemp(const std::filesystem::path& path,
                                        const std::string& contents, mode_t mode) {
    const auto temp = tempNameFor(path);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        return systemError("create", temp);
    }
    // The umask may have narrowed `mode`; set it exactly (never wider than asked).
    if (::fchmod(fd, mode) != 0) {
        auto p = systemError("chmod", temp);
        ::close(fd);
        ::unlink(temp.c_str());
        return p;
    }
    size_t done = 0;
    while (done < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            auto p = systemError("write", temp);
            ::close(fd);
            ::unlink(temp.c_str());
            return p;
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        auto p = systemError("fsync", temp);
        ::close(fd);
        ::unlink(temp.c_str());
        return p;
    }
    if (::close(fd) != 0) {
        auto p = systemError("close", temp);
        ::unlink(temp.c_str());
        return p;
    }
    return temp;
}

}  // namespace

Status writeFileAtomic(const std::filesystem::path& path, const std::string& contents,
                       mode_t mode) {
    auto temp = writeTemp(path, contents, mode);
    LEGATE_TRY(temp);
    if (::rename(temp->c_str(), path.c_str()) != 0) {
        auto p = systemError("rename to", path);
        ::unlink(temp->c_str());
        return p;
    }
    return syncDirectory(path.parent_path());
}

Result<bool> createFileExclusive(const std::filesystem::path& path, const std::string& contents,
                                 mode_t mode) {
    auto temp = writeTemp(path, contents, mode);
    LEGATE_TRY(temp);
    const int rc = ::link(temp->c_str(), path.c_str());
    const int linkErrno = errno;
    ::unlink(temp->c_str());
    if (rc != 0) {
        if (linkErrno == EEXIST) {
            return false;
        }
        errno = linkErrno;
        return systemError("link", path);
    }
    LEGATE_TRY(syncDirectory(path.parent_path()));
    return true;
}

Result<std::string> readTextFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Problem::make(ErrorType::malformed, "cannot read " + path.string());
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

Status ensureDirectory(const std::filesystem::path& dir, mode_t mode) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
        return okStatus();
    }
    if (!dir.parent_path().empty() && dir.parent_path() != dir) {
        LEGATE_TRY(ensureDirectory(dir.parent_path(), 0755));
    }
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
        return systemError("mkdir", dir);
    }
    return okStatus();
}

}  // namespace legate::ndc
