#include "store/blob/fs_blob_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "base/log.h"
#include "store/blob/blob_errc.h"

namespace iris::store {
namespace {

namespace fs = std::filesystem;

std::error_code io_failure(std::string_view what, const std::string& path, int err) {
  IRIS_LOG(error, "blob", "{} {}: {}", what, path, std::strerror(err));
  return blob_errc::io_error;
}

// Makes a rename or a new entry in `dir` durable.
int sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

class FsWriter final : public BlobWriter {
 public:
  // `store` must outlive the writer.
  FsWriter(const FsBlobStore& store, std::string temp, int fd, EVP_MD_CTX* sha)
      : store_(store), temp_(std::move(temp)), fd_(fd), sha_(sha) {}
  ~FsWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
    EVP_MD_CTX_free(sha_);
  }

  Result<void> write(std::string_view bytes) override {
    if (fd_ < 0 || synced_) return fail(blob_errc::io_error);
    // Hashed as it streams: the id is ready when the last byte is, with no second pass.
    EVP_DigestUpdate(sha_, bytes.data(), bytes.size());
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(io_failure("cannot write", temp_, errno));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
      size_ += static_cast<std::uint64_t>(n);
    }
    return {};
  }

  // fdatasync: the data and what is needed to read it back (the size); the temp file's
  // timestamps are not worth a second journal write. The name is made durable by commit().
  Result<void> sync() override {
    if (synced_) return {};
    if (fd_ < 0) return fail(blob_errc::io_error);
    if (::fdatasync(fd_) != 0) return fail(io_failure("cannot sync", temp_, errno));
    ::close(fd_);
    fd_ = -1;
    unsigned int len = 0;
    EVP_DigestFinal_ex(sha_, id_.bytes.data(), &len);
    synced_ = true;
    return {};
  }

  Result<Committed> commit() override {
    if (auto r = sync(); !r) return fail(r.error());
    Committed out;
    out.size = size_;
    out.id = id_;
    const std::string target = store_.path_of(out.id);
    const std::string parent = fs::path(target).parent_path().string();
    if (::mkdir(parent.c_str(), 0700) == 0) {
      if (const int err = sync_dir(fs::path(parent).parent_path().string()); err != 0) {
        return fail(io_failure("cannot sync", parent, err));
      }
    } else if (errno != EEXIST) {
      return fail(io_failure("cannot create", parent, errno));
    }
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) == size_) {
      out.fresh = false;  // the same bytes are there: the temp file goes with the destructor
      return out;
    }
    if (::rename(temp_.c_str(), target.c_str()) != 0) return fail(io_failure("cannot rename to", target, errno));
    committed_ = true;
    if (const int err = sync_dir(parent); err != 0) return fail(io_failure("cannot sync", parent, err));
    return out;
  }

 private:
  const FsBlobStore& store_;
  const std::string temp_;
  int fd_;
  EVP_MD_CTX* sha_;
  core::BlobId id_;      // set by sync()
  bool synced_ = false;  // sync() done: the fd is closed and id_ is the content's
  bool committed_ = false;
};

class FsReader final : public BlobReader {
 public:
  FsReader(int fd, ByteRange range) : fd_(fd), offset_(range.first), left_(range.length) {}
  ~FsReader() override { ::close(fd_); }

  Result<std::size_t> read(std::span<char> out) override {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), left_));
    if (want == 0) return std::size_t{0};
    ssize_t n;
    do {
      n = ::pread(fd_, out.data(), want, static_cast<off_t>(offset_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return fail(io_failure("cannot read", "blob", errno));
    if (n == 0) return fail(blob_errc::io_error);  // the file shrank under us: not ours to serve
    offset_ += static_cast<std::uint64_t>(n);
    left_ -= static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }
  std::uint64_t remaining() const override { return left_; }

 private:
  int fd_;
  std::uint64_t offset_;
  std::uint64_t left_;
};

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "tmp", ec);
  if (ec) {
    IRIS_LOG(error, "blob", "cannot create the blob directory {}: {}", dir, ec.message());
    return fail(blob_errc::io_error);
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  fs::permissions(fs::path(dir) / "tmp", fs::perms::owner_all, fs::perm_options::replace, ec);
  // Uploads a crash cut short: never named, so nothing refers to them.
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "tmp", ec)) fs::remove(entry.path(), ec);
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(dir));
}

std::string FsBlobStore::path_of(const core::BlobId& id) const {
  const std::string hex = id.to_hex();
  return dir_ + "/" + hex.substr(0, 2) + "/" + hex;
}

Result<std::unique_ptr<BlobWriter>> FsBlobStore::put() {
  const std::string temp =
      dir_ + "/tmp/" + std::to_string(::getpid()) + "-" + std::to_string(next_temp_.fetch_add(1)) + ".part";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(io_failure("cannot create", temp, errno));
  EVP_MD_CTX* sha = EVP_MD_CTX_new();
  if (sha == nullptr || EVP_DigestInit_ex(sha, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(sha);
    ::close(fd);
    ::unlink(temp.c_str());
    return fail(blob_errc::io_error);
  }
  return std::unique_ptr<BlobWriter>(std::make_unique<FsWriter>(*this, temp, fd, sha));
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::get(const core::BlobId& id, ByteRange range) const {
  const std::string path = path_of(id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(blob_errc::not_found);
    return fail(io_failure("cannot open", path, errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(io_failure("cannot stat", path, err));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (range.first > size || range.length > size - range.first) {
    ::close(fd);
    return fail(blob_errc::bad_range);
  }
  return std::unique_ptr<BlobReader>(std::make_unique<FsReader>(fd, range));
}

Result<BlobStat> FsBlobStore::stat(const core::BlobId& id) const {
  struct stat st {};
  const std::string path = path_of(id);
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return fail(blob_errc::not_found);
    return fail(io_failure("cannot stat", path, errno));
  }
  return BlobStat{static_cast<std::uint64_t>(st.st_size)};
}

Result<void> FsBlobStore::remove(const core::BlobId& id) {
  const std::string path = path_of(id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(io_failure("cannot remove", path, errno));
  return {};
}

Result<void> FsBlobStore::for_each(const std::function<void(const core::BlobId&, const BlobStat&)>& fn) const {
  std::error_code ec;
  for (const auto& sub : fs::directory_iterator(dir_, ec)) {
    if (!sub.is_directory() || sub.path().filename().string().size() != 2) continue;
    std::error_code inner;
    for (const auto& file : fs::directory_iterator(sub.path(), inner)) {
      const auto id = core::BlobId::from_hex(file.path().filename().string());
      if (!id) continue;
      std::error_code size_ec;
      const auto size = file.file_size(size_ec);
      if (!size_ec) fn(*id, BlobStat{size});
    }
    if (inner) return fail(io_failure("cannot list", sub.path().string(), inner.value()));
  }
  if (ec) return fail(io_failure("cannot list", dir_, ec.value()));
  return {};
}

}  // namespace iris::store
