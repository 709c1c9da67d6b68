#include "core/cursor.h"

#include <gtest/gtest.h>

#include "core/errc.h"

namespace iris::core {
namespace {

TEST(Cursor, NeverMovesBackward) {
  CursorSet set;
  const auto dev = CursorName::device(DeviceId{"phone"});
  ASSERT_EQ(set.advance(dev, Seq{5}, Seq{10}), Seq{5});
  EXPECT_EQ(set.advance(dev, Seq{3}, Seq{10}), Seq{5});
  EXPECT_EQ(set.position(dev), Seq{5});
  EXPECT_EQ(set.advance(dev, Seq{7}, Seq{10}), Seq{7});
}

TEST(Cursor, RefusesToMovePastHead) {
  CursorSet set;
  auto r = set.advance(CursorName::storage(), Seq{11}, Seq{10});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::cursor_beyond_head);
  EXPECT_FALSE(set.position(CursorName::storage()));
}

TEST(Cursor, CursorsAreIndependent) {
  CursorSet set;
  const auto a = CursorName::device(DeviceId{"a"});
  const auto b = CursorName::device(DeviceId{"b"});
  ASSERT_TRUE(set.advance(a, Seq{4}, Seq{9}));
  EXPECT_FALSE(set.position(b));
  EXPECT_FALSE(set.position(CursorName::storage()));
  set.drop(a);
  EXPECT_FALSE(set.position(a));
}

TEST(CursorName, ParsesOnlyStorageAndDeviceNames) {
  EXPECT_EQ(CursorName::parse("storage"), CursorName::storage());
  EXPECT_EQ(CursorName::parse("device:x"), CursorName::device(DeviceId{"x"}));
  EXPECT_EQ(CursorName::parse("device:").error(), errc::invalid_name);
  EXPECT_EQ(CursorName::parse("").error(), errc::invalid_name);
  EXPECT_EQ(CursorName::parse("Storage").error(), errc::invalid_name);
  EXPECT_TRUE(CursorName::storage().is_storage());
  EXPECT_FALSE(CursorName::device(DeviceId{"storage"}).is_storage());
}

}  // namespace
}  // namespace iris::core
