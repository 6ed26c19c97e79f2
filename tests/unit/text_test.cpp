// The packager's shared text helpers.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "packager/support/text.h"

using freeze::packager::join;
using freeze::packager::trim;

TEST_CASE("text: trim drops white space at both ends only") {
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim(" \n ").empty());
  CHECK(trim("").empty());
}

TEST_CASE("text: join puts the separator between items, also around empty ones") {
  CHECK(join(std::vector<std::string>{"a", "b", "c"}) == "a, b, c");
  CHECK(join(std::vector<std::string>{}).empty());
  CHECK(join(std::vector<std::string>{"", "x"}) == ", x");
  CHECK(join(std::set<std::string_view>{"b", "a"}, "; ") == "a; b");
}
