#include "idO/upstream/UpstreamAccountKey.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace legate::ido::upstream {
namespace {

acme::Problem fileProblem(const std::filesystem::path& path, const std::string& what) {
    return acme::Problem::make(acme::ErrorType::serverInternal,
                               "upstream account key " + path.string() + ": " + what);
}

std::string errnoText() {
    return std::strerror(errno);
}

/// Writes `data` to a fresh 0600 file next to `path` and links it to `path`.  Returns
/// false (with errno EEXIST) when `path` appeared meanwhile.
Status writeExclusive(const std::filesystem::path& path, const std::string& data) {
    std::random_device rd;
    const auto temp =
        path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(rd()));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return fileProblem(temp, "cannot create: " + errnoText());
    }
    size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const auto text = errnoText();
            ::close(fd);
            ::unlink(temp.c_str());
            return fileProblem(temp, "cannot write: " + text);
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const auto text = errnoText();
        ::unlink(temp.c_str());
        return fileProblem(temp, "cannot sync: " + text);
    }
    // link() fails with EEXIST instead of replacing: a concurrent creator wins cleanly.
    const int rc = ::link(temp.c_str(), path.c_str());
    const int linkErrno = errno;
    ::unlink(temp.c_str());
    if (rc != 0) {
        errno = linkErrno;
        return fileProblem(path, "cannot link into place: " + errnoText());
    }
    return okStatus();
}

}  // namespace

Result<crypto::PrivateKey> UpstreamAccountKey::load(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return fileProblem(path, "cannot stat: " + errnoText());
    }
    if (!S_ISREG(st.st_mode)) {
        return fileProblem(path, "not a regular file");
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        std::ostringstream mode;
        mode << std::oct << (st.st_mode & 0777);
        return fileProblem(path, "mode 0" + mode.str() +
                                     " gives group/other access; refusing a key that may "
                                     "have leaked (chmod 600 it or replace it)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fileProblem(path, "cannot open: " + errnoText());
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto key = crypto::PrivateKey::fromPem(text.str());
    if (!key) {
        return fileProblem(path, "not a usable private key: " + key.problem().detail);
    }
    return key;
}

Result<crypto::PrivateKey> UpstreamAccountKey::loadOrCreate(const std::filesystem::path& path,
                                                            crypto::KeyType type) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        return load(path);
    }
    auto key = crypto::PrivateKey::generate(type);
    if (!key) {
        return std::move(key).problem();
    }
    auto written = writeExclusive(path, key->toPem());
    if (!written) {
        if (std::filesystem::exists(path, ec)) {
            return load(path);  // another process created it first: use theirs
        }
        return std::move(written).problem();
    }
    return key;
}

}  // namespace legate::ido::upstream
