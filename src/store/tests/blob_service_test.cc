#include "store/blob/blob_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/blob/blob_errc.h"
#include "store/blob/fs_blob_store.h"
#include "sqlite/database.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using namespace std::chrono_literals;

core::Timestamp at(std::int64_t ms) { return core::Timestamp{std::chrono::milliseconds{ms}}; }

struct Fixture {
  testing::TempDir dir;
  BlobOptions options;
  FsBlobStore* fs = nullptr;
  std::unique_ptr<BlobService> service;

  explicit Fixture(BlobOptions o = {}) : options(std::move(o)) {
    auto store = FsBlobStore::open(dir.str() + "/blobs");
    EXPECT_TRUE(store);
    fs = store->get();
    auto s = BlobService::open(options, std::move(*store), dir.str() + "/blobs/index.sqlite");
    EXPECT_TRUE(s);
    service = std::move(*s);
  }

  UploadedBlob upload(core::UserId user, std::string_view bytes, std::string_view type = "image/png",
                      core::Timestamp now = at(1000)) {
    auto up = service->begin_upload(user, type, bytes.size());
    EXPECT_TRUE(up) << up.error().message();
    // Two writes: the store hashes and writes as bytes come.
    EXPECT_TRUE((*up)->write(bytes.substr(0, bytes.size() / 2)));
    EXPECT_TRUE((*up)->write(bytes.substr(bytes.size() / 2)));
    auto done = (*up)->finish(now);
    EXPECT_TRUE(done) << done.error().message();
    return *done;
  }

  std::string read_all(const core::BlobId& id, ByteRange range) {
    auto r = service->read(id, range);
    EXPECT_TRUE(r);
    std::string out;
    char buf[7];
    for (;;) {
      auto n = (*r)->read(buf);
      EXPECT_TRUE(n);
      if (!n || *n == 0) break;
      out.append(buf, *n);
    }
    return out;
  }
};

constexpr core::UserId kAlice{1};
constexpr core::UserId kBob{2};

