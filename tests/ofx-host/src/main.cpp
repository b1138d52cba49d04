// main.cpp: the Runway OFX conformance host.
//
//   ofx-host list                 names of the conformance cases
//   ofx-host test <case>          runs one case (exit 0 = pass); CTest runs each as its own test
//   ofx-host describe             lists the plugins found on OFX_PLUGIN_PATH
//   ofx-host render ...           renders PAM frames through an effect (see render_command.h)
#include "render_command.h"
#include "session.h"
#include "testing.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace ofxhost {

std::map<std::string, TestCase>& testRegistry() {
    static std::map<std::string, TestCase> registry;
    return registry;
}

namespace {

std::string pluginPath() {
    const char* env = std::getenv("OFX_PLUGIN_PATH");
    return env != nullptr && *env != '\0' ? env : "/usr/OFX/Plugins";
}

int runTest(const std::string& name) {
    const auto it = testRegistry().find(name);
    if (it == testRegistry().end()) {
        std::fprintf(stderr, "no case '%s' (see `ofx-host list`)\n", name.c_str());
        return 2;
    }
    try {
        TestContext ctx;
        ctx.pluginPath = pluginPath();
        const std::string wanted = "/Runway.ofx.bundle";
        for (const auto& b : findBundles(ctx.pluginPath))
            if (ctx.bundle.empty() && b.size() >= wanted.size() && b.compare(b.size() - wanted.size(), wanted.size(), wanted) == 0)
                ctx.bundle = b;
        CHECK(!ctx.bundle.empty(), "no Runway.ofx.bundle on OFX_PLUGIN_PATH '" << ctx.pluginPath << "'");
        it->second(ctx);
        std::printf("PASS %s\n", name.c_str());
        return 0;
    } catch (const std::exception& ex) {
        std::printf("FAIL %s\n  %s\n", name.c_str(), ex.what());
        return 1;
    }
}

int describeAll() {
    for (const auto& bundle : findBundles(pluginPath())) {
        const std::string binary = bundleBinary(bundle);
        std::printf("%s\n", bundle.c_str());
        if (binary.empty()) continue;
        PluginBinary loaded(binary);
        for (int i = 0; i < loaded.count(); ++i)
            std::printf("  %s %u.%u\n", loaded.plugin(i)->pluginIdentifier, loaded.plugin(i)->pluginVersionMajor,
                        loaded.plugin(i)->pluginVersionMinor);
    }
    return 0;
}

} // namespace
} // namespace ofxhost

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    int code = 2;
    if (args.size() == 1 && args[0] == "list") {
        for (const auto& [name, fn] : ofxhost::testRegistry()) std::printf("%s\n", name.c_str());
        code = 0;
    } else if (args.size() == 2 && args[0] == "test") {
        code = ofxhost::runTest(args[1]);
    } else if (!args.empty() && args[0] == "describe") {
        code = ofxhost::describeAll();
    } else if (!args.empty() && args[0] == "render") {
        code = ofxhost::runRenderCommand({args.begin() + 1, args.end()});
    } else {
        std::fprintf(stderr, "usage: ofx-host list | test <case> | describe | render --effect <id> --input <pam|dir> "
                             "[--mask <pam|dir>] --output <pam|dir> [--set name=value]... [--clip Name=<pam|dir>]... "
                             "[--frames first..last] [--plugin-path dirs] "
                             "[--depth byte|short|half|float] [--context Filter|General]\n");
    }
    // Leave without running static destructors: the plugin's client runtime may still own threads.
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
}
