// What is test code rather than the app's: the test tools, and the test and build-time modules
// of installed packages. freeze check does not import them by default; freeze build's warnings
// about imports pass them over.
#pragma once

#include <set>
#include <string>

namespace freeze::packager {

// Why a third-party module is not imported by default (--tests imports it), or empty: test
// and build-time modules of installed packages, which fail for reasons no frozen app meets.
std::string third_party_test_reason(const std::string& name);

// True for a helper module for tests (numpy.testing, pylint.testutils._primer, astroid.test_utils),
// which needs what tests need.
bool is_test_helper(const std::string& name);

// Test tools (pytest & co.): a module that misses one is test code, not the app's.
const std::set<std::string>& test_tools();

}  // namespace freeze::packager