TEST(BlobService, NamesBlobsBySha256OfTheirBytes) {
  Fixture f;
  const auto up = f.upload(kAlice, "abc");
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  EXPECT_EQ(up.id.to_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(up.size, 3u);
  EXPECT_EQ(up.type, "image/png");
  EXPECT_EQ(f.read_all(up.id, {0, 3}), "abc");
}

TEST(BlobService, StoresIdenticalBytesOnce) {
  Fixture f;
  const auto first = f.upload(kAlice, "same bytes");
  const auto second = f.upload(kBob, "same bytes");
  EXPECT_TRUE(first.fresh);
  EXPECT_FALSE(second.fresh);
  EXPECT_EQ(first.id, second.id);
  std::size_t files = 0;
  ASSERT_TRUE(f.fs->for_each([&](const core::BlobId&, const BlobStat&) { ++files; }));
  EXPECT_EQ(files, 1u);
  EXPECT_TRUE(std::filesystem::is_empty(f.dir.path() / "blobs" / "tmp"));
  EXPECT_EQ(f.service->stats().deduplicated, 1u);
}

TEST(BlobService, BlobFilesAreOwnerOnly) {
  Fixture f;
  const auto up = f.upload(kAlice, "private");
  struct stat st {};
  ASSERT_EQ(::stat(f.fs->path_of(up.id).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST(BlobService, ReadsAByteRange) {
  Fixture f;
  const auto up = f.upload(kAlice, "0123456789abcdefghij");
  EXPECT_EQ(f.read_all(up.id, {5, 10}), "56789abcde");
  EXPECT_EQ(f.read_all(up.id, {20, 0}), "");
  auto past = f.service->read(up.id, {15, 6});
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error(), blob_errc::bad_range);
}

TEST(BlobService, RefusesTypesOutsideTheAllowList) {
  Fixture f;
  auto up = f.service->begin_upload(kAlice, "text/html", 10);
  ASSERT_FALSE(up);
  EXPECT_EQ(up.error(), blob_errc::unsupported_type);
  EXPECT_TRUE(f.service->begin_upload(kAlice, "Image/PNG; charset=x", 10));
  EXPECT_FALSE(f.service->begin_upload(kAlice, "image", 10));
  EXPECT_FALSE(f.service->begin_upload(kAlice, "", 10));
}

TEST(BlobService, WildcardAllowsAWholeTopLevelType) {
  BlobOptions o;
  o.allowed_types = {"video/*"};
  Fixture f(o);
  EXPECT_TRUE(f.service->allowed("video/x-matroska"));
  EXPECT_FALSE(f.service->allowed("videox/a"));
  EXPECT_FALSE(f.service->allowed("image/png"));
}

TEST(BlobService, RefusesAnUploadOverTheLimitDeclaredOrStreamed) {
  BlobOptions o;
  o.max_bytes = 10;
  Fixture f(o);
  auto declared = f.service->begin_upload(kAlice, "image/png", 11);
  ASSERT_FALSE(declared);
  EXPECT_EQ(declared.error(), blob_errc::too_large);
  auto up = f.service->begin_upload(kAlice, "image/png", std::nullopt);
  ASSERT_TRUE(up);
  EXPECT_TRUE((*up)->write("0123456789"));
  auto over = (*up)->write("x");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), blob_errc::too_large);
  up->reset();
  EXPECT_TRUE(std::filesystem::is_empty(f.dir.path() / "blobs" / "tmp"));
}

TEST(BlobService, BoundsConcurrentUploads) {
  BlobOptions o;
  o.max_concurrent_uploads = 2;
  Fixture f(o);
  auto a = f.service->begin_upload(kAlice, "image/png", 1);
  auto b = f.service->begin_upload(kAlice, "image/png", 1);
  auto c = f.service->begin_upload(kAlice, "image/png", 1);
  ASSERT_TRUE(a && b);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), blob_errc::busy);
  a->reset();
  EXPECT_TRUE(f.service->begin_upload(kAlice, "image/png", 1));
}

TEST(BlobService, AccessNamesUploaderAndReferencingThreads) {
  Fixture f;
  const auto up = f.upload(kAlice, "photo");
  auto alice = f.service->access(kAlice, up.id);
  ASSERT_TRUE(alice);
  EXPECT_TRUE(alice->uploaded_by_user);
  EXPECT_TRUE(alice->threads.empty());
  const core::Attachment a{up.id, "image/png", up.size, "p.png", 10, 20};
  ASSERT_TRUE(f.service->reference(kAlice, core::ThreadId{7}, std::span(&a, 1)));
  auto bob = f.service->access(kBob, up.id);
  ASSERT_TRUE(bob);
  EXPECT_FALSE(bob->uploaded_by_user);
  EXPECT_EQ(bob->threads, std::vector<core::ThreadId>{core::ThreadId{7}});
  core::BlobId unknown;
  auto none = f.service->access(kBob, unknown);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), blob_errc::not_found);
}

TEST(BlobService, ReferenceNeedsAnUploadBySenderWithTheSameSizeAndType) {
  Fixture f;
  const auto up = f.upload(kAlice, "photo");
  const core::Attachment a{up.id, "image/png", up.size, "p.png", std::nullopt, std::nullopt};
  auto by_bob = f.service->reference(kBob, core::ThreadId{7}, std::span(&a, 1));
  ASSERT_FALSE(by_bob);
  EXPECT_EQ(by_bob.error(), blob_errc::not_found);
  core::Attachment wrong_size = a;
  wrong_size.size = 99;
  EXPECT_EQ(f.service->reference(kAlice, core::ThreadId{7}, std::span(&wrong_size, 1)).error(),
            blob_errc::bad_reference);
  core::Attachment wrong_type = a;
  wrong_type.content_type = "image/gif";
  EXPECT_EQ(f.service->reference(kAlice, core::ThreadId{7}, std::span(&wrong_type, 1)).error(),
            blob_errc::bad_reference);
  // Nothing was recorded by the refused references.
  EXPECT_TRUE(f.service->access(kBob, up.id)->threads.empty());
}

