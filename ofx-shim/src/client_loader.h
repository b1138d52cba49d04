// client_loader.h: loading libRunwayClient.so lazily and holding the one rw_client of the process.
#pragma once

#include <runway_client.h>

#include <string>

namespace runway::ofx {

/// Function table resolved from libRunwayClient.so.
struct ClientApi {
    int32_t (*abiVersion)(void) = nullptr;
    rw_client* (*create)(const char*, rw_error*) = nullptr;
    void (*destroy)(rw_client*) = nullptr;
    int32_t (*ping)(rw_client*, rw_error*) = nullptr;
    int32_t (*render)(rw_client*, const rw_render_request*, rw_error*) = nullptr;
};

struct ClientRef {
    const ClientApi* api = nullptr;
    rw_client* client = nullptr;
    explicit operator bool() const { return client != nullptr; }
};

/// The process-wide client: on the first call, dlopens libRunwayClient.so from the directory of Runway.ofx
/// (RTLD_LOCAL), checks rw_abi_version and creates the client named "ofx:<host>". Thread-safe. On failure returns
/// an empty ref and a human reason in `error`; the next call tries again (the library may have been installed).
ClientRef acquireClient(std::string& error);

} // namespace runway::ofx
