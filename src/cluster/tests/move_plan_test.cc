#include "cluster/move_plan.h"

#include <gtest/gtest.h>

namespace iris::cluster {
namespace {

using Kind = MovePlan::Kind;

TEST(MovePlan, AFreshMoveFencesCopiesAndPlaces) {
  EXPECT_EQ(plan_move({"a", std::nullopt}, "b").kind, Kind::move);
}

TEST(MovePlan, ARerunAfterACrashBeforeThePlacementCopiesAgainAndPlaces) {
  EXPECT_EQ(plan_move({"a", "b"}, "b").kind, Kind::resume);
}

TEST(MovePlan, ARerunAfterThePlacementFlippedFindsTheUserThere) {
  // The placement names the target: the move is done; the fence left in the old cell's store
  // is not read (the plan reads the current cell's store, which holds no fence).
  EXPECT_EQ(plan_move({"b", std::nullopt}, "b").kind, Kind::already_there);
}

TEST(MovePlan, AMoveAimedBackAtTheCurrentCellUndoesAHalfDoneMove) {
  EXPECT_EQ(plan_move({"a", "b"}, "a").kind, Kind::undo);
}

TEST(MovePlan, AMoveToAThirdCellWhileAnotherIsHalfDoneIsRefusedSayingHowToFinishOrUndo) {
  const auto p = plan_move({"a", "b"}, "c");
  EXPECT_EQ(p.kind, Kind::refuse);
  EXPECT_NE(p.why.find("user move USER b"), std::string::npos);
  EXPECT_NE(p.why.find("user move USER a"), std::string::npos);
}

TEST(MovePlan, TheMovedOwnerNameIsNeverAServersNameAndNamesItsCell) {
  EXPECT_EQ(moved_owner("eu1"), "moved:eu1");
  EXPECT_EQ(moved_to(moved_owner("eu1")), "eu1");
  EXPECT_EQ(moved_to("127.0.0.1:7001"), std::nullopt);
  EXPECT_EQ(moved_to("moved:"), std::nullopt);
}

}  // namespace
}  // namespace iris::cluster
