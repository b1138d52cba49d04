// testing.h: the conformance cases' tiny framework. Each case is a named function; CHECK throws with the
// file, line and a message, and `ofx-host test <name>` turns that into a non-zero exit for CTest.
#pragma once

#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ofxhost {

struct TestFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct TestContext {
    std::string pluginPath; // OFX_PLUGIN_PATH
    std::string bundle;     // the first Runway bundle found on it
};

using TestCase = std::function<void(TestContext&)>;

std::map<std::string, TestCase>& testRegistry();

struct RegisterTest {
    RegisterTest(const char* name, TestCase fn) { testRegistry()[name] = std::move(fn); }
};

#define OFX_TEST(name)                                                      \
    static void name(TestContext&);                                         \
    static const RegisterTest register_##name(#name, name);                 \
    static void name([[maybe_unused]] TestContext& ctx)

#define CHECK(cond, msg)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::ostringstream check_os_;                                                     \
            check_os_ << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed: " << msg; \
            throw TestFailure(check_os_.str());                                               \
        }                                                                                     \
    } while (0)

} // namespace ofxhost
