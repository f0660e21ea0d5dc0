// KeyTable (agg_key.h): byte keys to dense ids in insertion order, across rehashes, with
// keys whose hashes collide (the same hash, or the same slot), of lengths 0 to 40.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/agg_key.h"

namespace etl::runtime {
namespace {

TEST(KeyTable, IdsAreDenseInInsertionOrderAcrossRehashes) {
  KeyTable table;
  std::vector<std::string> keys;
  for (int i = 0; i < 20000; ++i) keys.push_back("k" + std::to_string(i * 7919));
  for (size_t i = 0; i < keys.size(); ++i) {
    bool inserted = false;
    EXPECT_EQ(table.FindOrInsert(keys[i], &inserted), i);
    EXPECT_TRUE(inserted);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    bool inserted = true;
    EXPECT_EQ(table.FindOrInsert(keys[i], &inserted), i);
    EXPECT_FALSE(inserted);
    EXPECT_EQ(table.Find(keys[i]), i);
    EXPECT_EQ(table.Key(static_cast<uint32_t>(i)), keys[i]);
  }
  EXPECT_EQ(table.Size(), keys.size());
  EXPECT_EQ(table.Find("missing"), KeyTable::kMissing);
  table.Clear();
  EXPECT_EQ(table.Size(), 0u);
  EXPECT_EQ(table.Find(keys[0]), KeyTable::kMissing);
}

TEST(KeyTable, KeysOfEveryLengthWithTheSameHashStayApart) {
  // Every key gets the same hash: one probe chain, so only the bytes tell them apart, for
  // lengths 0 to 40 and keys that differ in their first, middle or last byte only.
  KeyTable table;
  std::vector<std::string> keys;
  for (size_t n = 0; n <= 40; ++n) {
    std::string base(n, 'a');
    keys.push_back(base);
    for (size_t at : {size_t{0}, n / 2, n == 0 ? 0 : n - 1}) {
      if (n == 0) break;
      std::string other = base;
      other[at] = 'b';
      if (std::find(keys.begin(), keys.end(), other) == keys.end()) keys.push_back(other);
    }
  }
  constexpr uint64_t kSameHash = 0x1234567800000042ULL;
  for (size_t i = 0; i < keys.size(); ++i) {
    bool inserted = false;
    ASSERT_EQ(table.FindOrInsert(keys[i], kSameHash, &inserted), i) << "`" << keys[i] << "`";
    ASSERT_TRUE(inserted) << "`" << keys[i] << "`";
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    bool inserted = true;
    EXPECT_EQ(table.FindOrInsert(keys[i], kSameHash, &inserted), i) << "`" << keys[i] << "`";
    EXPECT_FALSE(inserted);
  }
  // Keys whose hashes share the low bits (the first slot probed) but not the high ones,
  // and the high bits but not the low ones.
  KeyTable tags;
  const std::vector<std::pair<std::string, uint64_t>> hashed = {
      {"x", 0x0000000100000005ULL}, {"y", 0x0000000200000005ULL}, {"z", 0x0000000100000006ULL}};
  for (size_t round = 0; round < 2; ++round) {
    for (size_t i = 0; i < hashed.size(); ++i) {
      bool inserted = false;
      EXPECT_EQ(tags.FindOrInsert(hashed[i].first, hashed[i].second, &inserted), i);
      EXPECT_EQ(inserted, round == 0);
    }
  }
}

}  // namespace
}  // namespace etl::runtime