TEST(BlobService, ReferenceBoundsCountAndNameLength) {
  BlobOptions o;
  o.max_attachments = 2;
  o.max_name_bytes = 4;
  Fixture f(o);
  const auto up = f.upload(kAlice, "photo");
  const core::Attachment a{up.id, "image/png", up.size, "name", std::nullopt, std::nullopt};
  std::vector<core::Attachment> three(3, a);
  EXPECT_EQ(f.service->reference(kAlice, core::ThreadId{1}, three).error(), blob_errc::too_large);
  core::Attachment long_name = a;
  long_name.name = "names";
  EXPECT_EQ(f.service->reference(kAlice, core::ThreadId{1}, std::span(&long_name, 1)).error(),
            blob_errc::too_large);
  EXPECT_TRUE(f.service->reference(kAlice, core::ThreadId{1}, std::span(&a, 1)));
}

TEST(BlobService, SweepRemovesOnlyUnreferencedBlobsPastRetention) {
  BlobOptions o;
  o.retention = 60s;
  Fixture f(o);
  const auto kept = f.upload(kAlice, "referenced", "image/png", at(0));
  const auto old = f.upload(kAlice, "forgotten", "image/png", at(0));
  const auto fresh = f.upload(kAlice, "just uploaded", "image/png", at(50'000));
  const core::Attachment a{kept.id, "image/png", kept.size, "", std::nullopt, std::nullopt};
  ASSERT_TRUE(f.service->reference(kAlice, core::ThreadId{1}, std::span(&a, 1)));

  auto removed = f.service->sweep(at(70'000), 100);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 1u);
  EXPECT_FALSE(f.fs->stat(old.id));
  EXPECT_EQ(f.service->access(kAlice, old.id).error(), blob_errc::not_found);
  EXPECT_TRUE(f.fs->stat(kept.id));
  EXPECT_TRUE(f.fs->stat(fresh.id));
  // A later pass, past the fresh one's retention, takes it too; the referenced one stays.
  EXPECT_EQ(*f.service->sweep(at(200'000), 100), 1u);
  EXPECT_TRUE(f.fs->stat(kept.id));
}

TEST(BlobService, AnUnsentMessagesReferencesStopCountingSoTheSweepTakesTheBlob) {
  BlobOptions o;
  o.retention = 60s;
  Fixture f(o);
  const auto both = f.upload(kAlice, "in two messages", "image/png", at(0));
  const auto one = f.upload(kAlice, "in one message", "image/png", at(0));
  const core::Attachment a{both.id, "image/png", both.size, "", std::nullopt, std::nullopt};
  const core::Attachment b{one.id, "image/png", one.size, "", std::nullopt, std::nullopt};
  const core::Attachment first[] = {a, b};
  ASSERT_TRUE(f.service->reference(kAlice, core::ThreadId{1}, first, core::MessageId{10}));
  ASSERT_TRUE(f.service->reference(kAlice, core::ThreadId{2}, std::span(&a, 1), core::MessageId{20}));
  EXPECT_EQ(*f.service->sweep(at(70'000), 100), 0u);

  ASSERT_TRUE(f.service->release(core::ThreadId{1}, core::MessageId{10}));
  // Bob, a participant of thread 1 only, can no longer read it because of that message.
  EXPECT_TRUE(f.service->access(kBob, one.id)->threads.empty());
  EXPECT_EQ(f.service->access(kBob, both.id)->threads, std::vector<core::ThreadId>{core::ThreadId{2}});
  EXPECT_EQ(*f.service->sweep(at(70'000), 100), 1u);
  EXPECT_FALSE(f.fs->stat(one.id));
  EXPECT_TRUE(f.fs->stat(both.id)) << "still cited by message 20";
  // Releasing again, or a message that cited nothing, changes nothing.
  EXPECT_TRUE(f.service->release(core::ThreadId{1}, core::MessageId{10}));
  EXPECT_TRUE(f.service->release(core::ThreadId{9}, core::MessageId{99}));
  EXPECT_TRUE(f.fs->stat(both.id));
}

TEST(BlobIndex, AVersionZeroIndexKeepsItsThreadReferencesAndANewerOneIsRefused) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/index.sqlite";
  core::BlobId id;
  id.bytes[0] = 7;
  {
    auto db = sqlite::Database::open(path, {});
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE blobs(id BLOB PRIMARY KEY, size INTEGER NOT NULL, type TEXT NOT NULL, "
                         "last_upload_ms INTEGER NOT NULL) WITHOUT ROWID; "
                         "CREATE TABLE refs(id BLOB NOT NULL, thread INTEGER NOT NULL, PRIMARY KEY(id, thread)) "
                         "WITHOUT ROWID;"));
    auto ins = db->prepare("INSERT INTO blobs VALUES(?1, 3, 'image/png', 0)");
    ASSERT_TRUE(ins.bind_blob(1, std::string_view(reinterpret_cast<const char*>(id.bytes.data()), 32)).run());
    auto ref = db->prepare("INSERT INTO refs VALUES(?1, 5)");
    ASSERT_TRUE(ref.bind_blob(1, std::string_view(reinterpret_cast<const char*>(id.bytes.data()), 32)).run());
  }
  {
    auto index = BlobIndex::open(path);
    ASSERT_TRUE(index);
    auto row = index->access(id, kBob);
    ASSERT_TRUE(row && *row);
    EXPECT_EQ((*row)->threads, std::vector<core::ThreadId>{core::ThreadId{5}});
    // A version-0 reference names no message: no unsend lets go of it.
    ASSERT_TRUE(index->release(core::ThreadId{5}, core::MessageId{1}));
    EXPECT_TRUE(index->unreferenced_before(at(1'000'000), 10)->empty());
  }
  {
    auto db = sqlite::Database::open(path, {});
    ASSERT_TRUE(db->exec("PRAGMA user_version = 2"));
  }
  EXPECT_FALSE(BlobIndex::open(path));
}

TEST(BlobService, ReUploadRenewsRetention) {
  BlobOptions o;
  o.retention = 60s;
  Fixture f(o);
  const auto up = f.upload(kAlice, "again", "image/png", at(0));
  f.upload(kBob, "again", "image/png", at(65'000));
  EXPECT_EQ(*f.service->sweep(at(70'000), 100), 0u);
  EXPECT_TRUE(f.fs->stat(up.id));
}

TEST(FsBlobStore, OpenClearsUploadsACrashLeftBehind) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "blobs" / "tmp");
  std::ofstream(dir.path() / "blobs" / "tmp" / "1-0.part") << "half";
  ASSERT_TRUE(FsBlobStore::open(dir.str() + "/blobs"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "blobs" / "tmp"));
}

TEST(FsBlobStore, IndexSurvivesReopen) {
  testing::TempDir dir;
  BlobOptions options;
  core::BlobId id;
  {
    auto s = BlobService::open(options, std::move(*FsBlobStore::open(dir.str() + "/b")), dir.str() + "/b/i.sqlite");
    ASSERT_TRUE(s);
    auto up = (*s)->begin_upload(kAlice, "text/plain", 2);
    ASSERT_TRUE((*up)->write("hi"));
    id = (*up)->finish(at(1))->id;
  }
  auto s = BlobService::open(options, std::move(*FsBlobStore::open(dir.str() + "/b")), dir.str() + "/b/i.sqlite");
  ASSERT_TRUE(s);
  auto access = (*s)->access(kAlice, id);
  ASSERT_TRUE(access);
  EXPECT_TRUE(access->uploaded_by_user);
  EXPECT_EQ(access->type, "text/plain");
}

}  // namespace
}  // namespace iris::store
