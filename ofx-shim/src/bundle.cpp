// bundle.cpp: locating the bundle from the address of code in this binary.
#include "bundle.h"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>

namespace runway::ofx {
namespace {

// Any function defined in this binary will do; dladdr maps its address back to our file.
void anchor() {}

} // namespace

std::string binaryDirectory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&anchor), &info) == 0 || info.dli_fname == nullptr) return ".";
    std::string path = info.dli_fname;
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved) != nullptr) path = resolved;
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string resourcesDirectory() { return binaryDirectory() + "/../Resources"; }

} // namespace runway::ofx
