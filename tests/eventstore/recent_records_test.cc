// RecentRecords serves consecutive committed records from memory, never
// past the committed position, and forgets the oldest past its bound.
#include "eventstore/postgres/recent_records.h"

#include <gtest/gtest.h>

namespace orgledger::eventstore {
namespace {

std::vector<RecordedEvent> Records(Position first, Position last) {
  std::vector<RecordedEvent> out;
  for (Position p = first; p <= last; ++p) {
    RecordedEvent e;
    e.position = p;
    out.push_back(e);
  }
  return out;
}

std::vector<Position> Positions(const std::vector<RecordedEvent>& records) {
  std::vector<Position> out;
  for (const RecordedEvent& e : records) out.push_back(e.position);
  return out;
}

TEST(RecentRecords, ServesConsecutiveRecordsUpToTheCommittedPosition) {
  RecentRecords recent(100);
  recent.Add(Records(1, 5));
  recent.Add(Records(8, 9));  // 6 and 7 came from elsewhere, not held
  EXPECT_EQ(Positions(recent.From(2, 4, 10)), (std::vector<Position>{2, 3, 4}));
  EXPECT_EQ(Positions(recent.From(4, 9, 10)), (std::vector<Position>{4, 5}));
  EXPECT_EQ(Positions(recent.From(1, 9, 2)), (std::vector<Position>{1, 2}));
  EXPECT_TRUE(recent.From(6, 9, 10).empty());
  EXPECT_TRUE(recent.From(8, 7, 10).empty());
}

TEST(RecentRecords, ForgetsTheOldestPastItsBound) {
  RecentRecords recent(3);
  recent.Add(Records(1, 5));
  EXPECT_TRUE(recent.From(2, 5, 10).empty());
  EXPECT_EQ(Positions(recent.From(3, 5, 10)), (std::vector<Position>{3, 4, 5}));
}

}  // namespace
}  // namespace orgledger::eventstore
