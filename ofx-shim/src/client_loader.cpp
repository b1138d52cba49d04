// client_loader.cpp: dlopen of the NativeAOT client library next to this binary.
//
// The library is never dlclose'd: a NativeAOT runtime cannot be unloaded safely, and hosts load and unload
// plugins repeatedly during a session.
#include "client_loader.h"

#include "bundle.h"
#include "suites.h"

#include <dlfcn.h>

#include <mutex>

namespace runway::ofx {
namespace {

constexpr const char* kLibraryName = "libRunwayClient.so";

std::mutex gMutex;
ClientApi gApi;
rw_client* gClient = nullptr;
void* gLibrary = nullptr;

template <typename Fn>
bool resolve(void* lib, const char* name, Fn& out, std::string& error) {
    out = reinterpret_cast<Fn>(dlsym(lib, name));
    if (out == nullptr) error = std::string(kLibraryName) + " lacks the symbol " + name;
    return out != nullptr;
}

bool loadLibrary(std::string& error) {
    if (gLibrary != nullptr) return true;
    const std::string path = binaryDirectory() + "/" + kLibraryName;
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        const char* why = dlerror();
        error = "Runway client library could not be loaded from " + path + ": " + (why ? why : "unknown error") +
                ". Reinstall the Runway plugins.";
        return false;
    }
    ClientApi api;
    if (!resolve(lib, "rw_abi_version", api.abiVersion, error) || !resolve(lib, "rw_client_create", api.create, error) ||
        !resolve(lib, "rw_client_destroy", api.destroy, error) || !resolve(lib, "rw_client_ping", api.ping, error) ||
        !resolve(lib, "rw_client_render", api.render, error))
        return false; // keep the handle loaded: unloading a half-initialised runtime is worse
    const int32_t abi = api.abiVersion();
    if (abi != RW_ABI_VERSION) {
        error = "Runway client library at " + path + " has ABI version " + std::to_string(abi) + ", this plugin needs " +
                std::to_string(RW_ABI_VERSION) + ". Reinstall the Runway plugins.";
        return false;
    }
    gApi = api;
    gLibrary = lib;
    return true;
}

} // namespace

ClientRef acquireClient(std::string& error) {
    std::lock_guard<std::mutex> lock(gMutex);
    if (gClient != nullptr) return {&gApi, gClient};
    if (!loadLibrary(error)) return {};
    const HostIdentity& host = hostIdentity();
    const std::string name = "ofx:" + (host.label.empty() ? (host.name.empty() ? "unknown host" : host.name) : host.label);
    rw_error err{};
    rw_client* client = gApi.create(name.c_str(), &err);
    if (client == nullptr) {
        err.message[sizeof(err.message) - 1] = '\0';
        error = std::string("Runway client could not be created: ") + err.message;
        return {};
    }
    gClient = client;
    logLine("client created as '" + name + "'");
    return {&gApi, gClient};
}

} // namespace runway::ofx
